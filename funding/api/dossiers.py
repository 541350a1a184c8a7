"""API v1: dossiers de candidature, for the ARS information systems (and coordinators, their own).

The ARS reads its region's dossiers once submitted (never a draft), with the frozen content of the deposit and its
SHA-256, the committee's decision and the grant; everything through ``Dossier.objects.visible_to``.
"""

import datetime

from ninja import Field, Query, Router, Schema

from funding.models import Dossier, DossierState
from portal.api import Money, Page, PageParams, errors, get_visible, paginate

REGION_PATTERN = r"^[A-Za-z0-9\-]{1,10}$"


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
    rate: Money = Field(..., description="Forfait par intervention, figé à la décision.")
    yearly_cap: Money | None = Field(..., description="Plafond annuel, figé à la décision.")
    state: str


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
