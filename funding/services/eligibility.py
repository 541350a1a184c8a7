"""Eligibility of interventions, computed in SQL over whole sets and stored in ``InterventionEligibility``.

An intervention of grant G dated d is eligible iff every rule holds; otherwise its reason is the first failing rule:

1. ``hors_subvention``: no grant of the structure for the protocol, or d outside [starts_on, ends_on];
2. ``date_future``: d after today (Europe/Paris);
3. ``protocole_non_declare``: no declaration deposited on or before d;
4. ``protocole_suspendu``: d in a suspension window [starts_on, lifted_on);
5. ``delegue_hors_equipe``: the delegate is not an accepted delegate of the team on d ([joined_on, left_on));
6. ``delegue_non_forme``: no training of the delegate (as delegate of that protocol) completed on or before d;
7. ``delegant_hors_equipe``: the delegant is not an accepted delegant of the team on d;
8. ``doublon``: among the interventions that pass rules 1–7, every one of an episode (structure, protocol,
   episode reference) but the first — earliest date, then first recorded (lowest id) — is a duplicate.

Cancelled interventions have no eligibility row. A second contact is a field of the episode's row, never a row of
its own, so it never earns a second payment.

One ``INSERT … SELECT … ON CONFLICT DO UPDATE`` computes a whole scope (protocols, structures, a region or
everything): a ``CASE`` whose every rule compares the intervention's date with an aggregate joined by equality (first
deposit, suspensions, memberships and trainings per protocol and professional: hash joins, no subquery per row), then
``ROW_NUMBER()`` over the episodes for rule 8. Rows whose result did not change are not rewritten. A region of a
million interventions is measured by ``tests/bench/bench_eligibility.py``.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from funding.models import ExclusionReason, Grant, InterventionEligibility
from portal.models import Structure
from protocols.models import (
    Declaration,
    Intervention,
    MembershipStatus,
    Protocol,
    Suspension,
    TeamMembership,
    TeamRole,
    Training,
)

R = ExclusionReason
RULES_IN_ORDER = [
    R.HORS_SUBVENTION,
    R.DATE_FUTURE,
    R.PROTOCOLE_NON_DECLARE,
    R.PROTOCOLE_SUSPENDU,
    R.DELEGUE_HORS_EQUIPE,
    R.DELEGUE_NON_FORME,
    R.DELEGANT_HORS_EQUIPE,
    R.DOUBLON,
]


def _tables() -> dict[str, str]:
    return {
        "eligibility": InterventionEligibility._meta.db_table,
        "intervention": Intervention._meta.db_table,
        "grant": Grant._meta.db_table,
        "declaration": Declaration._meta.db_table,
        "suspension": Suspension._meta.db_table,
        "team": TeamMembership._meta.db_table,
        "training": Training._meta.db_table,
        "structure": Structure._meta.db_table,
    }


def _in_team_on_date(alias: str, person: str, role: str) -> str:
    """True when ``person`` is an accepted member of the team in ``role`` on the intervention's date.

    ``alias`` is the per-(protocol, professional) aggregate joined by equality (a hash join over the whole set): one
    membership — the usual case — is checked from the aggregate itself; several (someone who left and came back)
    fall back to an ``EXISTS`` on that row only.
    """
    return f"""(CASE WHEN {alias}.n IS NULL THEN {FALSE}
      WHEN {alias}.n = 1 THEN {alias}.joined_on <= i.performed_on
        AND ({alias}.left_on IS NULL OR {alias}.left_on > i.performed_on)
      ELSE EXISTS (
        SELECT 1 FROM {{team}} m WHERE m.protocol_id = i.protocol_id AND m.professional_id = {person}
        AND m.role = '{role}' AND m.status = '{MembershipStatus.ACCEPTED}' AND m.joined_on <= i.performed_on
        AND (m.left_on IS NULL OR m.left_on > i.performed_on))
    END)"""


def _team_aggregate(role: str) -> str:
    return (
        "SELECT protocol_id, professional_id, COUNT(*) AS n, MIN(joined_on) AS joined_on, MAX(left_on) AS left_on "
        f"FROM {{team}} WHERE role = '{role}' AND status = '{MembershipStatus.ACCEPTED}' "
        "GROUP BY protocol_id, professional_id"
    )


FALSE = "FALSE"

# Each rule is a cheap comparison against an aggregate joined by equality (hash joins over the whole set), never a
# correlated subquery per row: a million interventions are classified in one pass.
RULES_SQL = f"""
CASE
  WHEN g.id IS NULL OR i.performed_on < g.starts_on OR i.performed_on > g.ends_on THEN '{R.HORS_SUBVENTION}'
  WHEN i.performed_on > %s THEN '{R.DATE_FUTURE}'
  WHEN d.first_on IS NULL OR d.first_on > i.performed_on THEN '{R.PROTOCOLE_NON_DECLARE}'
  WHEN (CASE WHEN s.n IS NULL THEN {FALSE}
          WHEN s.n = 1 THEN s.starts_on <= i.performed_on AND (s.lifted_on IS NULL OR s.lifted_on > i.performed_on)
          ELSE EXISTS (
            SELECT 1 FROM {{suspension}} s2 WHERE s2.protocol_id = i.protocol_id AND s2.starts_on <= i.performed_on
            AND (s2.lifted_on IS NULL OR s2.lifted_on > i.performed_on))
        END) THEN '{R.PROTOCOLE_SUSPENDU}'
  WHEN NOT {_in_team_on_date("md", "i.delegate_id", TeamRole.DELEGATE)} THEN '{R.DELEGUE_HORS_EQUIPE}'
  WHEN t.first_completed IS NULL OR t.first_completed > i.performed_on THEN '{R.DELEGUE_NON_FORME}'
  WHEN NOT {_in_team_on_date("ma", "i.delegant_id", TeamRole.DELEGANT)} THEN '{R.DELEGANT_HORS_EQUIPE}'
  ELSE ''
END
"""

INPUTS_SQL = f"""
LEFT JOIN {{grant}} g ON g.structure_id = i.structure_id AND g.protocol_id = i.protocol_id
LEFT JOIN (
  SELECT protocol_id, MIN(deposited_on) AS first_on FROM {{declaration}} GROUP BY protocol_id
) d ON d.protocol_id = i.protocol_id
LEFT JOIN (
  SELECT protocol_id, COUNT(*) AS n, MIN(starts_on) AS starts_on, MAX(lifted_on) AS lifted_on
  FROM {{suspension}} GROUP BY protocol_id
) s ON s.protocol_id = i.protocol_id
LEFT JOIN ({_team_aggregate(TeamRole.DELEGATE)}) md
  ON md.protocol_id = i.protocol_id AND md.professional_id = i.delegate_id
LEFT JOIN ({_team_aggregate(TeamRole.DELEGANT)}) ma
  ON ma.protocol_id = i.protocol_id AND ma.professional_id = i.delegant_id
LEFT JOIN (
  SELECT m.protocol_id, m.professional_id, MIN(tr.completed_on) AS first_completed
  FROM {{team}} m JOIN {{training}} tr ON tr.membership_id = m.id
  WHERE m.role = '{TeamRole.DELEGATE}' AND m.status = '{MembershipStatus.ACCEPTED}'
  GROUP BY m.protocol_id, m.professional_id
) t ON t.protocol_id = i.protocol_id AND t.professional_id = i.delegate_id
"""

UPSERT_SQL = f"""
INSERT INTO {{eligibility}} (intervention_id, grant_id, performed_on, is_eligible, reason, computed_at)
SELECT ranked.id, ranked.grant_id, ranked.performed_on,
       (ranked.rule_reason = '' AND ranked.episode_rank = 1),
       CASE WHEN ranked.rule_reason <> '' THEN ranked.rule_reason
            WHEN ranked.episode_rank > 1 THEN '{R.DOUBLON}'
            ELSE '' END,
       %s
FROM (
  SELECT base.*,
         ROW_NUMBER() OVER (
           PARTITION BY base.structure_id, base.protocol_id, base.episode_reference, base.rule_reason
           ORDER BY base.performed_on, base.id
         ) AS episode_rank
  FROM (
    SELECT i.id, i.structure_id, i.protocol_id, i.episode_reference, i.performed_on, g.id AS grant_id,
           {RULES_SQL} AS rule_reason
    FROM {{intervention}} i
    {INPUTS_SQL}
    WHERE i.cancelled_at IS NULL {{scope}}
  ) base
) ranked
WHERE ranked.performed_on >= %s
  {{changed_only}}
ON CONFLICT (intervention_id) DO UPDATE SET
  grant_id = excluded.grant_id,
  performed_on = excluded.performed_on,
  is_eligible = excluded.is_eligible,
  reason = excluded.reason,
  computed_at = excluded.computed_at
WHERE {{eligibility}}.is_eligible <> excluded.is_eligible
   OR {{eligibility}}.reason <> excluded.reason
   OR COALESCE({{eligibility}}.grant_id, 0) <> COALESCE(excluded.grant_id, 0)
   OR {{eligibility}}.performed_on <> excluded.performed_on
"""

# For large scopes, rows whose result did not change are filtered out by one anti-join over the stored table (a hash
# join) instead of a conflict probe per row. Not for one protocol's rows: they are computed inside the transaction that
# has just written them (an import), where the planner's statistics still believe the protocol small and would rescan
# the whole stored table once per row; there, ``ON CONFLICT … WHERE`` skips unchanged rows through the primary key.
CHANGED_ONLY_SQL = f"""AND NOT EXISTS (
    SELECT 1 FROM {{eligibility}} e
    WHERE e.intervention_id = ranked.id
      AND e.is_eligible = (ranked.rule_reason = '' AND ranked.episode_rank = 1)
      AND e.reason = (CASE WHEN ranked.rule_reason <> '' THEN ranked.rule_reason
                           WHEN ranked.episode_rank > 1 THEN '{R.DOUBLON}' ELSE '' END)
      AND COALESCE(e.grant_id, 0) = COALESCE(ranked.grant_id, 0)
      AND e.performed_on = ranked.performed_on
  )"""

DELETE_CANCELLED_SQL = """
DELETE FROM {eligibility} WHERE intervention_id IN (
  SELECT i.id FROM {intervention} i WHERE i.cancelled_at IS NOT NULL {scope}
)
"""

EARLIEST = datetime.date(1, 1, 1)


def _scope_sql(protocol_ids, structure_ids, region_ids) -> tuple[str, list]:
    clauses, params = [], []
    for column, ids in (("i.protocol_id", protocol_ids), ("i.structure_id", structure_ids)):
        if ids is not None:
            ids = sorted(set(ids))
            clauses.append(f"{column} IN ({', '.join(['%s'] * len(ids))})")
            params += ids
    if region_ids is not None:
        ids = sorted(set(region_ids))
        placeholders = ", ".join(["%s"] * len(ids))
        clauses.append(
            f"i.structure_id IN (SELECT st.id FROM {{structure}} st WHERE st.region_id IN ({placeholders}))"
        )
        params += ids
    return "".join(f" AND {clause}" for clause in clauses), params


def recompute_eligibility(
    *,
    protocol_ids=None,
    structure_ids=None,
    region_ids=None,
    since: datetime.date | None = None,
    today: datetime.date | None = None,
) -> int:
    """Recompute the eligibility of every intervention in the scope; returns the number of rows written.

    The scope is the intersection of the given filters (None: no filter; all None: every intervention). ``since``
    limits the rows written to those dated on or after it (earlier ones cannot change: every rule looks at its own
    date, and rule 8 only at earlier rows). Call it after changing a grant:
    ``recompute_eligibility(structure_ids=[grant.structure_id])``.
    """
    protocol_ids, structure_ids, region_ids = (
        None if ids is None else list(ids) for ids in (protocol_ids, structure_ids, region_ids)
    )
    if any(ids == [] for ids in (protocol_ids, structure_ids, region_ids)):
        return 0
    today = today or timezone.localdate()
    scope, scope_params = _scope_sql(protocol_ids, structure_ids, region_ids)
    tables = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        previous = _tune_session(cursor)
        _lock_structures(protocol_ids, structure_ids, region_ids)
        cursor.execute(DELETE_CANCELLED_SQL.format(**tables, scope=scope.format(**tables)), scope_params)
        changed_only = CHANGED_ONLY_SQL.format(**tables) if protocol_ids is None else ""
        cursor.execute(
            UPSERT_SQL.format(**tables, scope=scope.format(**tables), changed_only=changed_only),
            [timezone.now(), today, *scope_params, since or EARLIEST],
        )
        written = max(cursor.rowcount, 0)
        _restore_session(cursor, previous)
    return written


def _tune_session(cursor) -> tuple:
    """The plan is a few hash joins and one sort: compiling it (JIT) costs seconds and saves nothing, and a region's
    million rows sort faster in memory than on disk. Set for this transaction only, restored after."""
    cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
    previous = cursor.fetchone()
    cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
    return previous


def _restore_session(cursor, previous) -> None:
    cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", list(previous))


def _lock_structures(protocol_ids, structure_ids, region_ids) -> None:
    """Serialise recomputations of the same structures (two upserts of the same rows could otherwise deadlock)."""
    structures = Structure.objects.all()
    if structure_ids is not None:
        structures = structures.filter(pk__in=structure_ids)
    if region_ids is not None:
        structures = structures.filter(region__in=region_ids)
    if protocol_ids is not None:
        protocols = Protocol.objects.filter(pk__in=protocol_ids)
        structures = structures.filter(
            Q(pk__in=protocols.values("structure_id")) | Q(pk__in=protocols.values("implementing_structure_id"))
        )
    list(structures.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))


def eligibility_refresh_due(*, today: datetime.date | None = None) -> int:
    """Daily: interventions whose date has come stop being ``date_future``; any intervention that lacks its
    eligibility row (an interrupted recomputation) gets one."""
    today = today or timezone.localdate()
    due = InterventionEligibility.objects.filter(reason=R.DATE_FUTURE, performed_on__lte=today).values_list(
        "intervention__protocol_id", flat=True
    )
    missing = Intervention.objects.active().filter(Q(eligibility__isnull=True)).values_list("protocol_id", flat=True)
    protocol_ids = set(due.distinct()) | set(missing.distinct())
    if not protocol_ids:
        return 0
    return recompute_eligibility(protocol_ids=protocol_ids, today=today)
