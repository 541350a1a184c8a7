"""Exports of a region's statements for a period: the summary (one line per grant), the lines, and the detail
(one line per intervention of the period and of the régularisations).

The detail of an issued statement is its frozen list; the detail of a draft is read live from the eligibility
table (the same SQL that freezes it at issue). The detail CSV is produced by ``COPY … TO STDOUT`` in batches of
statements, streamed as it comes; the XLSX reads the same rows through a server-side cursor.
"""

from collections.abc import Iterable, Iterator
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Q

from funding.exports.xlsx import DATE, EUROS, INTEGER, XlsxColumn, write_sheets
from funding.models import Statement, StatementLine
from funding.periods import Period
from funding.services.statement_sql import DETAIL_HEADER, detail_export_sql
from portal.exports import Column, csv_lines

SUMMARY_COLUMNS = [
    Column("region", lambda s: s.grant.structure.region.code),
    Column("finess", lambda s: s.grant.structure.finess),
    Column("structure", lambda s: s.grant.structure.name),
    Column("reference_subvention", lambda s: s.grant.reference),
    Column("periode", lambda s: str(s.period)),
    Column("statut", lambda s: s.csv_status),
    Column("interventions_eligibles", lambda s: s.eligible_count),
    Column("interventions_exclues", lambda s: s.excluded_count),
    Column("montant_periode", lambda s: s.period_amount),
    Column("regularisation", lambda s: s.regularisation_amount),
    Column("montant_total", lambda s: s.total_amount),
    Column("cumul_annee", lambda s: s.year_cumulative),
    Column("plafond_restant", lambda s: s.cap_remaining),  # empty for a line without a cap (SNP)
    # Added at the end (issue 15) so that readers of the earlier columns by position keep working.
    Column("regime", lambda s: s.grant.regime),
    Column("payeur", lambda s: s.payer),  # frozen at issue (a draft: the grant's current payer)
]
SUMMARY_HEADER = [column.header for column in SUMMARY_COLUMNS]
_SUMMARY_FORMATS = {
    "interventions_eligibles": INTEGER,
    "interventions_exclues": INTEGER,
    "montant_periode": EUROS,
    "regularisation": EUROS,
    "montant_total": EUROS,
    "cumul_annee": EUROS,
    "plafond_restant": EUROS,
}
SUMMARY_XLSX = [
    XlsxColumn(c.header, c.getter, _SUMMARY_FORMATS.get(c.header), 40 if c.header in {"structure", "payeur"} else None)
    for c in SUMMARY_COLUMNS
]
LINE_XLSX = [
    XlsxColumn("reference_etat", lambda line: line.statement.reference, width=34),
    XlsxColumn("reference_subvention", lambda line: line.statement.grant.reference, width=24),
    XlsxColumn("nature", lambda line: "periode" if line.kind == StatementLine.Kind.PERIOD else "regularisation"),
    XlsxColumn("annee", lambda line: line.year),
    XlsxColumn("libelle", lambda line: line.label, width=40),
    XlsxColumn("interventions_eligibles", lambda line: line.eligible_count, INTEGER),
    XlsxColumn("ajoutees", lambda line: line.added_count, INTEGER),
    XlsxColumn("retirees", lambda line: line.removed_count, INTEGER),
    XlsxColumn("montant_du", lambda line: line.entitled_amount, EUROS),
    XlsxColumn("deja_compte", lambda line: line.deducted_amount, EUROS),
    XlsxColumn("montant", lambda line: line.amount, EUROS),
]
DETAIL_XLSX = [
    XlsxColumn(header, itemgetter(index), DATE if header == "date_intervention" else None)
    for index, header in enumerate([*DETAIL_HEADER, "nature"])
]
BATCH = 100  # statements per COPY: each batch is one sorted read, bounded whatever the size of the region


def region_statements(region, period: Period):
    return (
        Statement.objects.of_region(region)
        .of_period(period)
        .select_related("grant__structure__region")
        .order_by("grant__reference")
    )


def summary_csv(statements: Iterable[Statement]) -> Iterator[bytes]:
    for line in csv_lines(SUMMARY_COLUMNS, statements):
        yield line.encode("utf-8")


def _batches(statements) -> Iterator[tuple[list[int], list[int], list[int]]]:
    """``(issued ids, draft ids, drafts with régularisation changes)`` by groups of ``BATCH`` statements."""
    batch = []
    for statement in statements:
        batch.append(statement)
        if len(batch) == BATCH:
            yield _split(batch)
            batch = []
    if batch:
        yield _split(batch)


def _split(batch) -> tuple[list[int], list[int], list[int]]:
    drafts = [s.pk for s in batch if not s.is_issued]
    regularised = set(
        StatementLine.objects.filter(statement_id__in=drafts, kind=StatementLine.Kind.REGULARISATION)
        .filter(Q(added_count__gt=0) | Q(removed_count__gt=0))
        .values_list("statement_id", flat=True)
    )
    return [s.pk for s in batch if s.is_issued], drafts, sorted(regularised)


def detail_csv(statements, period: Period) -> Iterator[bytes]:
    """The detail CSV of ``statements`` (one period), header first, streamed batch by batch."""
    yield (";".join(DETAIL_HEADER) + "\n").encode("utf-8")
    statements = list(statements.select_related(None).only("pk", "status").order_by("grant__reference"))
    for issued_ids, draft_ids, regularised_ids in _batches(statements):
        sql, params = detail_export_sql(
            issued_ids=issued_ids, draft_ids=draft_ids, regularised_ids=regularised_ids, period=period
        )
        yield from _copy(sql, params)


def _copy(sql: str, params: list) -> Iterator[bytes]:
    """Stream ``COPY (sql) TO STDOUT`` in its own transaction, tuned for one big sorted read: no JIT compilation
    (it costs more than it saves on these joins) and room to sort a batch in memory."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        copy_sql = cursor.cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')", params)
        with cursor.cursor.copy(copy_sql) as copy:
            for block in copy:
                yield bytes(block)


def _fetch(sql: str, params: list, size: int = 5000) -> Iterator[list[tuple]]:
    """Rows in chunks through a server-side cursor (PostgreSQL) so the client never holds the whole result."""
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def detail_rows(statements, period: Period) -> Iterator[tuple]:
    """The detail rows with the ``nature`` column (``periode`` or ``regularisation AAAA``), for the XLSX."""
    statements = list(statements.select_related(None).only("pk", "status").order_by("grant__reference"))
    for issued_ids, draft_ids, regularised_ids in _batches(statements):
        sql, params = detail_export_sql(
            issued_ids=issued_ids,
            draft_ids=draft_ids,
            regularised_ids=regularised_ids,
            period=period,
            with_nature=True,
        )
        for rows in _fetch(sql, params):
            yield from rows


def statements_xlsx(statements, period: Period, target, *, detail: bool = False) -> None:
    lines = (
        StatementLine.objects.filter(statement__in=statements)
        .select_related("statement__grant")
        .order_by("statement__grant__reference", "kind", "year")
    )
    sheets = [
        ("États", SUMMARY_XLSX, statements.iterator(chunk_size=500)),
        ("Lignes", LINE_XLSX, lines.iterator(chunk_size=1000)),
    ]
    if detail:
        sheets.append(("Détail", DETAIL_XLSX, detail_rows(statements, period)))
    write_sheets(sheets, target)
