"""API v1: interventions with their eligibility (list, detail, eligibility alone).

These reads are added to ``protocols.api.interventions_router`` (the writes' router), so that ``GET`` and
``POST /interventions`` share one path; they live in ``funding`` because they show the eligibility, which the
funding layer computes. A coordinator's token sees their structures' interventions, an agent's token the region's,
a professional's token those they performed or supervised.
"""

import datetime
from typing import Literal

from django.db.models import Q
from ninja import Field, Query, Schema

from funding.models import ExclusionReason
from portal.api import Page, PageParams, errors, get_visible, paginate
from portal.examples import EXAMPLE_RPPS
from protocols.api import ProfessionalOut, interventions_router
from protocols.imports.validation import identifier_text
from protocols.models import Intervention

IDENTIFIER_PATTERN = r"^[0-9][0-9 .\-]{0,19}$"

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
        None, pattern=IDENTIFIER_PATTERN, description="RPPS ou ADELI du délégué.", examples=[EXAMPLE_RPPS]
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
