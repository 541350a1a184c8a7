"""The SQL of the statements, written once and shared by the computation, the freeze at issue and the exports.

Raw SQL is used where the ORM would loop or could not say it in one statement: the régularisation counts (paid
ledger against live eligibility), the list of interventions of a draft (period, late additions, removals) and the
``INSERT … SELECT`` that freezes it. It is portable between PostgreSQL (tests, production) and SQLite (the
``make run`` demo); only the year of a date needs a per-database expression.
"""

from django.db import connection

from funding.models import Grant, InterventionEligibility, PaidIntervention, Statement, StatementItem
from funding.periods import Period
from portal.models import Professional, Structure
from protocols.models import Intervention, Protocol

ELIGIBILITY = InterventionEligibility._meta.db_table
LEDGER = PaidIntervention._meta.db_table
ITEMS = StatementItem._meta.db_table
STATEMENTS = Statement._meta.db_table
GRANTS = Grant._meta.db_table
STRUCTURES = Structure._meta.db_table
INTERVENTIONS = Intervention._meta.db_table
PROTOCOLS = Protocol._meta.db_table
PROFESSIONALS = Professional._meta.db_table

# Reasons of a régularisation removal that are not eligibility reasons (the intervention is still eligible, but no
# longer for this grant and year, or has no eligibility yet). Listed with their labels in docs/funding.md.
REASON_MOVED = "reaffectee"
REASON_NOT_EVALUATED = "non_evaluee"
REGULARISATION_REASONS = {
    REASON_MOVED: "Date ou subvention de l'intervention modifiée depuis son paiement",
    REASON_NOT_EVALUATED: "Éligibilité de l'intervention pas encore recalculée",
}

# Text cells a spreadsheet would run as a formula get a leading apostrophe (as portal.exports does in Python).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def year_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def _ids(ids) -> str:
    """An inline list of integer ids (they come from our own queries, never from a user)."""
    values = [str(int(value)) for value in ids]
    return ", ".join(values) if values else "NULL"


def _true() -> str:
    return "TRUE" if connection.vendor == "postgresql" else "1"


def _false() -> str:
    return "FALSE" if connection.vendor == "postgresql" else "0"


def ledger_counts_sql(grant_ids, period: Period) -> tuple[str, list]:
    """Per (grant, year) of the ledger: how many interventions are paid, and how many of them are still eligible
    now, for the same grant and year, dated before the period (``still_paid``)."""
    sql = f"""
        SELECT p.grant_id, p.year, COUNT(*) AS paid,
               SUM(CASE WHEN e.is_eligible AND e.grant_id = p.grant_id AND e.performed_on < %s
                         AND {year_of("e.performed_on")} = p.year THEN 1 ELSE 0 END) AS still_paid
        FROM {LEDGER} p
        LEFT JOIN {ELIGIBILITY} e ON e.intervention_id = p.intervention_id
        WHERE p.grant_id IN ({_ids(grant_ids)})
        GROUP BY p.grant_id, p.year
    """
    return sql, [period.start]


def live_detail_sql(statement_ids, period: Period) -> tuple[str, list]:
    """The interventions of draft statements, as the freeze would write them:
    ``(statement_id, intervention_id, year, is_eligible, reason, is_regularisation)``.

    1. the period's interventions of the grant, eligible or excluded;
    2. late additions: eligible now, dated in the régularisation window (from ``regularisation_from`` to the start
       of the period), and not in the paid ledger for this grant and year;
    3. removals: in the paid ledger for the grant, but no longer eligible for it, in that year, before the period.
    """
    ids = _ids(statement_ids)
    true, false = _true(), _false()
    still_paid = (
        f"e.is_eligible AND e.grant_id = s.grant_id AND e.performed_on < %s AND {year_of('e.performed_on')} = p.year"
    )
    sql = f"""
        SELECT s.id AS statement_id, e.intervention_id, s.year AS year, e.is_eligible, e.reason,
               {false} AS is_regularisation
        FROM {STATEMENTS} s
        JOIN {ELIGIBILITY} e ON e.grant_id = s.grant_id
        WHERE s.id IN ({ids}) AND e.performed_on >= %s AND e.performed_on <= %s
        UNION ALL
        SELECT s.id, e.intervention_id, {year_of("e.performed_on")}, {true}, '', {true}
        FROM {STATEMENTS} s
        JOIN {ELIGIBILITY} e ON e.grant_id = s.grant_id
        WHERE s.id IN ({ids}) AND e.is_eligible AND e.performed_on >= s.regularisation_from AND e.performed_on < %s
          AND NOT EXISTS (
              SELECT 1 FROM {LEDGER} p
              WHERE p.intervention_id = e.intervention_id AND p.grant_id = s.grant_id
                AND p.year = {year_of("e.performed_on")}
          )
        UNION ALL
        SELECT s.id, p.intervention_id, p.year, {false},
               CASE WHEN e.intervention_id IS NULL THEN '{REASON_NOT_EVALUATED}'
                    WHEN NOT e.is_eligible THEN e.reason
                    ELSE '{REASON_MOVED}' END,
               {true}
        FROM {STATEMENTS} s
        JOIN {LEDGER} p ON p.grant_id = s.grant_id
        LEFT JOIN {ELIGIBILITY} e ON e.intervention_id = p.intervention_id
        WHERE s.id IN ({ids}) AND NOT COALESCE({still_paid}, {false})
    """
    return sql, [period.start, period.end, period.start, period.start]


def frozen_detail_sql(statement_ids) -> tuple[str, list]:
    """The frozen interventions of issued statements, in the same shape as ``live_detail_sql``."""
    sql = f"""
        SELECT i.statement_id, i.intervention_id, i.year, i.is_eligible, i.reason, i.is_regularisation
        FROM {ITEMS} i WHERE i.statement_id IN ({_ids(statement_ids)})
    """
    return sql, []


def freeze_items_sql(statement_ids, period: Period) -> tuple[str, list]:
    select, params = live_detail_sql(statement_ids, period)
    columns = "statement_id, intervention_id, year, is_eligible, reason, is_regularisation"
    return f"INSERT INTO {ITEMS} ({columns}) {select}", params


def ledger_remove_sql(statement_ids) -> tuple[str, list]:
    true, false = _true(), _false()
    sql = f"""
        DELETE FROM {LEDGER} WHERE intervention_id IN (
            SELECT intervention_id FROM {ITEMS}
            WHERE statement_id IN ({_ids(statement_ids)}) AND is_regularisation = {true} AND is_eligible = {false}
        )
    """
    return sql, []


def ledger_add_sql(statement_ids) -> tuple[str, list]:
    sql = f"""
        INSERT INTO {LEDGER} (intervention_id, grant_id, year, statement_id)
        SELECT i.intervention_id, s.grant_id, i.year, i.statement_id
        FROM {ITEMS} i JOIN {STATEMENTS} s ON s.id = i.statement_id
        WHERE i.statement_id IN ({_ids(statement_ids)}) AND i.is_eligible = {_true()}
    """
    return sql, []


def item_counts_sql(statement_ids) -> tuple[str, list]:
    sql = f"""
        SELECT statement_id, year, is_regularisation, is_eligible, COUNT(*)
        FROM {ITEMS} WHERE statement_id IN ({_ids(statement_ids)})
        GROUP BY statement_id, year, is_regularisation, is_eligible
    """
    return sql, []


def _neutralised(column: str) -> str:
    prefixes = ", ".join("%s" for _ in FORMULA_PREFIXES)
    return f"CASE WHEN substr({column}, 1, 1) IN ({prefixes}) THEN '''' || {column} ELSE {column} END"


DETAIL_HEADER = [
    "finess",
    "reference_subvention",
    "reference_episode",
    "date_intervention",
    "protocole",
    "delegue_identifiant",
    "delegant_identifiant",
    "statut",
    "motif",
]


DETAIL_ONLY = {
    "eligible": "d.is_eligible AND NOT d.is_regularisation",
    "exclue": "NOT d.is_eligible AND NOT d.is_regularisation",
    "regularisation": "d.is_regularisation",
}


def detail_export_sql(
    *, issued_ids=(), draft_ids=(), period: Period, with_nature: bool = False, only: str | None = None
) -> tuple[str, list]:
    """One row per intervention of the statements (period lines, then régularisations), with the columns of the
    detail CSV (``DETAIL_HEADER``), ordered by grant reference, nature and date. Empty text is NULL, so COPY and
    Python write the same empty cells. ``with_nature`` adds the ``nature`` column of the XLSX (``periode`` or
    ``regularisation AAAA``); ``only`` keeps one kind of rows (a key of ``DETAIL_ONLY``)."""
    parts, params = [], []
    if issued_ids:
        sql, part_params = frozen_detail_sql(issued_ids)
        parts.append(sql)
        params += part_params
    if draft_ids:
        sql, part_params = live_detail_sql(draft_ids, period)
        parts.append(sql)
        params += part_params
    if not parts:
        parts.append(frozen_detail_sql([])[0])
    union = " UNION ALL ".join(f"SELECT * FROM ({part}) AS part{index}" for index, part in enumerate(parts))
    neutral_params = []
    columns = []
    for column in ("g.reference", "i.episode_reference", "pr.code"):
        columns.append(_neutralised(column))
        neutral_params += list(FORMULA_PREFIXES)
    nature = ""
    if with_nature:
        nature = (
            ", CASE WHEN d.is_regularisation THEN 'regularisation ' || CAST(d.year AS TEXT) ELSE 'periode' END"
            " AS nature"
        )
    sql = f"""
        SELECT NULLIF(st.finess, ''), NULLIF({columns[0]}, ''), NULLIF({columns[1]}, ''), i.performed_on,
               NULLIF({columns[2]}, ''), COALESCE(dg.rpps, dg.adeli), COALESCE(dt.rpps, dt.adeli),
               CASE WHEN d.is_eligible THEN 'eligible' ELSE 'exclue' END, NULLIF(d.reason, ''){nature}
        FROM ({union}) AS d
        JOIN {STATEMENTS} s ON s.id = d.statement_id
        JOIN {GRANTS} g ON g.id = s.grant_id
        JOIN {STRUCTURES} st ON st.id = g.structure_id
        JOIN {INTERVENTIONS} i ON i.id = d.intervention_id
        JOIN {PROTOCOLS} pr ON pr.id = i.protocol_id
        JOIN {PROFESSIONALS} dg ON dg.id = i.delegate_id
        JOIN {PROFESSIONALS} dt ON dt.id = i.delegant_id
        {"WHERE " + DETAIL_ONLY[only] if only else ""}
        ORDER BY g.reference, d.is_regularisation, d.year, i.performed_on, i.id, d.is_eligible
    """
    return sql, neutral_params + params
