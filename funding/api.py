"""API v1, funding part: interventions with their eligibility (list, detail), dossiers (for the ARS information
systems), and funding statements with their lines and items.

Everything reads through ``visible_to(request.user)``: a coordinator's token sees their structures, an agent's token
their region, a professional's token the interventions they performed. The interventions' reads are added to
``protocols.api.interventions_router`` (the writes' router), so that ``GET`` and ``POST /interventions`` share one
path; they live here because they show the eligibility, which the funding layer computes.
"""

import datetime
from typing import Literal

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from funding.models import Dossier, DossierState, ExclusionReason
from portal.api import Page, PageParams, errors, get_visible, paginate
from protocols.api import ProfessionalOut, interventions_router
from protocols.imports.validation import identifier_text
from protocols.models import Intervention

IDENTIFIER_PATTERN = r"^[0-9][0-9 .\-]{0,19}$"
REGION_PATTERN = r"^[A-Za-z0-9\-]{1,10}$"

# Interventions and their eligibility -----------------------------------------------------------------------------

EligibilityStatus = Literal["eligible", "excluded", "pending", "cancelled"]


class EligibilityOut(Schema):
    status: EligibilityStatus = Field(
        ...,
        description="eligible ; excluded (voir `reason`) ; pending : pas encore calculée ; cancelled : intervention "
        "annulée.",
    )
    reason: ExclusionReason | None = Field(None, description="Premier motif d'exclusion, dans l'ordre des règles.")
    reason_label: str | None = None
    grant_id: int | None = Field(None, description="Subvention qui couvre la date de l'intervention.")
    computed_at: datetime.datetime | None = None


def eligibility_of(intervention) -> dict:
    if intervention.cancelled_at is not None:
        return {"status": "cancelled"}
    row = getattr(intervention, "eligibility", None)  # loaded by select_related: no query
    if row is None:
        return {"status": "pending"}
    return {
        "status": "eligible" if row.is_eligible else "excluded",
        "reason": row.reason or None,
        "reason_label": row.get_reason_display() if row.reason else None,
        "grant_id": row.grant_id,
        "computed_at": row.computed_at,
    }


class InterventionOut(Schema):
    id: int
    structure_id: int
    protocol_id: int
    protocol_code: str
    performed_on: datetime.date
    delegate: ProfessionalOut
    delegant: ProfessionalOut
    episode_reference: str
    second_contact_on: datetime.date | None
    second_contact_delegate: ProfessionalOut | None
    source: str = Field(..., description="form (saisie), import (fichier) ou api.")
    recorded_at: datetime.datetime
    import_batch_id: int | None
    cancelled_at: datetime.datetime | None
    eligibility: EligibilityOut

    @staticmethod
    def resolve_protocol_code(obj):
        return obj.protocol.code

    @staticmethod
    def resolve_eligibility(obj):
        return eligibility_of(obj)


class InterventionPage(Page):
    items: list[InterventionOut]


class InterventionFilters(Schema):
    structure_id: int | None = None
    protocol_id: int | None = None
    performed_from: datetime.date | None = Field(None, description="Date d'intervention au plus tôt (incluse).")
    performed_to: datetime.date | None = Field(None, description="Date d'intervention au plus tard (incluse).")
    delegate: str | None = Field(
        None, pattern=IDENTIFIER_PATTERN, description="RPPS ou ADELI du délégué.", examples=["10000000025"]
    )
    eligibility: Literal["eligible", "excluded", "pending"] | None = None
    reason: ExclusionReason | None = Field(None, description="Motif d'exclusion.")
    include_cancelled: bool = Field(False, description="Inclure les interventions annulées.")

    def apply(self, queryset):
        if self.structure_id is not None:
            queryset = queryset.filter(structure_id=self.structure_id)
        if self.protocol_id is not None:
            queryset = queryset.filter(protocol_id=self.protocol_id)
        if self.performed_from:
            queryset = queryset.filter(performed_on__gte=self.performed_from)
        if self.performed_to:
            queryset = queryset.filter(performed_on__lte=self.performed_to)
        if self.delegate:
            identifier = identifier_text(self.delegate)
            queryset = queryset.filter(Q(delegate__rpps=identifier) | Q(delegate__adeli=identifier))
        if self.eligibility == "eligible":
            queryset = queryset.filter(eligibility__is_eligible=True)
        elif self.eligibility == "excluded":
            queryset = queryset.filter(eligibility__is_eligible=False)
        elif self.eligibility == "pending":
            queryset = queryset.filter(eligibility__isnull=True)
        if self.reason:
            queryset = queryset.filter(eligibility__reason=self.reason)
        if not self.include_cancelled:
            queryset = queryset.filter(cancelled_at__isnull=True)
        return queryset


def _interventions(user):
    return Intervention.objects.visible_to(user).select_related(
        "protocol", "delegate__user", "delegant__user", "second_contact_delegate__user", "eligibility"
    )


@interventions_router.get(
    "/interventions",
    response={200: InterventionPage, **errors(400, 401, 422, 429)},
    summary="Interventions visibles, avec leur éligibilité (filtres, pagination par curseur)",
)
def list_interventions(request, filters: Query[InterventionFilters], page: Query[PageParams]):
    return paginate(filters.apply(_interventions(request.user)), page)


@interventions_router.get(
    "/interventions/{intervention_id}",
    response={200: InterventionOut, **errors(401, 404, 422, 429)},
    summary="Une intervention",
)
def get_intervention(request, intervention_id: int):
    return get_visible(_interventions(request.user), intervention_id, "Intervention")


@interventions_router.get(
    "/interventions/{intervention_id}/eligibility",
    response={200: EligibilityOut, **errors(401, 404, 422, 429)},
    summary="Éligibilité d'une intervention au financement, avec son motif d'exclusion",
)
def get_intervention_eligibility(request, intervention_id: int):
    intervention = get_visible(
        Intervention.objects.visible_to(request.user).select_related("eligibility"), intervention_id, "Intervention"
    )
    return eligibility_of(intervention)


# Dossiers --------------------------------------------------------------------------------------------------------


class DecisionOut(Schema):
    outcome: str = Field(..., description="selected, waiting_list ou not_selected.")
    outcome_label: str
    motive: str
    decided_at: datetime.datetime

    @staticmethod
    def resolve_outcome_label(obj):
        return obj.get_outcome_display()


class GrantOut(Schema):
    id: int
    reference: str
    starts_on: datetime.date
    ends_on: datetime.date
    rate: str = Field(..., description="Forfait par intervention, en euros (décimal exact).", examples=["25.00"])
    yearly_cap: str = Field(..., description="Plafond annuel, en euros (décimal exact).", examples=["7000.00"])
    state: str

    @staticmethod
    def resolve_rate(obj):
        return str(obj.rate)

    @staticmethod
    def resolve_yearly_cap(obj):
        return str(obj.yearly_cap)


class DossierOut(Schema):
    id: int
    reference: str
    state: DossierState
    state_label: str
    region: str
    campaign_id: int
    campaign_title: str
    wave: int
    structure_id: int
    structure_name: str
    structure_finess: str
    protocol_id: int | None
    protocol_code: str | None
    drafting_support_requested: bool
    priority_zones: list[str]
    expected_interventions_per_year: int | None
    submitted_at: datetime.datetime | None
    decision: DecisionOut | None
    grant: GrantOut | None

    @staticmethod
    def resolve_state_label(obj):
        return obj.get_state_display()

    @staticmethod
    def resolve_region(obj):
        return obj.campaign.region.code

    @staticmethod
    def resolve_campaign_title(obj):
        return obj.campaign.title

    @staticmethod
    def resolve_wave(obj):
        return obj.wave.number

    @staticmethod
    def resolve_structure_name(obj):
        return obj.structure.name

    @staticmethod
    def resolve_structure_finess(obj):
        return obj.structure.finess

    @staticmethod
    def resolve_protocol_code(obj):
        return obj.protocol.code if obj.protocol_id else None

    @staticmethod
    def resolve_decision(obj):
        return getattr(obj, "decision", None)

    @staticmethod
    def resolve_grant(obj):
        return getattr(obj, "grant", None)


class DossierDetailOut(DossierOut):
    snapshot: dict | None = Field(
        None, description="Contenu déposé, figé au dépôt (réponses, structure, équipe, pièces et leurs empreintes)."
    )
    snapshot_sha256: str = Field(..., description="SHA-256 de la sérialisation canonique (clés triées) du contenu.")
    inadmissibility_reason: str
    withdrawn_at: datetime.datetime | None


class DossierPage(Page):
    items: list[DossierOut]


class DossierFilters(Schema):
    region: str | None = Field(None, pattern=REGION_PATTERN, description="Code de la région, ex. PACA.")
    campaign_id: int | None = None
    structure_id: int | None = None
    state: DossierState | None = None

    def apply(self, queryset):
        if self.region:
            queryset = queryset.filter(campaign__region__code=self.region.upper())
        if self.campaign_id is not None:
            queryset = queryset.filter(campaign_id=self.campaign_id)
        if self.structure_id is not None:
            queryset = queryset.filter(structure_id=self.structure_id)
        if self.state:
            queryset = queryset.filter(state=self.state)
        return queryset


def _dossiers(user):
    return Dossier.objects.visible_to(user).select_related(
        "campaign__region", "wave", "structure", "protocol", "decision", "grant"
    )


router = Router(tags=["Dossiers de candidature"])


@router.get(
    "/dossiers",
    response={200: DossierPage, **errors(400, 401, 422, 429)},
    summary="Dossiers de candidature visibles (l'ARS : ceux de sa région, une fois déposés)",
)
def list_dossiers(request, filters: Query[DossierFilters], page: Query[PageParams]):
    return paginate(filters.apply(_dossiers(request.user)), page)


@router.get(
    "/dossiers/{dossier_id}",
    response={200: DossierDetailOut, **errors(401, 404, 422, 429)},
    summary="Un dossier, avec son contenu déposé et son empreinte",
)
def get_dossier(request, dossier_id: int):
    return get_visible(_dossiers(request.user), dossier_id, "Dossier")
