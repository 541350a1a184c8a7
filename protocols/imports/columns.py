"""The columns of the reporting table, as the template file and the exports write them.

Headers are matched case- and accent-insensitively ("Date intervention", "DATE_INTERVENTION" and
"date_intervention" are the same column). Names are informative; identifiers (RPPS or ADELI) decide who is who.
Unknown columns are ignored, so an export (which adds ``statut`` and ``motif``) re-imports as it is.
"""

import re
import unicodedata
from dataclasses import dataclass

from portal.examples import EXAMPLE_PROTOCOL_CODE, EXAMPLE_RPPS, EXAMPLE_RPPS_DELEGANT


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    description: str
    required: bool
    example: str


DATE_INTERVENTION = "date_intervention"
PROTOCOLE = "protocole"
DELEGUE_NOM = "delegue_nom"
DELEGUE_PRENOM = "delegue_prenom"
DELEGUE_IDENTIFIANT = "delegue_identifiant"
DELEGANT_NOM = "delegant_nom"
DELEGANT_PRENOM = "delegant_prenom"
DELEGANT_IDENTIFIANT = "delegant_identifiant"
REFERENCE_EPISODE = "reference_episode"
DATE_SECOND_CONTACT = "date_second_contact"
SECOND_CONTACT_IDENTIFIANT = "second_contact_identifiant"
STATUT = "statut"
MOTIF = "motif"

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(DATE_INTERVENTION, "Date de l'intervention, JJ/MM/AAAA ou AAAA-MM-JJ", True, "15/03/2025"),
    ColumnSpec(
        PROTOCOLE, f"Code du protocole (ex. {EXAMPLE_PROTOCOL_CODE}) ou son intitulé", True, EXAMPLE_PROTOCOL_CODE
    ),
    ColumnSpec(DELEGUE_NOM, "Nom du délégué (informatif)", True, "Exemple"),
    ColumnSpec(DELEGUE_PRENOM, "Prénom du délégué (informatif)", True, "Camille"),
    ColumnSpec(DELEGUE_IDENTIFIANT, "RPPS (11 chiffres), ADELI ou N° AM (9 chiffres) du délégué", True, EXAMPLE_RPPS),
    ColumnSpec(DELEGANT_NOM, "Nom du délégant (informatif)", True, "Modèle"),
    ColumnSpec(DELEGANT_PRENOM, "Prénom du délégant (informatif)", True, "Dominique"),
    ColumnSpec(DELEGANT_IDENTIFIANT, "RPPS, ADELI ou N° AM du délégant", True, EXAMPLE_RPPS_DELEGANT),
    ColumnSpec(
        REFERENCE_EPISODE,
        "Référence anonyme de l'épisode dans la structure (jamais le nom ni le NIR du patient)",
        True,
        "EP-2025-0001",
    ),
    ColumnSpec(DATE_SECOND_CONTACT, "Date du second contact, facultative", False, "17/03/2025"),
    ColumnSpec(SECOND_CONTACT_IDENTIFIANT, "RPPS, ADELI ou N° AM du délégué du second contact, facultatif", False, ""),
)
HEADERS: tuple[str, ...] = tuple(column.name for column in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(column.name for column in COLUMNS if column.required)
EXPORT_HEADERS: tuple[str, ...] = (*HEADERS, STATUT, MOTIF)


def normalize_header(value) -> str:
    """« Date d'intervention » → ``date_d_intervention``; « DÉLÉGUÉ NOM » → ``delegue_nom``."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "_", text.lower())
    return text.strip("_")
