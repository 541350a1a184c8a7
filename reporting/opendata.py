"""The open-data file of the national aggregates: its columns, their Table Schema, the suppression of small counts,
and the CSV and JSON it is written as. The service that builds and stores it is ``reporting.services.opendata``.

One row per region × protocol group (a national protocol, or the local protocols of a theme) × half-year. Small
counts are suppressed (the portal's rule, docs/decisions.md): a cell that counts between one and four structures
(or protocols and teams, which belong to that few structures), professionals or patients (interventions) reads
``< 5``; zero stays zero (it tells nothing about anyone). The amounts of a row whose eligible interventions are
suppressed are left empty: at €25 per intervention they would give the count away. Published cells are never the
sum of others (no total column), so no suppressed cell can be worked out from its neighbours.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from portal.regions import REGIONS
from protocols.models import ProtocolTheme

SMALL = 5
SUPPRESSED = "< 5"
LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
LICENCE_LINE = (
    "Données publiées sous la Licence Ouverte / Open Licence version 2.0 (Etalab) : réutilisation libre, y compris "
    "commerciale, sous réserve de mentionner la source « Portail des protocoles de coopération » et la date de "
    "mise à jour."
)
TITLE = "Protocoles de coopération : agrégats par région, protocole et semestre"


def suppress(count: int) -> int | str:
    """``< 5`` for 1 to 4, the count itself otherwise (zero included)."""
    return SUPPRESSED if 0 < count < SMALL else count


def _amount(row, value: Decimal) -> str | None:
    return None if suppress(row.cell.eligible) == SUPPRESSED else f"{value:.2f}"


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    description: str
    type: str  # Table Schema type: string, integer, number
    getter: Callable
    constraints: dict | None = None
    example: str = ""

    def descriptor(self) -> dict:
        descriptor = {"name": self.name, "title": self.title, "description": self.description, "type": self.type}
        if self.example:
            descriptor["example"] = self.example
        if self.constraints:
            descriptor["constraints"] = self.constraints
        return descriptor


def _count(name: str, title: str, description: str, getter) -> Field:
    return Field(
        name,
        title,
        f"{description} Entre 1 et 4 : « {SUPPRESSED} » (secret statistique).",
        "integer",
        lambda row: suppress(getter(row.cell)),
        {"minimum": 0},  # not "required": a suppressed cell is a missing value for the Table Schema
        "12",
    )


FIELDS = [
    Field(
        "code_region",
        "Code de la région",
        "Code de l'agence régionale de santé (ARS) dans le portail.",
        "string",
        lambda row: row.region_code,
        {"required": True, "enum": [code for code, _name in REGIONS]},
        "PACA",
    ),
    Field("region", "Région", "Nom de la région.", "string", lambda row: row.region_name, {"required": True}),
    Field(
        "annee",
        "Année",
        "Année du semestre.",
        "integer",
        lambda row: row.period.year,
        {"required": True, "minimum": 2000},
        "2025",
    ),
    Field(
        "semestre",
        "Semestre",
        "1 : de janvier à juin ; 2 : de juillet à décembre.",
        "integer",
        lambda row: row.period.half,
        {"required": True, "enum": [1, 2]},
        "1",
    ),
    Field(
        "type_protocole",
        "Type de protocole",
        "national : adhésion à un protocole national autorisé par arrêté ; local : protocole écrit par l'équipe.",
        "string",
        lambda row: row.group.kind,
        {"required": True, "enum": ["national", "local"]},
        "local",
    ),
    Field(
        "code_protocole",
        "Code du protocole ou du thème",
        "Protocole national : son code au catalogue (ex. SNP-POLLAKIURIE). Protocoles locaux : le code de leur thème "
        f"({', '.join(ProtocolTheme.values)}), ou sans-theme quand le thème n'est pas renseigné.",
        "string",
        lambda row: row.group.code,
        {"required": True},
        "chronic",
    ),
    Field(
        "libelle_protocole",
        "Protocole ou thème",
        "Intitulé du protocole national, ou thème des protocoles locaux regroupés.",
        "string",
        lambda row: row.group.label,
        {"required": True},
    ),
    _count(
        "structures_engagees",
        "Structures engagées",
        "Structures (MSP, centres de santé, CPTS, ESP) ayant au moins un protocole déclaré au dernier jour du "
        "semestre.",
        lambda cell: cell.structures,
    ),
    _count(
        "protocoles_declares",
        "Protocoles déclarés",
        "Protocoles déclarés à l'ARS au plus tard le dernier jour du semestre.",
        lambda cell: cell.protocols,
    ),
    _count(
        "equipes_actives",
        "Équipes actives",
        "Protocoles dont l'équipe compte au moins un délégué pendant le semestre.",
        lambda cell: cell.teams,
    ),
    _count(
        "delegants",
        "Délégants",
        "Professionnels délégants membres d'une équipe pendant le semestre.",
        lambda cell: cell.delegants,
    ),
    _count(
        "delegues",
        "Délégués",
        "Professionnels délégués membres d'une équipe pendant le semestre.",
        lambda cell: cell.delegates,
    ),
    _count(
        "interventions_eligibles",
        "Interventions éligibles",
        "Interventions (une par patient et épisode) réalisées dans le semestre et éligibles au financement.",
        lambda cell: cell.eligible,
    ),
    _count(
        "interventions_exclues",
        "Interventions exclues",
        "Interventions réalisées dans le semestre et exclues du financement (hors subvention, doublon, délégué non "
        "formé…).",
        lambda cell: cell.excluded,
    ),
    Field(
        "montant_emis",
        "Montant émis (€)",
        "Somme des états de versement émis pour le semestre, tous financements confondus, en euros. Vide quand le "
        "nombre d'interventions éligibles est masqué (le montant le révélerait).",
        "number",
        lambda row: _amount(row, row.cell.issued),
        {"minimum": -1000000000},
        "1250.00",
    ),
    Field(
        "montant_paye",
        "Montant payé (€)",
        "Paiements enregistrés sur ces états, en euros. Vide dans les mêmes cas que le montant émis.",
        "number",
        lambda row: _amount(row, row.cell.paid),
        {"minimum": 0},
        "625.00",
    ),
]


def table_schema(*, path: str = "") -> dict:
    """The Table Schema (frictionless specs) of the CSV file."""
    schema = {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": "protocoles-cooperation-agregats",
        "title": TITLE,
        "description": (
            "Agrégats nationaux des protocoles de coopération entre professionnels de santé (article L.4011-1 du "
            "code de la santé publique), par région, protocole et semestre. Fichier CSV en UTF-8, séparateur "
            "virgule, point décimal. Les comptes de 1 à 4 sont remplacés par « < 5 »."
        ),
        "licenses": [LICENCE],
        "missingValues": ["", SUPPRESSED],
        "fields": [field.descriptor() for field in FIELDS],
        "primaryKey": ["code_region", "annee", "semestre", "type_protocole", "code_protocole"],
    }
    if path:
        schema["path"] = path
    return schema


def values(row) -> list:
    return [field.getter(row) for field in FIELDS]


def to_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([field.name for field in FIELDS])
    for row in rows:
        writer.writerow(["" if value is None else value for value in values(row)])
    return buffer.getvalue().encode("utf-8")


def to_json(rows, *, metadata: dict) -> bytes:
    """The same rows as objects; amounts as strings with two decimals (exact), suppressed counts as ``"< 5"``."""
    data = [dict(zip((field.name for field in FIELDS), values(row), strict=True)) for row in rows]
    document = {**metadata, "licence": LICENCE, "donnees": data}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
