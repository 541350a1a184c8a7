"""Files the import hands out: the template (CSV and XLSX, headers and one example row) and the error report."""

from portal.exports import Column, csv_lines, xlsx_bytes
from protocols.imports.columns import COLUMNS

TEMPLATE_COLUMNS = [Column(spec.name, lambda row, name=spec.name: row[name]) for spec in COLUMNS]
EXAMPLE_ROW = {spec.name: spec.example for spec in COLUMNS}

ERROR_COLUMNS = [
    Column("ligne", lambda error: error["ligne"]),
    Column("colonne", lambda error: error["colonne"]),
    Column("valeur", lambda error: error["valeur"]),
    Column("message", lambda error: error["message"]),
]


def template_csv() -> bytes:
    """UTF-8 with a BOM and ``;``: what Excel in French opens correctly with a double click."""
    return "".join(csv_lines(TEMPLATE_COLUMNS, [EXAMPLE_ROW], bom=True)).encode("utf-8")


def template_xlsx() -> bytes:
    return xlsx_bytes([("Interventions", TEMPLATE_COLUMNS, [EXAMPLE_ROW])])


def error_report_csv(errors: list[dict]) -> bytes:
    return "".join(csv_lines(ERROR_COLUMNS, errors, bom=True)).encode("utf-8")
