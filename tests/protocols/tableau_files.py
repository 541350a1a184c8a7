"""The tableau de reporting as ARS Nouvelle-Aquitaine hands it out (seed 003), filled the way a structure fills it:
title block, the two header rows (merged cells), one line per patient, the period and the sworn statement."""

import io
from dataclasses import dataclass

GROUPS_ROW = [
    "Nature du protocole concerné",
    "1er contact",
    *[None] * 7,
    "2ème contact – le cas échéant",
    *[None] * 3,
    "Montant des forfaits",
    None,
]
NAMES_ROW = [
    None,
    "Date de réalisation du protocole",
    "Nom du délégué",
    "Prénom du délégué",
    "Spécialité professionnelle du délégué",
    "N° AM le cas échéant (MSP) et n°RPPS pour les CDS",
    "Nom du déléguant",
    "Prénom du déléguant",
    "N° AM le cas échéant (MSP) et n° RPPS pour le RPPS",
    "Date du 2ème contact",
    "Nom du délégué",
    "Prénom du délégué",
    "N°AM du délégué (MSP)",
    "Montant du forfait pour le 1er contact",
    "Montant du forfait pour le 2ème contact",
]
# As a spreadsheet merges them: the title, the protocol's header over both rows, and the three groups.
MERGES = ["A1:O1", "A9:A10", "B9:I9", "J9:M9", "N9:O9"]
SWORN = (
    "J'atteste sur l'honneur l'exactitude des informations ci-dessus sur la délégation ou la réalisation des actes "
    "mentionnés"
)
SIGNATORIES = (
    "Signataires : les délégués et délégués mentionnés dans le fichier ci-dessus et le responsable de la structure"
)


@dataclass
class Line:
    """One patient: the first contact, and the second one if any."""

    protocol: str
    performed_on: object  # "15/04/2025" or a date (a date cell in XLSX)
    delegate: object
    delegant: object
    delegate_id: object = None  # default: the delegate's RPPS or ADELI
    delegant_id: object = None
    second_on: object = None
    second_delegate: object = None


def line_cells(line: Line) -> list:
    delegate, delegant, second = line.delegate, line.delegant, line.second_delegate
    return [
        line.protocol,
        line.performed_on,
        delegate.user.last_name,
        delegate.user.first_name,
        "Infirmier",
        line.delegate_id if line.delegate_id is not None else delegate.identifier,
        delegant.user.last_name,
        delegant.user.first_name,
        line.delegant_id if line.delegant_id is not None else delegant.identifier,
        line.second_on,
        second.user.last_name if second else None,
        second.user.first_name if second else None,
        second.identifier if second else None,
        "25 euros",
        None,
    ]


def tableau_rows(
    lines: list[Line],
    *,
    finess="130012354",
    name="CPTS du Pays d'Aix",
    period="Période concernée : du 01/01/2025 au 30/06/2025",
    example=True,
) -> list[list]:
    rows = [
        ["Tableau de reporting pour la rémunération des protocoles de coopération"],
        [],
        ["Numéro FINESS de la structure:", finess],
        ["Nom de la structure", ":", name],
        ["Date de déclaration des protocoles à l'ARS :", "15/01/2025"],
        ["CPAM de rattachement de la structure :", "CPAM des Bouches-du-Rhône"],
        [],
        ["Renseigner une ligne par patient"],
        GROUPS_ROW,
        NAMES_ROW,
    ]
    if example:  # the template's example line, left in by the structure
        rows.append(["- pollakiurie", *[None] * 12, "25 euros", None])
    rows += [line_cells(line) for line in lines]
    rows += [[], [period] if period is not None else [], [], [SWORN], [SIGNATORIES]]
    return rows


def tableau_xlsx(rows: list[list], *, rich_headers=True, sheets_before: int = 0) -> bytes:
    """An XLSX as a spreadsheet saves it: merged header cells, « 1er » in superscript (rich text) when asked."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    workbook = Workbook()
    sheet = workbook.active
    for index in range(sheets_before):
        other = workbook.create_sheet(f"Autre {index}", 0)
        other.append(["Une autre feuille"])
    for row in rows:
        sheet.append(row)
    if rich_headers:
        superscript = InlineFont(vertAlign="superscript")
        sheet["B9"] = CellRichText("1", TextBlock(superscript, "er"), " contact")
        sheet["J9"] = CellRichText("2", TextBlock(superscript, "ème"), " contact – le cas échéant")
    for cells in MERGES:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tableau_csv(rows: list[list], *, encoding="cp1252", delimiter=";") -> bytes:
    """As Excel saves « CSV (séparateur : point-virgule) » on a French Windows: every row padded to the sheet's
    width, merged cells as their first cell and blanks."""
    width = max(len(row) for row in rows)
    lines = []
    for row in rows:
        cells = ["" if value is None else str(value) for value in row] + [""] * (width - len(row))
        lines.append(delimiter.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
