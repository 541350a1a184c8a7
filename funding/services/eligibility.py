"""Eligibility of interventions, computed in SQL over whole sets and stored in ``InterventionEligibility``.

An intervention of funding line G dated d is eligible iff every rule holds; otherwise its reason is the first failing
rule:

1. ``hors_subvention``: no funding line of the structure for the protocol, or d outside [starts_on, ends_on] — except
   after the end of a line that runs up to the protocol's end (``Protocol.ended_on``): rule 5 says why;
2. – 8. the protocol's rules, written once in ``protocols.eligibility_rules`` (the intervention forms read the same
   text): ``date_future``, ``protocole_non_declare``, ``protocole_suspendu``, ``protocole_termine``,
   ``delegue_hors_equipe``, ``delegue_non_forme``, ``delegant_hors_equipe``;
9. ``doublon``: among the interventions that pass rules 1–8, the same act reported twice (same structure, protocol,
   episode reference, date and delegate: ``ACT_KEY``) earns once. The database already refuses a second active copy
   (``intervention_identical_row_unique``); the engine says it again so that its count never depends on it;
10. ``episode_deja_compte``: on a line counted **per patient** (``Grant.counting_unit``, the SNP forfait of seed 003),
   every contact of an episode (``EPISODE_KEY``) but the first — earliest date, then the delegate, then first
   recorded — is excluded. A line counted **per intervention** (the AMI grant of seed 000, "25 € par intervention
   réalisée") pays every eligible intervention, another date of the same episode included.

Cancelled interventions have no eligibility row. A second contact is a field of the episode's row, never a row of
its own, so it never creates a payable line.

One ``INSERT … SELECT … ON CONFLICT DO UPDATE`` computes a whole scope (protocols, structures, a region or
everything): a ``CASE`` whose every rule compares the intervention's date with an aggregate joined by equality (first
deposit, suspensions, memberships and trainings per protocol and professional: hash joins, no subquery per row), then
two ``ROW_NUMBER()`` over one sort of the episodes for rules 9 and 10. Rows whose result did not change are not
rewritten. A region of a million interventions is measured by ``tests/bench/bench_eligibility.py``.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from funding.models import CountingUnit, ExclusionReason, Grant, InterventionEligibility
from portal.models import Structure
from protocols import eligibility_rules
from protocols.models import Intervention, Protocol

R = ExclusionReason
RULES_IN_ORDER = [
    R.HORS_SUBVENTION,
    *(R(code) for code in eligibility_rules.CODES),
    R.DOUBLON,
    R.EPISODE_DEJA_COMPTE,
]


def _tables() -> dict[str, str]:
    return {
        "eligibility": InterventionEligibility._meta.db_table,
        "intervention": Intervention._meta.db_table,
        "grant": Grant._meta.db_table,
        "structure": Structure._meta.db_table,
    }


def _columns(alias: str, key) -> str:
    return ", ".join(f"{alias}.{column}" for column in key)


# Rule 1 here (the funding line is this layer's), then the protocol's rules as ``protocols.eligibility_rules`` writes
# them, in the same order. A line that runs up to its protocol's end (the end cut it there: ``grants_follow_end``)
# leaves the days after to ``protocole_termine``: the protocol's end is why they earn nothing.
RULES_SQL = f"""
CASE
  WHEN g.id IS NULL OR i.performed_on < g.starts_on
    OR (i.performed_on > g.ends_on AND NOT COALESCE(g.ends_on >= {eligibility_rules.ENDED_ON}, FALSE))
    THEN '{R.HORS_SUBVENTION}'
{eligibility_rules.when_branches_sql()}
  ELSE ''
END
"""

INPUTS_SQL = f"""
LEFT JOIN {{grant}} g ON g.structure_id = i.structure_id AND g.protocol_id = i.protocol_id
{eligibility_rules.inputs_sql()}
"""

# Rules 9 and 10 after rules 1–8 (``rule_reason``): the act's rank among its copies, the contact's rank in its episode.
REASON_SQL = f"""CASE WHEN ranked.rule_reason <> '' THEN ranked.rule_reason
            WHEN ranked.act_rank > 1 THEN '{R.DOUBLON}'
            WHEN ranked.counting_unit = '{CountingUnit.PATIENT}' AND ranked.episode_rank > 1
              THEN '{R.EPISODE_DEJA_COMPTE}'
            ELSE '' END"""

# Both windows read one sort: the act's partition (episode, reason, date, delegate) continues the episode's order.
_EPISODE = f"{_columns('base', eligibility_rules.EPISODE_KEY)}, base.rule_reason"
_ACT_REST = [column for column in eligibility_rules.ACT_KEY if column not in eligibility_rules.EPISODE_KEY]

UPSERT_SQL = f"""
INSERT INTO {{eligibility}} (intervention_id, grant_id, performed_on, is_eligible, reason, computed_at)
SELECT judged.id, judged.grant_id, judged.performed_on, judged.reason = '', judged.reason, %(now)s
FROM (
SELECT ranked.*, {REASON_SQL} AS reason
FROM (
  SELECT base.*,
         ROW_NUMBER() OVER (
           PARTITION BY {_EPISODE}, {_columns("base", _ACT_REST)} ORDER BY base.id
         ) AS act_rank,
         ROW_NUMBER() OVER (
           PARTITION BY {_EPISODE} ORDER BY {_columns("base", _ACT_REST)}, base.id
         ) AS episode_rank
  FROM (
    SELECT i.id, i.structure_id, i.protocol_id, i.episode_reference, i.performed_on, i.delegate_id,
           g.id AS grant_id, g.counting_unit, {RULES_SQL} AS rule_reason
    FROM {{intervention}} i
    {INPUTS_SQL}
    WHERE i.cancelled_at IS NULL {{scope}}
  ) base
) ranked
) judged
WHERE judged.performed_on >= %(since)s
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
CHANGED_ONLY_SQL = """AND NOT EXISTS (
    SELECT 1 FROM {eligibility} e
    WHERE e.intervention_id = judged.id
      AND e.reason = judged.reason
      AND COALESCE(e.grant_id, 0) = COALESCE(judged.grant_id, 0)
      AND e.performed_on = judged.performed_on
  )"""

DELETE_CANCELLED_SQL = """
DELETE FROM {eligibility} WHERE intervention_id IN (
  SELECT i.id FROM {intervention} i WHERE i.cancelled_at IS NOT NULL {scope}
)
"""

EARLIEST = datetime.date(1, 1, 1)


def _scope_sql(protocol_ids, structure_ids, region_ids) -> tuple[str, dict]:
    clauses, params = [], {}

    def placeholders(name, ids):
        ids = sorted(set(ids))
        params.update({f"{name}_{n}": value for n, value in enumerate(ids)})
        return ", ".join(f"%({name}_{n})s" for n in range(len(ids)))

    for column, name, ids in (("i.protocol_id", "p", protocol_ids), ("i.structure_id", "s", structure_ids)):
        if ids is not None:
            clauses.append(f"{column} IN ({placeholders(name, ids)})")
    if region_ids is not None:
        clauses.append(
            "i.structure_id IN (SELECT st.id FROM {structure} st "
            f"WHERE st.region_id IN ({placeholders('r', region_ids)}))"
        )
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
    date, and rules 9 and 10 only at earlier rows). Call it after changing a grant:
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
            {"now": timezone.now(), "today": today, "since": since or EARLIEST, **scope_params},
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
