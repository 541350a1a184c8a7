"""From the bytes of an uploaded file to rows of cells, whatever spreadsheet tool wrote it.

XLSX is recognised by its content (a ZIP archive), not its name. Anything else is read as CSV: UTF-8 (with or
without the BOM Excel adds), or Windows-1252 when it is not valid UTF-8 (Excel's "CSV (séparateur : point-virgule)"
on a French Windows); the separator is the one the header line uses, ``;`` or ``,``.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from protocols.imports.columns import normalize_header
from protocols.imports.xlsx import XlsxFormatError, open_fast

XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(Exception):
    """The file is neither a CSV nor an XLSX we can read. The message is French, for the user."""


@dataclass
class Table:
    headers: list[str]  # normalised header names, in file order
    raw_headers: list[str]
    estimated_rows: int  # for the progress bar only
    rows: Iterator[tuple[int, list]]  # (line number in the file, cells), blank lines skipped


def is_xlsx(content: bytes) -> bool:
    return content.startswith(XLSX_MAGIC)


def open_table(content: bytes) -> Table:
    if not content.strip():
        raise UnreadableFile("Le fichier est vide.")
    if is_xlsx(content):
        return _open_xlsx(content)
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


def sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") and ";" in header_line else ","


def _open_csv(text: str) -> Table:
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    try:
        raw_headers = next(reader)
    except (StopIteration, csv.Error) as error:
        raise UnreadableFile("La ligne d'en-tête du fichier est illisible.") from error

    def rows():
        line = 1
        try:
            for cells in reader:
                line += 1
                if any(cell.strip() for cell in cells):
                    yield line, cells
        except csv.Error as error:
            raise UnreadableFile(f"Ligne {line + 1} : le fichier CSV est mal formé ({error}).") from error

    return Table(
        headers=[normalize_header(value) for value in raw_headers],
        raw_headers=[str(value) for value in raw_headers],
        estimated_rows=max(0, text.count("\n") + (0 if text.endswith("\n") else 1) - 1),
        rows=rows(),
    )


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


def _open_xlsx(content: bytes) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        check_archive_sizes(archive)
        sheet = open_fast(archive)
    except zipfile.BadZipFile as error:
        raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error
    except XlsxFormatError:
        return _open_xlsx_with_openpyxl(content)
    iterator = sheet.rows()
    try:
        header_line, raw_headers = next(iterator)
    except StopIteration as error:
        raise UnreadableFile("La première feuille du classeur est vide.") from error
    except XlsxFormatError as error:
        raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error
    raw_headers = _trim(raw_headers)

    def rows():
        try:
            for line, cells in iterator:
                if _has_value(cells):
                    yield line, cells
        except XlsxFormatError as error:
            raise UnreadableFile(f"Ce classeur XLSX est illisible ou endommagé ({error}).") from error

    return Table(
        headers=[normalize_header(value) for value in raw_headers],
        raw_headers=["" if value is None else str(value) for value in raw_headers],
        estimated_rows=max(0, sheet.max_row() - header_line),
        rows=rows(),
    )


def _trim(cells: list) -> list:
    cells = list(cells)
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return cells


def _has_value(cells) -> bool:
    return any(cell not in (None, "") and str(cell).strip() for cell in cells)


def _open_xlsx_with_openpyxl(content: bytes) -> Table:
    """The slower, more tolerant reader, for workbooks the fast one does not understand."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zipfile, KeyError, XML errors) on a damaged file
        raise UnreadableFile("Ce classeur XLSX est illisible ou endommagé.") from error
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        raw_headers = _trim(next(iterator))
    except StopIteration as error:
        workbook.close()
        raise UnreadableFile("La première feuille du classeur est vide.") from error

    def rows():
        try:
            for line, cells in enumerate(iterator, start=2):
                if _has_value(cells):
                    yield line, list(cells)
        finally:
            workbook.close()

    return Table(
        headers=[normalize_header(value) for value in raw_headers],
        raw_headers=["" if value is None else str(value) for value in raw_headers],
        estimated_rows=max(0, (sheet.max_row or 1) - 1),
        rows=rows(),
    )
