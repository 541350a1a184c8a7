"""From the bytes of an uploaded file to rows of cells, whatever spreadsheet tool wrote it, in either layout.

XLSX is recognised by its content (a ZIP archive), not its name. Anything else is read as CSV: UTF-8 (with or
without the BOM Excel adds), or Windows-1252 when it is not valid UTF-8 (Excel's "CSV (séparateur : point-virgule)"
on a French Windows); the separator is the one the header line uses, ``;`` or ``,`` (the lines of the title block
when the header line has neither).

Two layouts, recognised by their content too: the portal's template (column names on the first line) and the
tableau de reporting as the ARS hands it out (seed 003: a title block, two header rows; see
``protocols.imports.tableau``), whose lines are mapped onto the portal's columns. A workbook of several sheets (the
ARS's export has one per structure) is read from the sheet whose title block carries the structure's FINESS, else
from its first sheet.

Nothing is read past the bounds of ``protocols.imports.bounds``: they raise ``BoundsExceeded`` (not an
``UnreadableFile``: the import marks its batch failed, the upload form refuses the file).
"""

import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from protocols.imports import tableau
from protocols.imports.bounds import (
    UPLOAD_SCAN_BYTES,
    csv_line_too_long,
    csv_too_many_columns,
    import_limits,
    scan_xlsx,
)
from protocols.imports.columns import HEADERS, normalize_header
from protocols.imports.xlsx import XlsxFormatError, open_fast

XLSX_MAGIC = b"PK\x03\x04"
PORTAL, TABLEAU = "portail", "tableau"
_PORTAL_HEADERS = frozenset(HEADERS)
SNIFFED_LINES = 50
READ_CHUNK = 1024 * 1024
# What zipfile raises on a damaged archive (a bad CRC, a member that inflates past its declared size, bad deflate).
DAMAGED_ARCHIVE = (zipfile.BadZipFile, zlib.error, EOFError)


class UnreadableFile(Exception):
    """The file is neither a CSV nor an XLSX we can read. The message is French, for the user."""


@dataclass
class Table:
    headers: list[str]  # normalised header names, in the order of the cells ``rows`` yields
    raw_headers: list[str]
    estimated_rows: int  # for the progress bar only
    rows: Iterator[tuple[int, list]]  # (line number in the file, cells), blank lines skipped
    layout: str = PORTAL
    header_line: int = 1
    sheet: tableau.TableauSheet | None = None  # the ARS's layout: title block, column labels, period


def is_xlsx(content: bytes) -> bool:
    return content.startswith(XLSX_MAGIC)


def open_table(content: bytes, *, finess: str = "") -> Table:
    if not content.strip():
        raise UnreadableFile("Le fichier est vide.")
    if is_xlsx(content):
        return _open_xlsx(content, finess)
    if b"\x00" in content[:4096]:
        raise UnreadableFile("Ce fichier n'est ni un CSV ni un classeur XLSX.")
    return _open_csv(decode_text(content))


def decode_text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 maps every byte, so a stray one never refuses a file.
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            return content.decode("latin-1")


def sniff_delimiter(header_line: str, following: str = "") -> str:
    """The header line's separator; when it has none (the title of the ARS's sheet), the one of the next lines."""
    text = header_line if (";" in header_line or "," in header_line) else following
    return ";" if text.count(";") >= text.count(",") and ";" in text else ","


def layout_table(
    rows: Iterator[tuple[int, list]], *, total_rows: int, has_value: Callable[[list], bool], empty: str
) -> Table:
    """The table of either layout from the rows of one sheet (blank ones included)."""
    try:
        header_line, raw_headers = next(rows)
    except StopIteration as error:
        raise UnreadableFile(empty) from error
    raw_headers = _trim(raw_headers)
    headers = [normalize_header(value) for value in raw_headers]
    head = [(header_line, raw_headers)]
    if _PORTAL_HEADERS.isdisjoint(headers):
        head.extend(itertools.islice(rows, tableau.HEADER_SCAN_ROWS))
        group_index = tableau.find_header(head)
        if group_index is not None:
            sheet, names_index = tableau.read_sheet(head, group_index)
            rest = itertools.chain(head[names_index + 1 :], rows)
            return Table(
                headers=sheet.headers,
                raw_headers=[sheet.labels[name] for name in sheet.headers if name in sheet.labels],
                estimated_rows=max(0, total_rows - sheet.header_line),
                rows=sheet.lines(rest, has_value),
                layout=TABLEAU,
                header_line=sheet.header_line,
                sheet=sheet,
            )
        rows = itertools.chain(head[1:], rows)
    return Table(
        headers=headers,
        raw_headers=["" if value is None else str(value) for value in raw_headers],
        estimated_rows=max(0, total_rows - header_line),
        rows=(row for row in rows if has_value(row[1])),
        header_line=header_line,
    )


def _csv_has_value(cells) -> bool:
    return any(cell.strip() for cell in cells)


def _bounded_lines(text: str, max_length: int) -> Iterator[str]:
    """The physical lines of ``text`` (``\r\n``, ``\n`` or a lone ``\r``), each within ``max_length`` characters."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > max_length and len(line.rstrip("\r\n")) > max_length:
            raise csv_line_too_long(number, max_length)
        yield line


def _csv_records(text: str) -> Iterator[list[str]]:
    """The records of a CSV text, within the bounds (``BoundsExceeded``); ``csv.Error`` on a malformed one."""
    limits = import_limits()
    first_line, _, rest = text.partition("\n")
    following = "\n".join(rest[:65536].split("\n", SNIFFED_LINES)[:SNIFFED_LINES])
    reader = csv.reader(_bounded_lines(text, limits.max_csv_line), delimiter=sniff_delimiter(first_line, following))
    for cells in reader:
        if len(cells) > limits.max_columns:
            raise csv_too_many_columns(reader.line_num, len(cells), limits.max_columns)
        yield cells


def _open_csv(text: str) -> Table:
    records = _csv_records(text)

    def rows():
        line = 0
        try:
            for cells in records:
                line += 1
                yield line, cells
        except csv.Error as error:
            raise UnreadableFile(f"Ligne {line + 1} : le fichier CSV est mal formé ({error}).") from error

    return layout_table(
        rows(),
        total_rows=text.count("\n") + (0 if text.endswith("\n") else 1),
        has_value=_csv_has_value,
        empty="La ligne d'en-tête du fichier est illisible.",
    )


def _pick_sheet(tables: Iterator[Table], finess: str) -> Table:
    """The first sheet, unless another one is the ARS's layout for the structure's FINESS."""
    first = next(tables)
    if not finess or (first.sheet is not None and first.sheet.title.finess == finess):
        return first
    for table in tables:
        if table.sheet is not None and table.sheet.title.finess == finess:
            return table
    return first


# A reporting table's XML compresses some 10 to 30 times; a "zip bomb" a thousand times. Both limits are read from
# the archive's directory before anything is decompressed (openpyxl would inflate it all in memory).
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_ABOVE = 1024 * 1024


def check_archive_sizes(archive: zipfile.ZipFile) -> None:
    """Refuse an archive that would inflate beyond reason, before reading any of its members."""
    total = 0
    for member in archive.infolist():
        total += member.file_size
        compressed = max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_ABOVE and member.file_size / compressed > MAX_COMPRESSION_RATIO:
            raise UnreadableFile(
                "Ce classeur XLSX a été refusé : son contenu compressé est anormal (archive piégée ou endommagée)."
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(
            "Ce classeur XLSX a été refusé : une fois décompressé, il dépasserait "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} Mo. Enregistrez-le en CSV ou découpez-le."
        )


def check_upload_bounds(handle) -> None:
    """At upload, before anything is stored: an XLSX's archive directory, the real size of each of its parts and the
    cells within the first ``UPLOAD_SCAN_BYTES`` of each; a CSV's line lengths (in bytes, which are never fewer than
    its characters) and, within the same budget, its columns. Raises ``BoundsExceeded`` or ``UnreadableFile``; a
    damaged file passes (the import reports it), and what lies past the budget is checked by the import's reader.
    """
    limits = import_limits()
    handle.seek(0)
    try:
        if is_xlsx(handle.read(len(XLSX_MAGIC))):
            try:
                archive = zipfile.ZipFile(handle)
            except zipfile.BadZipFile:
                return
            check_archive_sizes(archive)
            try:
                scan_xlsx(archive, limits, cells_within=UPLOAD_SCAN_BYTES)
            except (*DAMAGED_ARCHIVE, OSError, RuntimeError, NotImplementedError):
                return  # damaged, encrypted or an unknown compression: the import says so
        else:
            handle.seek(0)
            _check_csv_upload(handle, limits)
    finally:
        handle.seek(0)


_LINE_BREAKS = re.compile(rb"\r\n?|\n")


def _check_csv_upload(handle, limits) -> None:
    head = bytearray()
    line, length = 1, 0  # the current line's number and its bytes so far
    while chunk := handle.read(READ_CHUNK):
        if len(head) < UPLOAD_SCAN_BYTES:
            head += chunk
        pieces = _LINE_BREAKS.split(chunk)  # a \r\n cut between two reads counts one line too many: harmless
        for index, piece in enumerate(pieces):
            length = (length if index == 0 else 0) + len(piece)
            if length > limits.max_csv_line:
                raise csv_line_too_long(line + index, limits.max_csv_line)
        line += len(pieces) - 1
    text = decode_text(bytes(head))
    cut = max(text.rfind("\n"), text.rfind("\r"))
    if len(head) >= UPLOAD_SCAN_BYTES and cut > 0:
        text = text[:cut]  # whole lines only
    try:
        for _ in _csv_records(text):
            pass
    except csv.Error:
        return  # a malformed CSV is the import's to report, line by line


def _open_xlsx(content: bytes, finess: str = "") -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        check_archive_sizes(archive)
        workbook = open_fast(archive)
    except DAMAGED_ARCHIVE as error:
        raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error
    except XlsxFormatError:
        return _open_xlsx_with_openpyxl(content, finess)

    def fast_rows(path):
        try:
            yield from workbook.rows(path)
        except XlsxFormatError as error:
            raise UnreadableFile(f"Ce classeur XLSX est illisible ou endommagé ({error}).") from error
        except DAMAGED_ARCHIVE as error:  # e.g. a member longer than it declares: its CRC fails
            raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error

    def max_row(path):
        try:
            return workbook.max_row(path)
        except DAMAGED_ARCHIVE as error:
            raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error

    def tables():
        for index, path in enumerate(workbook.sheet_paths):
            try:
                yield layout_table(
                    fast_rows(path),
                    total_rows=max_row(path),
                    has_value=_has_value,
                    empty="La première feuille du classeur est vide.",
                )
            except UnreadableFile:
                if index == 0:
                    raise

    return _pick_sheet(tables(), finess)


def _trim(cells: list) -> list:
    cells = list(cells)
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return cells


def _has_value(cells) -> bool:
    return any(cell not in (None, "") and str(cell).strip() for cell in cells)


def _open_xlsx_with_openpyxl(content: bytes, finess: str = "") -> Table:
    """The slower, more tolerant reader, for workbooks the fast one does not understand."""
    from openpyxl import load_workbook

    # openpyxl pads rows up to the sheet's declared dimension and far cells: every part is checked first, whole.
    try:
        scan_xlsx(zipfile.ZipFile(io.BytesIO(content)), strict=True)
    except DAMAGED_ARCHIVE as error:
        raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zipfile, KeyError, XML errors) on a damaged file
        raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error

    def sheet_rows(sheet):
        sheet.reset_dimensions()  # rows as the file has them, never padded up to the declared range
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)

    def tables():
        for index, sheet in enumerate(workbook.worksheets):
            try:
                yield layout_table(
                    sheet_rows(sheet),
                    total_rows=sheet.max_row or 1,
                    has_value=_has_value,
                    empty="La première feuille du classeur est vide.",
                )
            except UnreadableFile:
                if index == 0:
                    workbook.close()
                    raise

    table = _pick_sheet(tables(), finess)
    table.rows = _closing(table.rows, workbook)
    return table


def _closing(rows, workbook):
    try:
        yield from rows
    finally:
        workbook.close()
