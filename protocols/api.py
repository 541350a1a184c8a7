"""API v1, protocols part: protocols and their teams (read), interventions sent by the professional software (write).

Reads go through ``visible_to(request.user)`` like the web pages. Writes need a token of scope "write" and reuse the
file import's row checks and writing (``protocols.services.intervention_rows``): same rules, same error format
(row, field, value, French message), all or nothing, idempotent. The read side of interventions (list, detail,
eligibility) is declared by ``funding.api`` on ``interventions_router``: it shows the eligibility, which belongs to
the funding layer.
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator

from portal.api import Page, PageParams, errors, get_visible, paginate, require_write
from portal.models import Structure
from protocols.imports import columns as c
from protocols.models import Protocol, ProtocolKind, ProtocolStatus, Suspension, TeamMembership
from protocols.services.intervention_rows import MAX_ROWS, RowsRejected, interventions_record_rows

# Schemas shared with funding.api ---------------------------------------------------------------------------------


class ProfessionalOut(Schema):
    id: int
    identifier: str = Field(..., description="RPPS (11 chiffres) ou, à défaut, ADELI (9 chiffres).")
    rpps: str | None
    adeli: str | None
    first_name: str
    last_name: str
    profession: str

    @staticmethod
    def resolve_first_name(obj):
        return obj.user.first_name

    @staticmethod
    def resolve_last_name(obj):
        return obj.user.last_name


# Protocols and teams ---------------------------------------------------------------------------------------------


class ProtocolOut(Schema):
    id: int
    code: str = Field(..., description="Code à indiquer dans le champ `protocol` des interventions.")
    title: str
    kind: ProtocolKind
    national_protocol: str | None = Field(None, description="Code du protocole national (adhésion).")
    structure_id: int
    implementing_structure_id: int | None = Field(
        None, description="CPTS par laquelle une ESP met en œuvre le protocole : ses interventions y sont saisies."
    )
    carrying_structure_id: int = Field(..., description="Structure dont les interventions relèvent du protocole.")
    status: ProtocolStatus
    declared_on: datetime.date | None
    suspended_since: datetime.date | None = Field(None, description="Début de la suspension en cours, s'il y en a.")
    delegant_professions: list[str]
    delegate_professions: list[str]
    training_hours: Decimal | None = Field(None, description="Heures de formation exigées des délégués.")

    @staticmethod
    def resolve_national_protocol(obj):
        return obj.national_protocol.code if obj.national_protocol_id else None

    @staticmethod
    def resolve_carrying_structure_id(obj):
        return obj.implementing_structure_id or obj.structure_id

    @staticmethod
    def resolve_training_hours(obj):
        return obj.required_training_hours


class ProtocolPage(Page):
    items: list[ProtocolOut]


class ProtocolFilters(Schema):
    structure_id: int | None = Field(None, description="Protocoles portés ou mis en œuvre par cette structure.")
    status: ProtocolStatus | None = None


class TeamMemberOut(Schema):
    id: int
    professional: ProfessionalOut
    role: str = Field(..., description="delegant ou delegate.")
    status: str = Field(..., description="invited, accepted, declined ou withdrawn.")
    joined_on: datetime.date | None
    left_on: datetime.date | None = Field(None, description="Date de départ (exclue).")
    training_completed_on: datetime.date | None = Field(None, description="Fin de la formation (délégués).")

    @staticmethod
    def resolve_training_completed_on(obj):
        training = obj.training_or_none()
        return training.completed_on if training else None


def _protocols(user):
    today = timezone.localdate()
    suspension = Suspension.objects.filter(protocol=OuterRef("pk")).covering(today).order_by("starts_on")
    return (
        Protocol.objects.visible_to(user)
        .select_related("national_protocol")
        .annotate(suspended_since=Subquery(suspension.values("starts_on")[:1]))
    )


router = Router(tags=["Protocoles et équipes"])


@router.get(
    "/protocols",
    response={200: ProtocolPage, **errors(400, 401, 422, 429)},
    summary="Protocoles visibles par le titulaire du jeton",
)
def list_protocols(request, filters: Query[ProtocolFilters], page: Query[PageParams]):
    protocols = _protocols(request.user)
    if filters.structure_id is not None:
        protocols = protocols.filter(
            Q(structure_id=filters.structure_id) | Q(implementing_structure_id=filters.structure_id)
        )
    if filters.status:
        protocols = protocols.filter(status=filters.status)
    return paginate(protocols, page)


@router.get(
    "/protocols/{protocol_id}", response={200: ProtocolOut, **errors(401, 404, 422, 429)}, summary="Un protocole"
)
def get_protocol(request, protocol_id: int):
    return get_visible(_protocols(request.user), protocol_id, "Protocole")


@router.get(
    "/protocols/{protocol_id}/team",
    response={200: list[TeamMemberOut], **errors(401, 404, 422, 429)},
    summary="L'équipe d'un protocole : délégants et délégués, avec leurs identifiants et leur formation",
)
def list_team(request, protocol_id: int):
    protocol = get_visible(Protocol.objects.visible_to(request.user), protocol_id, "Protocole")
    return (
        TeamMembership.objects.visible_to(request.user)
        .filter(protocol=protocol)
        .select_related("professional__user", "training")
        .order_by("role", "professional__user__last_name", "pk")
    )


# Interventions (write) -------------------------------------------------------------------------------------------


def _plain_text(value: str | None) -> str | None:
    # A NUL or a lone surrogate cannot be stored in PostgreSQL: refuse it here rather than fail later.
    if value is not None and ("\x00" in value or _unencodable(value)):
        raise ValueError("Caractères non permis.")
    return value


def _unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


Text = Annotated[str, AfterValidator(_plain_text)]

# API field → column of the reporting table (the import's checks name columns; the API answers with its fields).
ROW_FIELDS = {
    "performed_on": c.DATE_INTERVENTION,
    "protocol": c.PROTOCOLE,
    "delegate_identifier": c.DELEGUE_IDENTIFIANT,
    "delegant_identifier": c.DELEGANT_IDENTIFIANT,
    "episode_reference": c.REFERENCE_EPISODE,
    "second_contact_on": c.DATE_SECOND_CONTACT,
    "second_contact_identifier": c.SECOND_CONTACT_IDENTIFIANT,
}
FIELD_OF_COLUMN = {column: name for name, column in ROW_FIELDS.items()}


class InterventionRowIn(Schema):
    """One line of the reporting table (seed 003), as the file import reads it."""

    performed_on: Text = Field(
        ..., max_length=30, description="Date de l'intervention : AAAA-MM-JJ (ou JJ/MM/AAAA).", examples=["2025-03-15"]
    )
    protocol: Text = Field(
        ...,
        max_length=60,
        description="Code du protocole (ou son nom court, ex. pollakiurie).",
        examples=["LOC-PACA-HTA"],
    )
    delegate_identifier: Text = Field(
        ..., max_length=30, description="RPPS, ADELI ou N° AM du délégué.", examples=["10000000025"]
    )
    delegant_identifier: Text = Field(
        ..., max_length=30, description="RPPS, ADELI ou N° AM du délégant.", examples=["10000000017"]
    )
    episode_reference: Text = Field(
        ...,
        max_length=100,
        description="Référence anonyme de l'épisode dans la structure (64 caractères au plus) : jamais le nom ni le "
        "NIR du patient.",
        examples=["EP-2025-0001"],
    )
    second_contact_on: Text | None = Field(None, max_length=30, description="Date du second contact, facultative.")
    second_contact_identifier: Text | None = Field(
        None, max_length=30, description="RPPS, ADELI ou N° AM du délégué du second contact, facultatif."
    )

    def as_row(self) -> dict:
        return {column: getattr(self, name) for name, column in ROW_FIELDS.items()}


class InterventionIn(InterventionRowIn):
    structure_id: int = Field(..., description="Structure dont relève l'intervention.")


class InterventionBatchIn(Schema):
    structure_id: int = Field(..., description="Structure dont relèvent toutes les interventions du lot.")
    label: Text = Field("", max_length=150, description="Nom du lot, affiché au coordinateur parmi ses imports.")
    interventions: list[InterventionRowIn] = Field(..., min_length=1, max_length=MAX_ROWS)


class RowOutcomeOut(Schema):
    row: int = Field(..., description="Numéro de la ligne dans la requête (la première est 1).")
    id: int | None = Field(..., description="Identifiant de l'intervention enregistrée.")
    created: bool = Field(..., description="Faux si une intervention identique était déjà enregistrée.")


class BatchOut(Schema):
    import_batch_id: int | None = Field(..., description="Lot enregistré (visible du coordinateur).")
    already_imported: bool = Field(..., description="Lot identique déjà importé : rien n'a été relu.")
    created: int
    identical: int = Field(..., description="Lignes déjà enregistrées (ignorées).")
    episode_repeats: int = Field(
        ...,
        description="Lignes d'un épisode déjà connu (autre date ou délégué) : enregistrées ; payées par une "
        "subvention AMI (par intervention), exclues d'un forfait par patient (episode_deja_compte).",
    )
    interventions: list[RowOutcomeOut]


def _row_errors(error: RowsRejected) -> list[dict]:
    return [
        {
            "row": row_error.line,
            "field": FIELD_OF_COLUMN.get(row_error.column, row_error.column),
            "value": row_error.value,
            "message": row_error.message,
        }
        for row_error in error.row_errors
    ]


def _record(request, *, structure_id: int, rows: list[dict], as_batch: bool, label: str = ""):
    require_write(request)
    structure = get_visible(Structure.objects.visible_to(request.user), structure_id, "Structure")
    try:
        return interventions_record_rows(
            structure=structure, rows=rows, by=request.user, as_batch=as_batch, label=label
        )
    except RowsRejected as error:
        error.errors = _row_errors(error)
        raise


interventions_router = Router(tags=["Interventions"])


@interventions_router.post(
    "/interventions",
    response={frozenset({200, 201}): RowOutcomeOut, **errors(400, 401, 403, 404, 409, 422, 429)},
    summary="Enregistrer une intervention (201 ; 200 si elle l'était déjà)",
)
def create_intervention(request, payload: InterventionIn):
    result = _record(request, structure_id=payload.structure_id, rows=[payload.as_row()], as_batch=False)
    outcome = result.outcomes[0]
    body = {"row": outcome.row, "id": outcome.intervention_id, "created": outcome.created}
    return Status(201 if outcome.created else 200, body)


@interventions_router.post(
    "/interventions/batch",
    response={frozenset({200, 201}): BatchOut, **errors(400, 401, 403, 404, 409, 422, 429)},
    summary=f"Enregistrer un lot de 1 à {MAX_ROWS} interventions, tout ou rien (201 ; 200 si rien de nouveau)",
)
def create_intervention_batch(request, payload: InterventionBatchIn):
    result = _record(
        request,
        structure_id=payload.structure_id,
        rows=[row.as_row() for row in payload.interventions],
        as_batch=True,
        label=payload.label,
    )
    body = {
        "import_batch_id": result.batch.pk if result.batch else None,
        "already_imported": result.already_imported,
        "created": result.created,
        "identical": result.identical,
        "episode_repeats": result.episode_repeats,
        "interventions": [
            {"row": outcome.row, "id": outcome.intervention_id, "created": outcome.created}
            for outcome in result.outcomes
        ],
    }
    return Status(201 if result.created else 200, body)


__all__ = ["ProfessionalOut", "interventions_router", "router"]
