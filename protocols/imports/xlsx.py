"""A fast reader of the worksheets of an XLSX file, for the reporting table import.

openpyxl without lxml reads some 4,000 rows a second here, below what an import must sustain; streaming the sheet's
XML with the standard library's C parser reads ten times that. It reads any worksheet (the tableau de reporting an
ARS exports has one per structure) and understands what spreadsheet tools write for a table of values: shared and
inline strings, numbers, booleans, and date cells (by their number format, in the 1900 or 1904 date system).
Anything it does not understand raises ``XlsxFormatError`` and the caller falls back to openpyxl.

It trusts nothing the file declares (``protocols.imports.bounds``): every part is read with a bounded read, every
row and cell reference is checked before a row is padded, a row holds at most ``IMPORT_MAX_COLUMNS`` cells, and a
sheet's real XML at most ``IMPORT_MAX_PART_BYTES``; past a bound it raises ``BoundsExceeded``.
"""

import datetime
import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError, fromstring

from protocols.imports.bounds import (
    MAX_ROW_XML_BYTES,
    ImportLimits,
    check_dimension,
    check_reference,
    check_row_number,
    import_limits,
    part_too_large,
    read_part,
    row_too_large,
    too_many_cells,
)

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
BUILTIN_DATE_FORMATS = {*range(14, 23), 45, 46, 47, *range(27, 37), *range(50, 59)}
EPOCH_1900 = datetime.datetime(1899, 12, 30)
EPOCH_1904 = datetime.datetime(1904, 1, 1)
ROW, CELL, VALUE, INLINE = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v", f"{MAIN}is"
DIGITS = "0123456789"
BLOCK_SIZE = 1 << 22
ROOT_TAG = re.compile(rb"<(\w+:)?worksheet\b[^>]*>")
SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")


class XlsxFormatError(Exception):
    pass


_columns: dict[str, int] = {}


def _column_index(reference: str) -> int:
    """``"C12"`` → 2 (cached per column letters: a sheet has few columns and many cells). A reference past column
    XFD or row 1,048,576 raises ``BoundsExceeded``, before anything is padded."""
    letters = reference.rstrip(DIGITS)
    index = _columns.get(letters)
    if index is None or len(reference) - len(letters) > 6:  # 7 digits: check the row against 1,048,576
        index = check_reference(reference)[0] - 1  # only valid letters (at most XFD) enter the cache
        _columns[letters] = index
    return index


def _is_date_format(code: str) -> bool:
    cleaned = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower().replace("general", "")
    return bool(re.search(r"[dmyhs]", cleaned))


def _text(element) -> str:
    return "".join(node.text or "" for node in element.iter(f"{MAIN}t"))


class FastXlsx:
    def __init__(self, archive: zipfile.ZipFile, limits: ImportLimits | None = None):
        self.archive = archive
        self.limits = limits or import_limits()
        self.sheet_paths, self.epoch = self._sheets()
        self.sheet_path = self.sheet_paths[0]
        self.strings = self._shared_strings()
        self.date_styles = self._date_styles()

    def _xml(self, path):
        try:
            return fromstring(read_part(self.archive, path, self.limits.max_part_bytes))
        except KeyError:
            return None

    def _sheets(self) -> tuple[list[str], datetime.datetime]:
        """The paths of the worksheets in workbook order, and the date system."""
        workbook = self._xml("xl/workbook.xml")
        if workbook is None:
            raise XlsxFormatError("xl/workbook.xml is missing")
        properties = workbook.find(f"{MAIN}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        rels = self._xml("xl/_rels/workbook.xml.rels")
        targets = {}
        for relation in rels.iter(f"{PKG_RELS}Relationship") if rels is not None else ():
            target = relation.get("Target")
            targets[relation.get("Id")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            )
        paths = []
        for sheet in workbook.iterfind(f"{MAIN}sheets/{MAIN}sheet"):
            path = targets.get(sheet.get(f"{DOC_RELS}id"))
            if path is None:
                raise XlsxFormatError("a sheet has no file")
            paths.append(path)
        if not paths:
            raise XlsxFormatError("no sheet")
        return paths, EPOCH_1904 if date1904 else EPOCH_1900

    def _shared_strings(self) -> list[str]:
        root = self._xml("xl/sharedStrings.xml")
        return [] if root is None else [_text(item) for item in root.iter(f"{MAIN}si")]

    def _date_styles(self) -> set[int]:
        root = self._xml("xl/styles.xml")
        if root is None:
            return set()
        custom = {
            int(fmt.get("numFmtId")): _is_date_format(fmt.get("formatCode", "")) for fmt in root.iter(f"{MAIN}numFmt")
        }
        cell_formats = root.find(f"{MAIN}cellXfs")
        dates = set()
        for index, xf in enumerate(cell_formats.iter(f"{MAIN}xf") if cell_formats is not None else ()):
            number_format = int(xf.get("numFmtId", 0))
            if custom.get(number_format, number_format in BUILTIN_DATE_FORMATS):
                dates.add(index)
        return dates

    def _value(self, cell):
        kind = cell.get("t")
        if kind == "s":
            return self.strings[int(cell.findtext(VALUE))]
        if kind == "inlineStr":
            inline = cell.find(INLINE)
            if inline is None:
                return ""
            if len(inline) == 1 and not len(inline[0]):  # <is><t>text</t></is>: the usual shape
                return inline[0].text or ""
            return _text(inline)
        raw = cell.findtext(VALUE)
        if not raw:  # no value, or a formula never computed (data only: as openpyxl, None)
            return None
        if kind is None or kind == "n":
            number = float(raw)
            style = cell.get("s")
            if style is not None and int(style) in self.date_styles:
                return self.epoch + datetime.timedelta(days=number)
            return int(number) if number.is_integer() else number
        if kind == "b":
            return raw == "1"
        if kind == "d":
            return datetime.datetime.fromisoformat(raw)
        return raw  # "str" (a formula's text), "e" (an error such as #N/A)

    def max_row(self, sheet_path: str | None = None) -> int:
        """The sheet's declared dimension, checked against the sheet's limits (used for the progress bar only)."""
        with self.archive.open(sheet_path or self.sheet_path) as handle:
            head = handle.read(2048).decode("utf-8", "ignore")
        match = re.search(r"""<(?:\w+:)?dimension\s+ref=["']([^"']*)["']""", head)
        return check_dimension(match.group(1)) if match else 0

    def rows(self, sheet_path: str | None = None) -> Iterator[tuple[int, list]]:
        """(line, values) of every row present in the sheet (the first one by default); raises XlsxFormatError on a
        malformed sheet.

        The sheet's XML is read in blocks of whole rows, each parsed at once by the C parser inside a copy of the
        root tag (so namespaces resolve): twice as fast as an event per element, in bounded memory.
        """
        line = 0
        path = sheet_path or self.sheet_path
        limit = self.limits.max_part_bytes
        size = 0  # the real bytes inflated so far, whatever the archive declares
        try:
            with self.archive.open(path) as handle:
                head = b""
                while True:
                    block = handle.read(BLOCK_SIZE)
                    size += len(block)
                    if size > limit:
                        raise part_too_large(path, limit)
                    head += block
                    root = ROOT_TAG.search(head)
                    data = SHEET_DATA.search(head, root.end()) if root else None
                    if data:
                        break
                    if not block:
                        raise XlsxFormatError("no sheetData")
                if data.group(2):  # <sheetData/>: no row at all
                    return
                prefix = root.group(1) or b""
                opening, closing = root.group(0), b"</" + prefix + b"worksheet>"
                row_end, data_end = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
                buffer = head[data.end() :]
                while True:
                    finished = buffer.find(data_end)
                    if finished >= 0:
                        chunk, rest = buffer[:finished], b""
                    else:
                        cut = buffer.rfind(row_end)
                        cut = 0 if cut < 0 else cut + len(row_end)
                        chunk, rest = buffer[:cut], buffer[cut:]
                    if chunk.strip():
                        for row in fromstring(opening + chunk + closing):
                            line = int(row.get("r") or line + 1)
                            check_row_number(line)
                            yield line, self._row_values(row, line)
                    if finished >= 0:
                        return
                    if len(rest) > MAX_ROW_XML_BYTES:  # a row that never ends: refused before it is parsed
                        raise row_too_large(line + 1)
                    block = handle.read(BLOCK_SIZE)
                    size += len(block)
                    if size > limit:
                        raise part_too_large(path, limit)
                    if not block:
                        raise XlsxFormatError("the sheet is truncated")
                    buffer = rest + block
        except (KeyError, ValueError, IndexError, AttributeError, OverflowError, ParseError) as error:
            raise XlsxFormatError(f"ligne {line + 1} : {error}") from error

    def _row_values(self, row, line: int) -> list:
        limit = self.limits.max_columns
        if len(row) > limit:
            raise too_many_cells(line, limit)
        values: list = []
        for cell in row:
            reference = cell.get("r")
            position = _column_index(reference) if reference else len(values)
            if position >= limit:  # checked before padding: a far cell never allocates the cells before it
                raise too_many_cells(line, limit)
            if position >= len(values):
                values.extend([None] * (position - len(values) + 1))
            values[position] = self._value(cell)
        return values


def open_fast(archive: zipfile.ZipFile) -> FastXlsx:
    try:
        return FastXlsx(archive)
    except (KeyError, ValueError, AttributeError, TypeError, ParseError) as error:  # malformed XML: openpyxl tries
        raise XlsxFormatError(str(error)) from error
