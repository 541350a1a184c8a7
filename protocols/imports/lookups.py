"""Who and which protocol a row names: the structure's protocols and professionals, loaded once per file.

One rule for every way interventions arrive (the portal's template, the ARS's tableau de reporting, the API):

- a protocol is named by its code (``LOC-PACA-HTA``), its title, or, for the adhesion to a national protocol, the
  national protocol's code, title, short title or common name — its code without the family prefix, as the ARS's
  sheet writes it (« pollakiurie », « Odynophagie », « Pollakiurie/ Brûlure mictionnelle »). Case, accents,
  punctuation and a leading « - » do not count. A name that fits several protocols of the structure is refused;
- a professional is named by his RPPS (11 digits), ADELI or N° AM (both 9 digits). A 9-digit number that is one
  professional's ADELI and another's N° AM is refused as ambiguous, never guessed.

Only the structure's own protocols and professionals (members, or members of its protocols' teams) are known: a
typo must not attach an intervention (and its visibility) to a stranger.
"""

import re
import unicodedata
from collections import defaultdict

from django.db.models import Q

from portal.models import Professional, StructureMembership
from portal.roles import Role
from protocols.models import Protocol, TeamMembership

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def carrying_protocols(structure):
    """The protocols whose interventions the structure records: its own, or those it implements for an ESP."""
    return Protocol.objects.filter(
        Q(structure=structure, implementing_structure__isnull=True) | Q(implementing_structure=structure)
    )


def structure_professionals(structure):
    """Professionals an import of ``structure`` may name: members of the structure or of its protocols' teams."""
    members = StructureMembership.objects.filter(structure=structure, role=Role.PROFESSIONAL).values("user_id")
    teams = TeamMembership.objects.filter(protocol__in=carrying_protocols(structure)).values("professional_id")
    return Professional.objects.filter(Q(user_id__in=members) | Q(pk__in=teams))


def normalize_name(value) -> str:
    """« - Pollakiurie/ Brûlure mictionnelle » → ``pollakiurie brulure mictionnelle``."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


def common_name(national_code: str) -> str:
    """``SNP-POLLAKIURIE`` → ``pollakiurie``: the name a national protocol goes by, its code without its family."""
    return normalize_name(national_code.split("-", 1)[1] if "-" in national_code else "")


class ProtocolLookup:
    """The structure's protocols by code (the fast path: one dictionary lookup) and by name."""

    def __init__(self, structure):
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_prefix: dict[str, set[int]] = defaultdict(set)
        self.codes: dict[int, str] = {}
        rows = (
            carrying_protocols(structure)
            .values_list(
                "pk",
                "code",
                "title",
                "national_protocol__code",
                "national_protocol__title",
                "national_protocol__short_title",
            )
            .order_by("pk")
        )
        for pk, code, title, national_code, national_title, short_title in rows:
            self.by_code[code.upper()] = pk
            self.codes[pk] = code
            for name in (code, title, national_code, national_title, short_title):
                if name:
                    self.by_name[normalize_name(name)].add(pk)
            if national_code and (name := common_name(national_code)):
                self.by_name[name].add(pk)
                self.by_prefix[name].add(pk)

    def known_codes(self) -> str:
        return ", ".join(sorted(self.by_code)) or "aucun"

    def resolve(self, text: str) -> tuple[int | None, str | None]:
        """``(protocol pk, None)``, or ``(None, French message)`` when the text names no protocol or several."""
        pk = self.by_code.get(text.upper())
        if pk is not None:
            return pk, None
        name = normalize_name(text)
        found = self.by_name.get(name) or set()
        if not found:
            # « Pollakiurie/ Brûlure mictionnelle »: the common name followed by more words.
            found = set().union(*(pks for prefix, pks in self.by_prefix.items() if name.startswith(prefix + " ")))
        if len(found) == 1:
            return next(iter(found)), None
        if found:
            codes = ", ".join(sorted(self.codes[pk] for pk in found))
            return None, f"Ce nom désigne plusieurs protocoles de la structure ({codes}) : indiquez le code."
        return None, f"Protocole inconnu dans cette structure (codes connus : {self.known_codes()})."


class ProfessionalLookup:
    """The professionals an import of the structure may name, by RPPS, ADELI and N° AM."""

    def __init__(self, structure):
        owners: dict[str, set[int]] = defaultdict(set)
        names: dict[int, str] = {}
        self.identifiers: dict[int, str] = {}  # pk → RPPS, else ADELI (every professional has one of them)
        rows = (
            structure_professionals(structure)
            .values_list("pk", "rpps", "adeli", "am_number", "user__first_name", "user__last_name")
            .order_by("pk")
        )
        for pk, rpps, adeli, am_number, first_name, last_name in rows:
            names[pk] = f"{first_name} {last_name}".strip()
            self.identifiers[pk] = rpps or adeli or ""
            for identifier in (rpps, adeli, am_number):
                if identifier:
                    owners[identifier].add(pk)
        self.by_identifier: dict[str, int] = {}
        self.ambiguous: dict[str, str] = {}
        for identifier, pks in owners.items():
            if len(pks) == 1:
                self.by_identifier[identifier] = next(iter(pks))
            else:
                self.ambiguous[identifier] = ", ".join(sorted(names[pk] for pk in pks))

    def get(self, identifier: str) -> int | None:
        return self.by_identifier.get(identifier)

    def problem(self, identifier: str) -> str:
        """Why ``identifier`` (not found by ``get``) names nobody, in French."""
        if identifier in self.ambiguous:
            return (
                f"Ce numéro à 9 chiffres est l'ADELI d'un professionnel et le N° AM d'un autre "
                f"({self.ambiguous[identifier]}) : indiquez le RPPS pour lever l'ambiguïté."
            )
        if len(identifier) == 11 and identifier.isdigit():
            return "Aucun professionnel de la structure ou de ses équipes n'a ce numéro RPPS."
        if len(identifier) == 9 and identifier.isdigit():
            return "Aucun professionnel de la structure ou de ses équipes n'a ce numéro ADELI ni ce N° AM."
        return "Identifiant attendu : RPPS (11 chiffres), ADELI ou N° AM (9 chiffres)."
