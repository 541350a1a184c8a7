"""Checking each row of the reporting table against the structure's protocols and professionals.

Every row is checked (never "stop at the first error"), so the report lists everything to fix at once. Protocols and
professionals are loaded once into dictionaries: checking a row costs no query.

What is checked here is what makes a row *recordable* (a readable date, a protocol of the structure, known people,
an anonymous episode reference). Whether it *earns money* (team on that date, training, suspension, grant…) is the
eligibility's business: such rows are stored and excluded with a reason, never refused.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q

from portal.models import Professional, StructureMembership
from portal.roles import Role
from portal.validators import normalize_identifier
from protocols.imports import columns as c
from protocols.models import Protocol, TeamMembership

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
    episode_reference: str
    second_contact_on: datetime.date | None
    second_contact_delegate_id: int | None

    @property
    def identity(self) -> tuple:
        """What makes two rows the same intervention (the model's unique constraint)."""
        return (self.protocol_id, self.episode_reference, self.performed_on, self.delegate_id)


def carrying_protocols(structure):
    """The protocols whose interventions the structure records: its own, or those it implements for an ESP."""
    return Protocol.objects.filter(
        Q(structure=structure, implementing_structure__isnull=True) | Q(implementing_structure=structure)
    )


def structure_professionals(structure):
    """Professionals an import of ``structure`` may name: members of the structure or of its protocols' teams.

    An identifier of someone elsewhere in the country is refused: a typo must not attach an intervention (and its
    visibility) to a stranger.
    """
    members = StructureMembership.objects.filter(structure=structure, role=Role.PROFESSIONAL).values("user_id")
    teams = TeamMembership.objects.filter(protocol__in=carrying_protocols(structure)).values("professional_id")
    return Professional.objects.filter(Q(user_id__in=members) | Q(pk__in=teams))


def identifier_text(value) -> str:
    """An RPPS or ADELI as typed: spaces, dots, dashes removed; a number cell loses no digit."""
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
    """Checks the header, then rows one by one. Build it once per file."""

    def __init__(self, *, structure, headers: list[str]):
        self.positions: dict[str, int] = {}
        self.header_errors: list[RowError] = []
        for position, name in enumerate(headers):
            if not name:
                continue
            if name in self.positions and name in c.HEADERS:
                self.header_errors.append(RowError(1, name, name, "Cette colonne figure deux fois dans l'en-tête."))
            self.positions.setdefault(name, position)
        for name in c.REQUIRED:
            if name not in self.positions:
                self.header_errors.append(RowError(1, name, "", "Colonne obligatoire absente de l'en-tête."))
        self.protocols = {
            code.upper(): pk for pk, code in carrying_protocols(structure).values_list("pk", "code").order_by("pk")
        }
        self.professionals: dict[str, int] = {}
        for pk, rpps, adeli in structure_professionals(structure).values_list("pk", "rpps", "adeli").order_by("pk"):
            for identifier in (rpps, adeli):
                if identifier:
                    self.professionals[identifier] = pk

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
        pk = self.professionals.get(identifier)
        if pk is None:
            if not re.fullmatch(r"\d{11}|\d{9}", identifier):
                message = "Identifiant attendu : RPPS (11 chiffres) ou ADELI (9 chiffres)."
            else:
                message = "Aucun professionnel de la structure ou de ses équipes n'a cet identifiant RPPS ou ADELI."
            errors.append(RowError(line, name, cell_text(raw), message))
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
            known = ", ".join(sorted(self.protocols)) or "aucun"
            errors.append(
                RowError(
                    line, c.PROTOCOLE, raw_code, f"Protocole inconnu dans cette structure (codes connus : {known})."
                )
            )

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

        reference = cell_text(self._cell(cells, c.REFERENCE_EPISODE))
        if not reference:
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
