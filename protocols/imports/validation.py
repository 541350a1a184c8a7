"""Checking each row of the reporting table against the structure's protocols and professionals.

Every row is checked (never "stop at the first error"), so the report lists everything to fix at once. Protocols and
professionals are loaded once into dictionaries (``protocols.imports.lookups``): checking a row costs no query.

What is checked here is what makes a row *recordable* (a readable date, a protocol of the structure, known people,
an anonymous episode reference). Whether it *earns money* (team on that date, training, suspension, grant…) is the
eligibility's business: such rows are stored and excluded with a reason, never refused.
"""

import datetime
import re
from dataclasses import dataclass

from portal.validators import normalize_identifier
from protocols.imports import columns as c
from protocols.imports.lookups import ProfessionalLookup, ProtocolLookup

MAX_REFERENCE_LENGTH = 64
DATE_FR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
# A NIR (social security number): sex, year, month, département (2A/2B for Corsica), commune, order, key.
NIR = re.compile(r"[12]\d{4}(\d{2}|2A|2B)\d{6}(\d{2})?")
EXCEL_EPOCH = datetime.date(1899, 12, 30)

MISSING_VALUE = "Valeur obligatoire manquante."
BAD_DATE = "Date illisible : attendue au format JJ/MM/AAAA ou AAAA-MM-JJ."


@dataclass(frozen=True)
class RowError:
    line: int  # line of the file as a spreadsheet numbers it: 1 is the header
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"ligne": self.line, "colonne": self.column, "valeur": self.value, "message": self.message}


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    protocol_id: int
    performed_on: datetime.date
    delegate_id: int
    delegant_id: int
    episode_reference: str  # "" for a line of the ARS's layout until ``protocols.imports.episodes`` derives it
    second_contact_on: datetime.date | None
    second_contact_delegate_id: int | None

    @property
    def identity(self) -> tuple:
        """What makes two rows the same intervention (the model's unique constraint)."""
        return (self.protocol_id, self.episode_reference, self.performed_on, self.delegate_id)


def identifier_text(value) -> str:
    """An RPPS, ADELI or N° AM as typed: spaces, dots, dashes removed; a number cell loses no digit."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isdigit():  # the usual case, digits only, skips the regular expression
        text = normalize_identifier(text)
    if len(text) == 8 and text.isdigit():
        # A spreadsheet that took the ADELI for a number dropped its leading zero (départements 01 to 09).
        text = "0" + text
    return text


def parse_date(value) -> datetime.date:
    """A date cell: a date (XLSX), an Excel serial number, JJ/MM/AAAA or AAAA-MM-JJ. Raises ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise ValueError(value)
    text = str(value).strip()
    if len(text) == 10 and text[2] == "/" and text[5] == "/":  # JJ/MM/AAAA, the usual case, without a regex
        return datetime.date(int(text[6:]), int(text[3:5]), int(text[:2]))
    match = DATE_FR.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    match = DATE_ISO.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    raise ValueError(text)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class RowChecker:
    """Checks the header, then rows one by one. Build it once per file.

    ``headers`` are the normalised names of the file's columns, in order (the ARS's layout is mapped onto the
    portal's names before it gets here, see ``protocols.imports.tableau``). ``derive_episodes``: the file has no
    episode column (the ARS's layout, one line per patient); the service derives each line's episode. ``labels``
    names the columns in the error report as the file names them; ``header_line`` is the line of the column names.
    """

    def __init__(self, *, structure, headers: list[str], header_line=1, derive_episodes=False, labels=None):
        self.header_line = header_line
        self.derive_episodes = derive_episodes
        self.labels: dict[str, str] = labels or {}
        self.positions: dict[str, int] = {}
        self.header_errors: list[RowError] = []
        for position, name in enumerate(headers):
            if not name:
                continue
            if name in self.positions and name in c.HEADERS:
                self.header_errors.append(
                    RowError(header_line, self.label(name), name, "Cette colonne figure deux fois dans l'en-tête.")
                )
            self.positions.setdefault(name, position)
        required = [name for name in c.REQUIRED if not (derive_episodes and name == c.REFERENCE_EPISODE)]
        for name in required:
            if name not in self.positions:
                self.header_errors.append(
                    RowError(header_line, self.label(name), "", "Colonne obligatoire absente de l'en-tête.")
                )
        self.protocol_lookup = ProtocolLookup(structure)
        self.protocols = self.protocol_lookup.by_code
        self.professionals = ProfessionalLookup(structure)
        self._by_identifier = self.professionals.by_identifier

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def _cell(self, cells: list, name: str):
        position = self.positions.get(name)
        if position is None or position >= len(cells):
            return None
        value = cells[position]
        return value.strip() if isinstance(value, str) else value

    def _professional(self, cells, name, errors, line, *, required=True) -> int | None:
        raw = self._cell(cells, name)
        identifier = identifier_text(raw)
        if not identifier:
            if required:
                errors.append(RowError(line, name, "", MISSING_VALUE))
            return None
        pk = self._by_identifier.get(identifier)
        if pk is None:
            errors.append(RowError(line, name, cell_text(raw), self.professionals.problem(identifier)))
        return pk

    def _date(self, cells, name, errors, line, *, required=True) -> datetime.date | None:
        raw = self._cell(cells, name)
        if raw is None or raw == "":
            if required:
                errors.append(RowError(line, name, "", MISSING_VALUE))
            return None
        try:
            return parse_date(raw)
        except ValueError:
            errors.append(RowError(line, name, cell_text(raw), BAD_DATE))
            return None

    def check(self, line: int, cells: list) -> tuple[ParsedRow | None, list[RowError]]:
        errors: list[RowError] = []
        performed_on = self._date(cells, c.DATE_INTERVENTION, errors, line)

        raw_code = cell_text(self._cell(cells, c.PROTOCOLE))
        protocol_id = self.protocols.get(raw_code.upper()) if raw_code else None
        if not raw_code:
            errors.append(RowError(line, c.PROTOCOLE, "", MISSING_VALUE))
        elif protocol_id is None:
            protocol_id, problem = self.protocol_lookup.resolve(raw_code)
            if problem:
                errors.append(RowError(line, c.PROTOCOLE, raw_code, problem))

        delegate_id = self._professional(cells, c.DELEGUE_IDENTIFIANT, errors, line)
        delegant_id = self._professional(cells, c.DELEGANT_IDENTIFIANT, errors, line)
        if delegate_id is not None and delegate_id == delegant_id:
            errors.append(
                RowError(
                    line,
                    c.DELEGANT_IDENTIFIANT,
                    cell_text(self._cell(cells, c.DELEGANT_IDENTIFIANT)),
                    "Le délégant doit être un autre professionnel que le délégué.",
                )
            )

        reference = "" if self.derive_episodes else cell_text(self._cell(cells, c.REFERENCE_EPISODE))
        if self.derive_episodes:
            pass
        elif not reference:
            errors.append(RowError(line, c.REFERENCE_EPISODE, "", MISSING_VALUE))
        elif len(reference) > MAX_REFERENCE_LENGTH:
            errors.append(
                RowError(line, c.REFERENCE_EPISODE, reference[:80], "Référence trop longue (64 caractères au plus).")
            )
        elif NIR.fullmatch(normalize_identifier(reference)):
            errors.append(
                RowError(
                    line,
                    c.REFERENCE_EPISODE,
                    "(masquée)",
                    "Cette référence ressemble à un numéro de sécurité sociale : indiquez la référence anonyme de "
                    "l'épisode dans la structure, jamais le NIR du patient.",
                )
            )

        second_on = self._date(cells, c.DATE_SECOND_CONTACT, errors, line, required=False)
        second_delegate_id = self._professional(cells, c.SECOND_CONTACT_IDENTIFIANT, errors, line, required=False)
        if second_on and performed_on and second_on < performed_on:
            errors.append(
                RowError(
                    line,
                    c.DATE_SECOND_CONTACT,
                    cell_text(self._cell(cells, c.DATE_SECOND_CONTACT)),
                    "Le second contact ne peut pas précéder l'intervention.",
                )
            )
        if second_delegate_id and not second_on and not any(e.column == c.DATE_SECOND_CONTACT for e in errors):
            errors.append(RowError(line, c.DATE_SECOND_CONTACT, "", "Indiquez la date du second contact."))

        if errors:
            if self.labels:
                errors = [RowError(e.line, self.label(e.column), e.value, e.message) for e in errors]
            return None, errors
        return (
            ParsedRow(
                line=line,
                protocol_id=protocol_id,
                performed_on=performed_on,
                delegate_id=delegate_id,
                delegant_id=delegant_id,
                episode_reference=reference,
                second_contact_on=second_on,
                second_contact_delegate_id=second_delegate_id,
            ),
            [],
        )
