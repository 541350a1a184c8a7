"""The payment list (CSV, XLSX): one line per payment order, and in the XLSX what remains per grant and year."""

from funding.exports.xlsx import DATE, EUROS, XlsxColumn, write_sheets
from funding.selectors.payments import balances_by_grant_year
from portal.exports import Column, csv_lines

PAYMENT_COLUMNS = [
    Column("region", lambda p: p.statement.grant.structure.region.code),
    Column("finess", lambda p: p.statement.grant.structure.finess),
    Column("structure", lambda p: p.statement.grant.structure.name),
    Column("reference_subvention", lambda p: p.statement.grant.reference),
    Column("reference_etat", lambda p: p.statement.reference),
    Column("periode", lambda p: str(p.statement.period)),
    Column("date_paiement", lambda p: p.paid_on),
    Column("reference_paiement", lambda p: p.reference),
    Column("montant", lambda p: p.amount),
    Column("commentaire", lambda p: p.comment),
]
PAYMENT_HEADER = [column.header for column in PAYMENT_COLUMNS]
_FORMATS = {"date_paiement": DATE, "montant": EUROS}
PAYMENT_XLSX = [
    XlsxColumn(c.header, c.getter, _FORMATS.get(c.header), 40 if c.header in ("structure", "commentaire") else None)
    for c in PAYMENT_COLUMNS
]
BALANCE_XLSX = [
    XlsxColumn("region", lambda row: row["grant__structure__region__code"]),
    XlsxColumn("finess", lambda row: row["grant__structure__finess"]),
    XlsxColumn("structure", lambda row: row["grant__structure__name"], width=40),
    XlsxColumn("reference_subvention", lambda row: row["grant__reference"]),
    XlsxColumn("annee", lambda row: row["year"]),
    XlsxColumn("montant_emis", lambda row: row["issued"], EUROS),
    XlsxColumn("montant_paye", lambda row: row["paid_total"], EUROS),
    XlsxColumn("reste_a_payer", lambda row: row["remaining_total"], EUROS),
]


def payments_for_export(payments):
    return payments.select_related("statement__grant__structure__region").order_by(
        "statement__grant__reference", "paid_on", "pk"
    )


def payments_csv(payments):
    for line in csv_lines(PAYMENT_COLUMNS, payments_for_export(payments).iterator(chunk_size=1000)):
        yield line.encode("utf-8")


def payments_xlsx(payments, statements, target) -> None:
    write_sheets(
        [
            ("Paiements", PAYMENT_XLSX, payments_for_export(payments).iterator(chunk_size=1000)),
            ("Restes à payer", BALANCE_XLSX, balances_by_grant_year(statements).iterator()),
        ],
        target,
    )
