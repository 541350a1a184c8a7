"""A formatted XLSX writer (one sheet per view, typed columns) in openpyxl's write-only mode: constant memory."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from portal.exports import xlsx_cell

EUROS = '#,##0.00" €";-#,##0.00" €"'
INTEGER = "#,##0"
DATE = "DD/MM/YYYY"


@dataclass(frozen=True)
class XlsxColumn:
    header: str
    getter: Callable[[Any], Any]
    number_format: str | None = None
    width: int | None = None


def write_sheets(sheets: list[tuple[str, list[XlsxColumn], Iterable]], target) -> None:
    """Write one sheet per ``(title, columns, rows)`` to ``target`` (a path or a binary file)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="000091")
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            width = column.width or max(12, min(40, len(column.header) + 4))
            sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.header)
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            header.append(cell)
        sheet.append(header)
        formatted = [column.number_format for column in columns]
        for row in rows:
            values = []
            for column, number_format in zip(columns, formatted, strict=True):
                value = xlsx_cell(column.getter(row))
                if number_format and value is not None and value != "":
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = number_format
                    values.append(cell)
                else:
                    values.append(value)
            sheet.append(values)
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    workbook.save(target)
