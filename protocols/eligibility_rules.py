"""The protocol's rules of eligibility of an intervention, written once (issue 15).

Two readers, one text:

- the funding engine (``funding.services.eligibility``) puts :data:`INPUTS_SQL` and each rule's :attr:`Rule.fails`
  into its ``INSERT … SELECT`` over a whole region of interventions, after its own grant rule (``hors_subvention``)
  and before its counting rules (``doublon``, ``episode_deja_compte``);
- the intervention forms (``protocols.services.interventions.intervention_problems``) run the same conditions over
  the one intervention being typed, in one query (:func:`rules_failed`), and explain each failure in French.

So a form cannot accept what the engine then excludes for a protocol reason, nor refuse what it would pay: the table
of cases in ``tests/funding/test_eligibility_agreement.py`` runs every case through both.

What the rules read (the semantics every caller relies on):

- a protocol is declared on ``d`` iff a declaration is in force on or before ``d`` (``Declaration.in_force_on``: the
  portal deposit, or the DS deposit the ARS confirmed);
- a suspension covers [starts_on, lifted_on): the day of lifting is excluded;
- a protocol whose implementation the ARS ended covers up to ``Protocol.ended_on`` included (:data:`ENDED_ON`);
- a membership covers [joined_on, left_on): the day of departure is excluded; only accepted memberships count;
- a delegate is trained on ``d`` when a training of his delegate membership was completed on or before ``d``.

Each condition compares the intervention ``i`` (columns ``protocol_id``, ``performed_on``, ``delegate_id``,
``delegant_id``) with an aggregate per protocol or per (protocol, professional) joined by equality: hash joins over a
million rows in the engine, index lookups for the form's single row (PostgreSQL pushes the constant into each
aggregate).

The identity of an act and of an episode live here too: :data:`ACT_KEY` (the same act reported twice is a
``doublon``; the database refuses a second active copy, ``intervention_identical_row_unique``) and
:data:`EPISODE_KEY` (a patient's episode: what a per-patient funding line pays once).
"""

import datetime
from dataclasses import dataclass

from django.db import connection

from protocols.models import (
    Declaration,
    MembershipStatus,
    Protocol,
    Suspension,
    TeamMembership,
    TeamRole,
    Training,
)

# Where the rules report on the intervention form.
DATE, DELEGANT = "performed_on", "delegant"

# The same act reported twice: same structure, protocol, episode reference, date and delegate. The database refuses a
# second active copy on ``STORED_ACT_KEY`` (``intervention_identical_row_unique``): the protocol fixes the structure
# that carries it, so the key without the structure is the stricter one, and the one the form checks.
STORED_ACT_KEY = ("protocol_id", "episode_reference", "performed_on", "delegate_id")
ACT_KEY = ("structure_id", *STORED_ACT_KEY)
# A patient's episode in a structure under a protocol: a per-patient line pays its first eligible contact only.
EPISODE_KEY = ("structure_id", "protocol_id", "episode_reference")


@dataclass(frozen=True)
class Rule:
    code: str  # the exclusion reason the engine stores (``funding.models.ExclusionReason``)
    field: str  # the form field a failure is reported on
    fails: str  # SQL, true when the intervention ``i`` breaks the rule (``%(today)s``: today, Europe/Paris)


def _in_team_on_date(alias: str, person: str, role: str) -> str:
    """True when ``person`` is an accepted member of the team in ``role`` on the intervention's date.

    One membership (the usual case) is checked from the aggregate itself; several (someone who left and came back)
    fall back to an ``EXISTS`` on that row only."""
    return f"""(CASE WHEN {alias}.n IS NULL THEN FALSE
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


# In the order the engine tries them: an excluded intervention gives the first rule it breaks.
RULES = (
    Rule("date_future", DATE, "i.performed_on > %(today)s"),
    Rule("protocole_non_declare", DATE, "d.first_on IS NULL OR d.first_on > i.performed_on"),
    Rule(
        "protocole_suspendu",
        DATE,
        """CASE WHEN s.n IS NULL THEN FALSE
          WHEN s.n = 1 THEN s.starts_on <= i.performed_on AND (s.lifted_on IS NULL OR s.lifted_on > i.performed_on)
          ELSE EXISTS (
            SELECT 1 FROM {suspension} s2 WHERE s2.protocol_id = i.protocol_id AND s2.starts_on <= i.performed_on
            AND (s2.lifted_on IS NULL OR s2.lifted_on > i.performed_on))
        END""",
    ),
    Rule("protocole_termine", DATE, "pe.ended_on IS NOT NULL AND i.performed_on > pe.ended_on"),
    Rule("delegue_hors_equipe", DATE, f"NOT {_in_team_on_date('md', 'i.delegate_id', TeamRole.DELEGATE)}"),
    Rule("delegue_non_forme", DATE, "t.first_completed IS NULL OR t.first_completed > i.performed_on"),
    Rule("delegant_hors_equipe", DELEGANT, f"NOT {_in_team_on_date('ma', 'i.delegant_id', TeamRole.DELEGANT)}"),
)
CODES = tuple(rule.code for rule in RULES)
# The last day an ended protocol covers, in the joined inputs (NULL while it is not ended). The funding engine reads
# it too: past the end of a line cut at the protocol's end, the reason is the protocol's end, not the line's.
ENDED_ON = "pe.ended_on"

# The aggregates the rules compare with, joined to the interventions ``i``.
INPUTS_SQL = f"""
LEFT JOIN (
  SELECT protocol_id, MIN(in_force_on) AS first_on FROM {{declaration}} GROUP BY protocol_id
) d ON d.protocol_id = i.protocol_id
LEFT JOIN (
  SELECT protocol_id, COUNT(*) AS n, MIN(starts_on) AS starts_on, MAX(lifted_on) AS lifted_on
  FROM {{suspension}} GROUP BY protocol_id
) s ON s.protocol_id = i.protocol_id
LEFT JOIN (
  SELECT id, ended_on FROM {{protocol}} WHERE ended_on IS NOT NULL
) pe ON pe.id = i.protocol_id
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


def tables() -> dict[str, str]:
    """The table names the SQL above is formatted with."""
    return {
        "declaration": Declaration._meta.db_table,
        "protocol": Protocol._meta.db_table,
        "suspension": Suspension._meta.db_table,
        "team": TeamMembership._meta.db_table,
        "training": Training._meta.db_table,
    }


def when_branches_sql() -> str:
    """The ``WHEN <rule fails> THEN '<code>'`` branches of a ``CASE``, in the rules' order (the engine's)."""
    return "\n".join(f"  WHEN {rule.fails} THEN '{rule.code}'" for rule in RULES).format(**tables())


def inputs_sql() -> str:
    return INPUTS_SQL.format(**tables())


@dataclass(frozen=True)
class RuleCheck:
    """Which rules one intervention breaks, with what the form needs to explain them."""

    failed: tuple[str, ...]  # codes, in the rules' order
    first_deposit: datetime.date | None
    first_training: datetime.date | None


ONE_ROW_SQL = """
SELECT {flags}, d.first_on, t.first_completed
FROM (SELECT %(protocol_id)s::bigint AS protocol_id, %(performed_on)s::date AS performed_on,
             %(delegate_id)s::bigint AS delegate_id, %(delegant_id)s::bigint AS delegant_id) i
{inputs}
"""


def rules_failed(
    *, protocol_id: int, performed_on: datetime.date, delegate_id: int, delegant_id: int | None, today: datetime.date
) -> RuleCheck:
    """Every rule the intervention breaks (not only the first), in one query over the same SQL as the engine."""
    flags = ", ".join(f"COALESCE(({rule.fails}), FALSE)" for rule in RULES)
    sql = ONE_ROW_SQL.format(flags=flags.format(**tables()), inputs=inputs_sql())
    params = {
        "protocol_id": protocol_id,
        "performed_on": performed_on,
        "delegate_id": delegate_id,
        "delegant_id": delegant_id,
        "today": today,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    failed = tuple(rule.code for rule, flag in zip(RULES, row[: len(RULES)], strict=True) if flag)
    return RuleCheck(failed=failed, first_deposit=row[len(RULES)], first_training=row[len(RULES) + 1])
