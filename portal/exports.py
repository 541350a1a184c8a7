"""Tabular exports (CSV and XLSX) driven by a column spec, streamed so memory stays flat.

A spec is a list of ``Column(header, getter)``; rows are any iterable (use ``queryset.iterator()``). Text cells
that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) are neutralised with a
leading apostrophe; numbers are written as numbers.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from portal.downloads import attach

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    getter: Callable[[Any], Any]


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat(timespec="seconds") if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


class _Echo:
    def write(self, value):
        return value


def csv_lines(columns: list[Column], rows: Iterable, *, delimiter: str = ";", bom: bool = False) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\n")
    if bom:
        yield "\ufeff"
    yield writer.writerow([column.header for column in columns])
    for row in rows:
        yield writer.writerow([csv_cell(column.getter(row)) for column in columns])


def csv_response(
    filename: str, columns: list[Column], rows: Iterable, *, delimiter: str = ";"
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(columns, rows, delimiter=delimiter)),
        content_type="text/csv; charset=utf-8",
    )
    return attach(response, filename)


def xlsx_cell(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(value)
    return value


def write_xlsx(sheets: list[tuple[str, list[Column], Iterable]], target) -> None:
    """Write one sheet per (title, columns, rows) to ``target`` (a path or a binary file), in constant memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=True)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="000091")
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns):
            sheet.column_dimensions[_column_letter(index)].width = max(12, min(45, len(column.header) + 4))
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font, cell.fill = header_font, header_fill
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([xlsx_cell(column.getter(row)) for column in columns])
    workbook.save(target)


def xlsx_bytes(sheets: list[tuple[str, list[Column], Iterable]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
