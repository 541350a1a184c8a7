"""Bounds on what an imported file may make the portal read or allocate (docs/security.md, « Classeur ou CSV
démesuré »).

A 1 kB workbook can name a cell ``ZZZZZZ1``: a reader that pads the row up to that column allocates hundreds of
millions of cells. An archive can also declare small sizes and inflate to much more. So nothing an archive *declares*
is trusted: parts are read with a bounded read (the real decompressed bytes, never the directory's sizes), every
``<dimension ref>``, ``<row r>`` and ``<c r>`` is checked while streaming, before any padding, and a row may not hold
more than ``IMPORT_MAX_COLUMNS`` cells. A CSV line may not exceed ``IMPORT_MAX_CSV_LINE`` characters nor
``IMPORT_MAX_COLUMNS`` columns. The settings come from the environment (``.env.example``).

Two places apply these bounds: the readers (``xlsx`` inline while streaming, ``reading`` for CSV and before openpyxl
reads anything), which protect the worker whatever the file's origin, and ``scan_xlsx`` at upload time, so that the
coordinator gets a form error at once rather than a failed import later. Messages are French, for the coordinator.
"""

import re
import zipfile
from dataclasses import dataclass

from django.conf import settings

# The format's own limits (ECMA-376, and Excel's): column XFD, row 1,048,576.
SHEET_MAX_COLUMN = 16_384
SHEET_MAX_ROW = 1_048_576
# A row's XML with no end in sight: legitimate rows are a few hundred bytes (a cell holds at most 32,767 characters).
MAX_ROW_XML_BYTES = 8 * 1024 * 1024
READ_CHUNK = 1024 * 1024
# At upload, the cells of each part are checked within its first bytes (all of them for any file imported during the
# request); the reader checks the rest while importing. Sizes are always counted to the end.
UPLOAD_SCAN_BYTES = 16 * 1024 * 1024

CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})")
# A cell, row or dimension tag, and its reference attribute if it has one (``r``, or ``ref`` for the dimension).
_TAG = re.compile(rb"""<(?:[\w.-]+:)?(c|row|dimension)(?=[\s/>])(?:[^>]*?\sr(?:ef)?\s*=\s*["']([^"']*)["'])?[^>]*>""")


class BoundsExceeded(Exception):
    """The file reaches past a bound: refused before it costs memory. The message is French, for the user."""


@dataclass(frozen=True)
class ImportLimits:
    max_columns: int
    max_part_bytes: int
    max_csv_line: int


def import_limits() -> ImportLimits:
    return ImportLimits(
        max_columns=settings.IMPORT_MAX_COLUMNS,
        max_part_bytes=settings.IMPORT_MAX_PART_BYTES,
        max_csv_line=settings.IMPORT_MAX_CSV_LINE,
    )


def column_letters(number: int) -> str:
    """1 → ``"A"``, 16384 → ``"XFD"``."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size // 1024} ko"


def _part_label(name: str) -> str:
    if name.endswith("sharedStrings.xml"):
        return "sa table des textes (xl/sharedStrings.xml)"
    if "worksheets/" in name:
        return f"sa feuille {name.rsplit('/', 1)[-1]}"
    return f"sa partie {name}"


def outside_sheet(reference: str, *, what: str = "la cellule") -> BoundsExceeded:
    shown = reference if len(reference) <= 30 else reference[:30] + "…"
    return BoundsExceeded(
        f"Classeur refusé : {what} « {shown} » est au-delà des limites d'une feuille de calcul (colonne XFD, "
        "ligne 1 048 576). Le fichier est endommagé ou piégé : enregistrez de nouveau le tableau depuis votre "
        "tableur, ou en CSV."
    )


def too_many_cells(line: int, limit: int) -> BoundsExceeded:
    return BoundsExceeded(
        f"Classeur refusé : la ligne {line} a des cellules au-delà de la colonne {column_letters(limit)} "
        f"({limit} colonnes au plus). Supprimez les colonnes inutiles à droite du tableau, puis importez-le de "
        "nouveau."
    )


def part_too_large(name: str, limit: int) -> BoundsExceeded:
    return BoundsExceeded(
        f"Classeur refusé : {_part_label(name)} dépasse {_megabytes(limit)} une fois décompressée. Découpez le "
        "tableau (par exemple par semestre) et importez chaque partie."
    )


def row_too_large(line: int) -> BoundsExceeded:
    return BoundsExceeded(
        f"Classeur refusé : la ligne {line} occupe plus de {_megabytes(MAX_ROW_XML_BYTES)} dans le fichier. "
        "Le fichier est endommagé ou piégé."
    )


def csv_line_too_long(line: int, limit: int) -> BoundsExceeded:
    return BoundsExceeded(
        f"Fichier CSV refusé : la ligne {line} dépasse {limit} caractères. Le fichier est endommagé ou n'est pas "
        "un tableau de reporting : enregistrez-le de nouveau depuis votre tableur."
    )


def csv_too_many_columns(line: int, count: int, limit: int) -> BoundsExceeded:
    return BoundsExceeded(
        f"Fichier CSV refusé : la ligne {line} a {count} colonnes ({limit} au plus). Supprimez les colonnes "
        "inutiles, puis importez-le de nouveau."
    )


def check_reference(reference: str, *, what: str = "la cellule") -> tuple[int, int]:
    """``"C12"`` → (3, 12), 1-based; a reference past XFD or row 1,048,576 is refused (a malformed one is a
    ``ValueError``: the file is damaged, not too large)."""
    match = CELL_REFERENCE.fullmatch(reference)
    if match is None:
        if re.fullmatch(r"[A-Z]+\d+", reference):
            raise outside_sheet(reference, what=what)
        raise ValueError(f"référence de cellule illisible : {reference[:30]!r}")
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    row = int(digits)
    if column > SHEET_MAX_COLUMN or row > SHEET_MAX_ROW:
        raise outside_sheet(reference, what=what)
    return column, row


def check_dimension(ref: str) -> int:
    """The declared range of a sheet (``"A1:O120"``), checked like any cell; returns its last row."""
    last_row = 0
    for corner in ref.split(":"):
        last_row = max(last_row, check_reference(corner.replace("$", ""), what="l'étendue déclarée")[1])
    return last_row


def declared_last_column(ref: str) -> int:
    """The last column of a declared range already checked by ``check_dimension`` (``"A1:O120"`` → 15)."""
    return max(check_reference(corner.replace("$", ""), what="l'étendue déclarée")[0] for corner in ref.split(":"))


def unreadable_reference() -> BoundsExceeded:
    return BoundsExceeded(
        "Classeur refusé : une référence de cellule y est illisible. Le fichier est endommagé ou piégé : "
        "enregistrez de nouveau le tableau depuis votre tableur, ou en CSV."
    )


def check_row_number(number: int) -> None:
    if number > SHEET_MAX_ROW or number < 1:
        raise outside_sheet(str(number), what="la ligne")


def read_part(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A part's real decompressed bytes, refused beyond ``limit`` (whatever size the archive declares)."""
    with archive.open(name) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise part_too_large(name, limit)
    return data


class _CellScan:
    """The cell checks of one sheet, fed with its tags as the scan meets them."""

    def __init__(self, limits: ImportLimits, *, strict: bool = False):
        self.limits = limits
        self.strict = strict
        self.line = 0
        self.cells = 0  # cells of the current row
        self.column = 0  # 1-based column of the last cell of the current row

    def tag(self, name: bytes, reference: bytes | None) -> None:
        value = reference.decode("utf-8", "replace") if reference else ""
        if name == b"c":
            self.cells += 1
            self.column = check_reference(value)[0] if value else self.column + 1
            if self.column > self.limits.max_columns or self.cells > self.limits.max_columns:
                raise too_many_cells(self.line, self.limits.max_columns)
        elif name == b"row":
            self.line = int(value) if value else self.line + 1  # a malformed number is a ValueError
            check_row_number(self.line)
            self.cells = self.column = 0
        elif value:  # dimension
            check_dimension(value)
            if self.strict and declared_last_column(value) > self.limits.max_columns:
                # openpyxl pads every row up to the declared range: past the allowed width, refused.
                raise too_many_cells(1, self.limits.max_columns)


def scan_part(
    archive: zipfile.ZipFile,
    name: str,
    limits: ImportLimits,
    *,
    cells_within: int | None = None,
    strict: bool = False,
) -> None:
    """Stream one part: its real size (refused past ``max_part_bytes``) and, within its first ``cells_within``
    bytes (all of them by default), every dimension, row and cell reference and the cells of every row.

    A malformed reference stops the cell checks of the part (not the size count): the fast reader reports the
    damaged file as such. ``strict`` (before openpyxl, which accepts references the scan cannot read, such as
    ``a1``, and pads rows up to the declared range): a malformed reference refuses the file, and so does a declared
    range wider than ``max_columns``."""
    scan = _CellScan(limits, strict=strict) if name.endswith(".xml") else None
    size = 0
    pending = b""
    with archive.open(name) as handle:
        while block := handle.read(READ_CHUNK):
            size += len(block)
            if size > limits.max_part_bytes:
                raise part_too_large(name, limits.max_part_bytes)
            if scan is None or (cells_within is not None and size - len(block) >= cells_within):
                continue  # not XML, or past the budget: only the size is counted
            text = pending + block
            cut = text.rfind(b"<")
            if cut >= 0 and text.find(b">", cut) >= 0:
                cut = len(text)  # the last tag is whole: nothing to keep for the next read
            cut = max(cut, 0)
            try:
                for match in _TAG.finditer(text, 0, cut):
                    scan.tag(match.group(1), match.group(2))
            except ValueError as error:
                if strict:
                    raise unreadable_reference() from error
                scan, pending = None, b""
                continue
            pending = text[cut:]
            if len(pending) > MAX_ROW_XML_BYTES:  # one tag that never closes
                raise row_too_large(scan.line)


def scan_xlsx(
    archive: zipfile.ZipFile,
    limits: ImportLimits | None = None,
    *,
    cells_within: int | None = None,
    strict: bool = False,
) -> None:
    """Every XML part of the workbook, streamed and checked (see ``scan_part``); raises ``BoundsExceeded``.

    All parts, not only the sheets the workbook names: a sheet's path comes from the workbook's own relations."""
    limits = limits or import_limits()
    for member in archive.infolist():
        if not member.is_dir():
            scan_part(archive, member.filename, limits, cells_within=cells_within, strict=strict)
