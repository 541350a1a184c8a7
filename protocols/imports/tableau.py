"""Seed 003's tableau de reporting, laid out as the ARS hands it out, read into the portal's columns.

The sheet as a spreadsheet leaves it: a title block (FINESS and name of the structure, date of declaration of the
protocols to the ARS, CPAM de rattachement), two header rows — the groups « 1er contact », « 2ème contact – le cas
échéant » and « Montant des forfaits » (merged cells: the text sits in the group's first cell) above the column
names —, one line per patient, then the period covered (« Période concernée : du JJ/MM/AAAA au JJ/MM/AAAA ») and the
sworn statement; blank spacer rows anywhere.

It is recognised by its content: a « 1er contact » group within the first rows. A column is known by its group and
its name (the seed names two columns « Nom du délégué », one per contact, and both identifier columns « N° AM … et
n° RPPS … »: an identifier column belongs to the professional named just before it). Each line is mapped onto the
portal's columns, so one ``RowChecker`` checks both layouts. Ignored: the forfait columns (informative), the
delegate's speciality and the second contact's names (the identifiers decide who is who), a line that only repeats
the template's example (a protocol and its forfait). The sheet has no episode column: each line is a patient, and
the service derives its episode (``protocols.imports.episodes``).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal.validators import normalize_identifier
from protocols.imports import columns as c
from protocols.imports.columns import normalize_header
from protocols.imports.validation import RowError, cell_text, parse_date

HEADER_SCAN_ROWS = 40  # the title block and the two header rows sit within these

FIRST, SECOND, FORFAIT, OTHER = "1er contact", "2ème contact", "forfaits", "autre"
_GROUPS = (
    (re.compile(r"(1_?er|premier)_contact"), FIRST),
    (re.compile(r"(2_?(e|eme|nd)|deuxieme|second)_contact"), SECOND),
    (re.compile(r"montant"), FORFAIT),
)
_DELEGATE = {"delegue", "delegues", "deleguee", "deleguees"}
_DELEGANT = {"delegant", "delegants", "deleguant", "deleguants"}
_IDENTIFIER = {"am", "nam", "rpps", "adeli", "identifiant"}  # « N°AM » loses its « ° »: « nam »
PERIOD_LABEL = "Période concernée"
FINESS_LABEL = "Numéro FINESS de la structure"
_FOOTER_MARKERS = ("periode_concernee", "j_atteste", "signataire")
_DATE_TOKEN = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}")
BAD_PERIOD = "Période concernée illisible : écrivez « Période concernée : du JJ/MM/AAAA au JJ/MM/AAAA »."

# How the sheet names each portal column, for the error report when the column is missing.
SEED_LABELS = {
    c.PROTOCOLE: "Nature du protocole concerné",
    c.DATE_INTERVENTION: "Date de réalisation du protocole (1er contact)",
    c.DELEGUE_NOM: "Nom du délégué (1er contact)",
    c.DELEGUE_PRENOM: "Prénom du délégué (1er contact)",
    c.DELEGUE_IDENTIFIANT: "N° AM ou RPPS du délégué (1er contact)",
    c.DELEGANT_NOM: "Nom du délégant (1er contact)",
    c.DELEGANT_PRENOM: "Prénom du délégant (1er contact)",
    c.DELEGANT_IDENTIFIANT: "N° AM ou RPPS du délégant (1er contact)",
    c.DATE_SECOND_CONTACT: "Date du 2ème contact",
    c.SECOND_CONTACT_IDENTIFIANT: "N° AM du délégué (2ème contact)",
}


@dataclass
class TitleBlock:
    finess: str = ""
    finess_raw: str = ""
    finess_line: int = 0
    name: str = ""
    declared_on: str = ""
    cpam: str = ""


@dataclass
class TableauSheet:
    """What the sheet says besides its lines. ``period`` and ``problems`` are filled as the lines are read."""

    title: TitleBlock
    header_line: int
    positions: dict[str, int]
    labels: dict[str, str]
    period: tuple | None = None
    period_line: int = 0
    problems: list[RowError] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        """The portal's column names the mapped lines are laid out in."""
        return list(c.HEADERS)

    def finess_problem(self, structure) -> RowError | None:
        """A FINESS in the title block that is not the structure's refuses the whole file."""
        finess = self.title.finess
        if not finess or finess == structure.finess:
            return None
        if not structure.finess:
            message = (
                f"Ce tableau porte le FINESS {finess}, mais {structure.name} n'a pas de numéro FINESS enregistré : "
                "renseignez-le sur la fiche de la structure, ou videz la case du tableau."
            )
        else:
            message = (
                f"Ce tableau est celui de la structure de FINESS {finess}, pas de {structure.name} "
                f"(FINESS {structure.finess}) : rien n'a été importé."
            )
        return RowError(self.title.finess_line, FINESS_LABEL, self.title.finess_raw, message)

    def lines(self, rows: Iterator[tuple[int, list]], has_value) -> Iterator[tuple[int, list]]:
        """The patient lines in the portal's column order; the footer (period, sworn statement) is read, not
        yielded."""
        order = [self.positions.get(name) for name in c.HEADERS]
        protocol = c.HEADERS.index(c.PROTOCOLE)
        in_footer = False
        markers: dict[str, str] = {}
        pending: tuple[int, str] | None = None  # a period row whose dates may sit on the next row
        for line, cells in rows:
            if not has_value(cells):
                continue
            if pending is not None:
                text = row_text(cells)
                if _DATE_TOKEN.search(text):
                    self._read_period(pending[0], f"{pending[1]} {text}")
                    pending = None
                    continue
                self._read_period(*pending)
                pending = None
            first = next(text for text in (cell_text(cell) for cell in cells) if text)
            marker = markers.get(first)
            if marker is None:  # the first cell is mostly the protocol: a few values, each normalised once
                marker = markers[first] = normalize_header(first)[:40]
            if in_footer or marker.startswith(_FOOTER_MARKERS):
                in_footer = True
                if marker.startswith("periode_concernee") and not self.period_line:
                    text = row_text(cells)
                    if len(_DATE_TOKEN.findall(text)) < 2:
                        pending = (line, text)
                    else:
                        self._read_period(line, text)
                continue
            mapped = [None if position is None or position >= len(cells) else cells[position] for position in order]
            if not any(cell_text(value) for index, value in enumerate(mapped) if index != protocol):
                continue  # the template's example line: a protocol and its forfait, no patient
            yield line, mapped
        if pending is not None:
            self._read_period(*pending)

    def _read_period(self, line: int, text: str) -> None:
        self.period_line = line
        shown = text.split(":", 1)[1].strip() if ":" in text else text
        try:
            start, end = (parse_date(token) for token in _DATE_TOKEN.findall(text))
        except ValueError:
            self.problems.append(RowError(line, PERIOD_LABEL, shown[:80], BAD_PERIOD))
            return
        if end < start:
            self.problems.append(
                RowError(line, PERIOD_LABEL, shown[:80], "La période concernée finit avant de commencer.")
            )
            return
        self.period = (start, end)

    def outside_period(self, row_line: int, performed_on) -> RowError | None:
        """A line dated outside the period the sheet declares (the portal's check, see docs/decisions.md)."""
        if self.period is None or self.period[0] <= performed_on <= self.period[1]:
            return None
        start, end = self.period
        return RowError(
            row_line,
            self.labels.get(c.DATE_INTERVENTION, SEED_LABELS[c.DATE_INTERVENTION]),
            performed_on.strftime("%d/%m/%Y"),
            f"Date hors de la période concernée du tableau (du {start:%d/%m/%Y} au {end:%d/%m/%Y}, ligne "
            f"{self.period_line}).",
        )


def row_text(cells) -> str:
    return " ".join(text for text in (cell_text(cell) for cell in cells) if text)


def group_of(text) -> str | None:
    name = normalize_header(text)
    if not name:
        return None
    for pattern, group in _GROUPS:
        if pattern.match(name):
            return group
    return OTHER


def find_header(head: list[tuple[int, list]]) -> int | None:
    """The index in ``head`` of the groups row (« 1er contact »), if a names row follows it."""
    for index, (_line, cells) in enumerate(head):
        if any(group_of(cell) == FIRST for cell in cells if isinstance(cell, str)):
            if any(_non_blank(cells) for _line, cells in head[index + 1 :]):
                return index
            return None
    return None


def _non_blank(cells) -> bool:
    return any(cell_text(cell) for cell in cells)


def read_sheet(head: list[tuple[int, list]], group_index: int) -> tuple[TableauSheet, int]:
    """The sheet's title block and columns from the rows ``head`` read so far; returns it with the index in
    ``head`` of the column names row (the lines start after it)."""
    names_index = next(i for i in range(group_index + 1, len(head)) if _non_blank(head[i][1]))
    group_cells, name_cells = head[group_index][1], head[names_index][1]
    positions, labels = _columns(group_cells, name_cells)
    title = _title_block(head[:group_index])
    sheet = TableauSheet(title=title, header_line=head[names_index][0], positions=positions, labels=labels)
    return sheet, names_index


def _columns(group_cells: list, name_cells: list) -> tuple[dict[str, int], dict[str, str]]:
    from openpyxl.utils import get_column_letter

    positions: dict[str, int] = {}
    labels = dict(SEED_LABELS)
    group, side = None, None
    for index in range(max(len(group_cells), len(name_cells))):
        group_text = cell_text(group_cells[index]) if index < len(group_cells) else ""
        raw = cell_text(name_cells[index]) if index < len(name_cells) else ""
        if group_text:
            group, side = group_of(group_text), None
            if not raw and normalize_header(group_text).startswith("nature_du_protocole"):
                raw = group_text  # the protocol's header, merged over both header rows
        name = normalize_header(raw)
        if not name:
            continue
        target = None
        tokens = set(name.split("_"))
        if tokens & _DELEGANT:
            side = "delegant"
        elif tokens & _DELEGATE:
            side = "delegate"
        if name.startswith("nature_du_protocole"):
            target = c.PROTOCOLE
        elif group == FIRST:
            target = _first_contact_column(name, tokens, side)
        elif group == SECOND:
            if name.startswith("date"):
                target = c.DATE_SECOND_CONTACT
            elif tokens & _IDENTIFIER:
                target = c.SECOND_CONTACT_IDENTIFIANT
        if target and target not in positions:
            positions[target] = index
            suffix = f" ({group})" if group in (FIRST, SECOND) else ""
            labels[target] = f"{get_column_letter(index + 1)} – {raw}{suffix}"
    return positions, labels


def _first_contact_column(name: str, tokens: set, side: str | None) -> str | None:
    if name.startswith("date"):
        return c.DATE_INTERVENTION
    if tokens & _IDENTIFIER and side:
        return c.DELEGANT_IDENTIFIANT if side == "delegant" else c.DELEGUE_IDENTIFIANT
    if name.startswith("prenom") and side:
        return c.DELEGANT_PRENOM if side == "delegant" else c.DELEGUE_PRENOM
    if name.startswith("nom") and side:
        return c.DELEGANT_NOM if side == "delegant" else c.DELEGUE_NOM
    return None


_TITLE_FIELDS = (
    ("finess", lambda name: "finess" in name),
    ("name", lambda name: name.startswith("nom_de_la_structure")),
    ("declared_on", lambda name: name.startswith("date_de_declaration")),
    ("cpam", lambda name: name.startswith("cpam")),
)


def _title_block(rows: list[tuple[int, list]]) -> TitleBlock:
    """« Numéro FINESS de la structure : 990000002 »: the value after the colon in the same cell, or in the next
    filled cells of the row."""
    title = TitleBlock()
    for line, cells in rows:
        texts = [cell_text(cell) for cell in cells]
        for index, text in enumerate(texts):
            label, _, rest = text.partition(":")
            name = normalize_header(label)
            field_name = next((key for key, matches in _TITLE_FIELDS if name and matches(name)), None)
            if field_name is None or getattr(title, field_name):
                continue
            value = rest.strip() or " ".join(t.lstrip(":").strip() for t in texts[index + 1 :] if t.strip(" :"))
            if field_name == "finess":
                title.finess_raw, title.finess_line = value, line
                title.finess = finess_text(cells[index + 1 :] if not rest.strip() else [rest])
            else:
                setattr(title, field_name, value)
            break
    return title


def finess_text(cells) -> str:
    """The FINESS of a title block: the first filled cell, as typed or as a number that lost its leading zero."""
    for cell in cells:
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        text = normalize_identifier(str(cell if cell is not None else "").strip(" :"))
        if text:
            return "0" + text if len(text) == 8 and text.isdigit() else text
    return ""
