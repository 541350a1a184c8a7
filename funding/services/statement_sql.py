"""The SQL of the statements, written once and shared by the computation, the freeze at issue and the exports.

Raw SQL is used where the ORM would loop or could not say it in one statement: the régularisation counts (paid
ledger against live eligibility), the list of interventions of a draft (period, late additions, removals) and the
``INSERT … SELECT`` that freezes it.
"""

from funding.models import Grant, InterventionEligibility, PaidIntervention, PaidTotal, Statement, StatementItem
from funding.periods import Period
from portal.models import Professional, Structure
from protocols.models import Intervention, Protocol

ELIGIBILITY = InterventionEligibility._meta.db_table
LEDGER = PaidIntervention._meta.db_table
TOTALS = PaidTotal._meta.db_table
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
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def _ids(ids) -> str:
    """An inline list of integer ids (they come from our own queries, never from a user)."""
    values = [str(int(value)) for value in ids]
    return ", ".join(values) if values else "NULL"


def checksum_of(column: str) -> str:
    """A 64-bit hash of an intervention id, summed into the ledger's checksums."""
    return f"hashint8extended({column}, 0)"


def counts_with_checksums_sql(grant_ids, period: Period, windows) -> tuple[str, list, list[str]]:
    """The per-grant counts of a computation in one scan of the eligibility rows, with, for each year window,
    ``y<year>`` (eligible now, dated in the window) and ``c<year>`` (the checksum of their ids), to compare with
    the ledger's totals."""
    columns = ["grant_id", "period_eligible", "period_excluded"]
    selects = [
        "COUNT(*) FILTER (WHERE e.is_eligible AND e.performed_on >= %s)",
        "COUNT(*) FILTER (WHERE NOT e.is_eligible AND e.performed_on >= %s)",
    ]
    params = [period.start, period.start]
    for year, start, end in windows:
        window = "e.is_eligible AND e.performed_on >= %s AND e.performed_on <= %s"
        selects.append(f"COUNT(*) FILTER (WHERE {window})")
        selects.append(f"SUM({checksum_of('e.intervention_id')}) FILTER (WHERE {window})")
        params += [start, end, start, end]
        columns += [f"y{year}", f"c{year}"]
    first_start = windows[0][1] if windows else period.start
    sql = f"""
        SELECT e.grant_id, {", ".join(selects)}
        FROM {ELIGIBILITY} e
        WHERE e.grant_id IN ({_ids(grant_ids)}) AND e.performed_on >= %s AND e.performed_on <= %s
        GROUP BY e.grant_id
    """
    return sql, [*params, min(first_start, period.start), period.end], columns


def still_paid_sql(grant_ids, period: Period) -> tuple[str, list]:
    """Per (grant, year) of the ledger, of these grants only: the paid interventions still eligible for the grant
    and year, dated before the period (the grants whose checksums changed)."""
    ids = _ids(grant_ids)
    sql = f"""
        SELECT p.grant_id, p.year, COUNT(*)
        FROM {LEDGER} p
        JOIN {ELIGIBILITY} e ON e.intervention_id = p.intervention_id
        WHERE p.grant_id IN ({ids}) AND e.grant_id IN ({ids}) AND e.grant_id = p.grant_id AND e.is_eligible
          AND e.performed_on < %s AND {year_of("e.performed_on")} = p.year
        GROUP BY p.grant_id, p.year
    """
    return sql, [period.start]


def paid_totals_refresh_sql(grant_ids) -> list[tuple[str, list]]:
    """Rewrite the ledger's totals of these grants from the ledger itself (at each issue)."""
    ids = _ids(grant_ids)
    return [
        (f"DELETE FROM {TOTALS} WHERE grant_id IN ({ids})", []),
        (
            f"""
            INSERT INTO {TOTALS} (grant_id, year, paid_count, checksum)
            SELECT grant_id, year, COUNT(*), COALESCE(SUM({checksum_of("intervention_id")}), 0)
            FROM {LEDGER} WHERE grant_id IN ({ids})
            GROUP BY grant_id, year
            """,
            [],
        ),
    ]


def update_drafts_sql(statements, fields: list[str], db_types: dict[str, str]) -> tuple[str, list]:
    """One ``UPDATE … FROM unnest(arrays)`` rewriting the figures of recomputed drafts (PostgreSQL)."""
    arrays = ["%s::bigint[]"] + [f"%s::{db_types[field].split('(')[0]}[]" for field in fields]
    names = ", ".join(["id", *fields])
    assignments = ", ".join(f"{field} = v.{field}" for field in fields)
    params = [[s.pk for s in statements]] + [[getattr(s, field) for s in statements] for field in fields]
    sql = f"""
        UPDATE {STATEMENTS} AS s SET {assignments}
        FROM unnest({", ".join(arrays)}) AS v({names})
        WHERE s.id = v.id
    """
    return sql, params


def live_detail_sql(statement_ids, period: Period, regularised_ids=None) -> tuple[str, list]:
    """The interventions of draft statements, as the freeze would write them:
    ``(statement_id, intervention_id, year, is_eligible, reason, is_regularisation)``.

    1. the period's interventions of the grant, eligible or excluded;
    2. late additions: eligible now, dated in the régularisation window (from ``regularisation_from`` to the start
       of the period), and not in the paid ledger for this grant and year;
    3. removals: in the paid ledger for the grant, but no longer eligible for it, in that year, before the period.

    ``regularised_ids`` narrows parts 2 and 3 to the statements whose lines count additions or removals (an
    export reads the others' period only); the freeze always looks at every statement.
    """
    ids = _ids(statement_ids)
    regularised_ids = statement_ids if regularised_ids is None else regularised_ids
    regularised = _ids(regularised_ids)
    # The grants as constants too, so the planner reads the eligibility and ledger indexes of these grants only.
    grants = dict(Statement.objects.filter(pk__in=list(statement_ids)).values_list("pk", "grant_id"))
    grant_ids = _ids(sorted(set(grants.values())))
    regularised_grants = _ids(sorted({grants[pk] for pk in regularised_ids if pk in grants}))
    still_paid = (
        f"e.is_eligible AND e.grant_id = s.grant_id AND e.performed_on < %s AND {year_of('e.performed_on')} = p.year"
    )
    sql = f"""
        SELECT s.id AS statement_id, e.intervention_id, s.year AS year, e.is_eligible, e.reason,
               FALSE AS is_regularisation
        FROM {STATEMENTS} s
        JOIN {ELIGIBILITY} e ON e.grant_id = s.grant_id
        WHERE s.id IN ({ids}) AND e.grant_id IN ({grant_ids}) AND e.performed_on >= %s AND e.performed_on <= %s
        UNION ALL
        SELECT s.id, e.intervention_id, {year_of("e.performed_on")}, TRUE, '', TRUE
        FROM {STATEMENTS} s
        JOIN {ELIGIBILITY} e ON e.grant_id = s.grant_id
        WHERE s.id IN ({regularised}) AND e.grant_id IN ({regularised_grants}) AND e.is_eligible
          AND e.performed_on >= s.regularisation_from AND e.performed_on < %s
          AND NOT EXISTS (
              SELECT 1 FROM {LEDGER} p
              WHERE p.intervention_id = e.intervention_id AND p.grant_id = s.grant_id
                AND p.year = {year_of("e.performed_on")}
          )
        UNION ALL
        SELECT s.id, p.intervention_id, p.year, FALSE,
               CASE WHEN e.intervention_id IS NULL THEN '{REASON_NOT_EVALUATED}'
                    WHEN NOT e.is_eligible THEN e.reason
                    ELSE '{REASON_MOVED}' END,
               TRUE
        FROM {STATEMENTS} s
        JOIN {LEDGER} p ON p.grant_id = s.grant_id
        LEFT JOIN {ELIGIBILITY} e ON e.intervention_id = p.intervention_id
        WHERE s.id IN ({regularised}) AND p.grant_id IN ({regularised_grants}) AND NOT COALESCE({still_paid}, FALSE)
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
    sql = f"""
        DELETE FROM {LEDGER} WHERE intervention_id IN (
            SELECT intervention_id FROM {ITEMS}
            WHERE statement_id IN ({_ids(statement_ids)}) AND is_regularisation AND NOT is_eligible
        )
    """
    return sql, []


def ledger_add_sql(statement_ids) -> tuple[str, list]:
    sql = f"""
        INSERT INTO {LEDGER} (intervention_id, grant_id, year, statement_id)
        SELECT i.intervention_id, s.grant_id, i.year, i.statement_id
        FROM {ITEMS} i JOIN {STATEMENTS} s ON s.id = i.statement_id
        WHERE i.statement_id IN ({_ids(statement_ids)}) AND i.is_eligible
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
    *,
    issued_ids=(),
    draft_ids=(),
    regularised_ids=None,
    period: Period,
    with_nature: bool = False,
    only: str | None = None,
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
        sql, part_params = live_detail_sql(draft_ids, period, regularised_ids)
        parts.append(sql)
        params += part_params
    if not parts:
        parts.append(frozen_detail_sql([])[0])
    union = " UNION ALL ".join(f"SELECT * FROM ({part}) AS part{index}" for index, part in enumerate(parts))
    all_ids = _ids([*issued_ids, *draft_ids])
    neutral_params = []
    columns = []
    for column in ("gs.reference", "i.episode_reference", "pr.code"):
        columns.append(_neutralised(column))
        neutral_params += list(FORMULA_PREFIXES)
    nature = ""
    if with_nature:
        nature = (
            ", CASE WHEN d.is_regularisation THEN 'regularisation ' || CAST(d.year AS TEXT) ELSE 'periode' END"
            " AS nature"
        )
    # The grant reference sorts in byte order (COLLATE "C"): the same everywhere, much cheaper than a locale's.
    sql = f"""
        SELECT NULLIF(gs.finess, ''), NULLIF({columns[0]}, ''), NULLIF({columns[1]}, ''), i.performed_on,
               NULLIF({columns[2]}, ''), COALESCE(dg.rpps, dg.adeli), COALESCE(dt.rpps, dt.adeli),
               CASE WHEN d.is_eligible THEN 'eligible' ELSE 'exclue' END, NULLIF(d.reason, ''){nature}
        FROM ({union}) AS d
        JOIN (
            SELECT s.id AS statement_id, st.finess, g.reference
            FROM {STATEMENTS} s
            JOIN {GRANTS} g ON g.id = s.grant_id
            JOIN {STRUCTURES} st ON st.id = g.structure_id
            WHERE s.id IN ({all_ids})
        ) AS gs ON gs.statement_id = d.statement_id
        JOIN {INTERVENTIONS} i ON i.id = d.intervention_id
        JOIN {PROTOCOLS} pr ON pr.id = i.protocol_id
        JOIN {PROFESSIONALS} dg ON dg.id = i.delegate_id
        JOIN {PROFESSIONALS} dt ON dt.id = i.delegant_id
        {"WHERE " + DETAIL_ONLY[only] if only else ""}
        ORDER BY gs.reference COLLATE "C", d.is_regularisation, d.year, i.performed_on, i.id, d.is_eligible
    """
    return sql, neutral_params + params
