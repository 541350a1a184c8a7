"""API v1: funding statements (états de versement) with their lines, exclusions by reason and interventions.

Read through ``Statement.objects.visible_to``: ARS staff see their region's statements, drafts included (the ARS's
working copy, recomputed at will); coordinators their structures' statements once issued. An issued statement is
frozen: its interventions are the ones it counted or excluded, with their reasons; a draft's are read live, as its
issue would freeze them.
"""

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from funding.models import Statement, StatementStatus
from funding.periods import PERIOD_PATTERN, InvalidPeriod, Period
from funding.selectors.statement_items import statement_items_after
from funding.selectors.statements import exclusion_counts
from portal.api import (
    ApiError,
    Money,
    Page,
    PageParams,
    decode_cursor,
    encode_cursor,
    errors,
    get_visible,
    paginate,
)

REGION_PATTERN = r"^[A-Za-z0-9\-]{1,10}$"
START = (0, 0, 0, 0)  # before any item: every key has a year


class StatementOut(Schema):
    id: int
    reference: str
    status: StatementStatus = Field(..., description="draft (brouillon de l'ARS) ou issued (émis, figé).")
    period: str = Field(..., description="Semestre, ex. 2025-H1.", examples=["2025-H1"])
    year: int
    half: int
    region: str
    structure_id: int
    structure_name: str
    structure_finess: str
    grant_id: int
    grant_reference: str
    grant_regime: Literal["ami", "snp"] = Field(
        ..., description="ami (subvention de l'ARS sur le FIR) ou snp (forfait de l'Assurance maladie)."
    )
    counting_unit: Literal["intervention", "patient"] = Field(..., description="Ce que paie un forfait.")
    payer: str = Field(
        ...,
        description="Payeur : l'ARS (FIR) ou la CPAM de rattachement de la structure (SNP), figé à l'émission "
        "de l'état.",
    )
    rate: Money = Field(..., description="Forfait (par intervention ou par patient), figé sur la ligne.")
    yearly_cap: Money | None = Field(..., description="Plafond annuel, figé sur la subvention ; null : sans plafond.")
    eligible_count: int = Field(..., description="Interventions éligibles de la période.")
    excluded_count: int = Field(..., description="Interventions exclues de la période.")
    period_amount: Money
    regularisation_amount: Money = Field(..., description="Régularisations des périodes antérieures (± ).")
    total_amount: Money = Field(..., description="Période + régularisations ; négatif : somme à reverser.")
    year_cumulative: Money
    cap_remaining: Money | None = Field(..., description="Plafond restant ; null pour une ligne sans plafond (SNP).")
    computed_at: datetime.datetime
    issued_at: datetime.datetime | None
    pdf_sha256: str = Field(..., description="SHA-256 du PDF de l'état émis (vide pour un brouillon).")

    @staticmethod
    def resolve_period(obj):
        return str(obj.period)

    @staticmethod
    def resolve_region(obj):
        return obj.grant.structure.region.code

    @staticmethod
    def resolve_structure_id(obj):
        return obj.grant.structure_id

    @staticmethod
    def resolve_structure_name(obj):
        return obj.grant.structure.name

    @staticmethod
    def resolve_structure_finess(obj):
        return obj.grant.structure.finess

    @staticmethod
    def resolve_grant_reference(obj):
        return obj.grant.reference

    @staticmethod
    def resolve_grant_regime(obj):
        return obj.grant.regime

    @staticmethod
    def resolve_counting_unit(obj):
        return obj.grant.counting_unit

    @staticmethod
    def resolve_payer(obj):
        return obj.payer  # frozen at issue


class StatementLineOut(Schema):
    kind: str = Field(..., description="period (la période) ou regularisation (une année antérieure).")
    year: int
    label: str
    eligible_count: int
    added_count: int = Field(..., description="Interventions devenues éligibles depuis le dernier état émis.")
    removed_count: int = Field(..., description="Interventions payées devenues inéligibles.")
    entitled_amount: Money = Field(..., description="Montant dû à ce jour.")
    deducted_amount: Money = Field(..., description="Montant déjà compté.")
    amount: Money = Field(..., description="entitled_amount - deducted_amount.")


class ExclusionCountOut(Schema):
    reason: str
    label: str
    count: int


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]
    exclusions: list[ExclusionCountOut] = Field(..., description="Interventions exclues de la période, par motif.")

    @staticmethod
    def resolve_lines(obj):
        return obj.lines.order_by("kind", "year")

    @staticmethod
    def resolve_exclusions(obj):
        counts = exclusion_counts([obj]).get(obj.pk, [])
        return [{"reason": code, "label": label, "count": count} for code, label, count in counts]


class StatementPage(Page):
    items: list[StatementOut]


class StatementFilters(Schema):
    region: str | None = Field(None, pattern=REGION_PATTERN, description="Code de la région, ex. PACA.")
    period: str | None = Field(None, pattern=f"^{PERIOD_PATTERN}$", description="Semestre, ex. 2025-H1.")
    year: int | None = Field(None, ge=2000, le=2100)
    status: StatementStatus | None = None
    structure_id: int | None = None
    grant_id: int | None = None

    def apply(self, queryset):
        if self.region:
            queryset = queryset.filter(grant__structure__region__code=self.region.upper())
        if self.period:
            try:
                queryset = queryset.of_period(Period.parse(self.period))
            except InvalidPeriod as error:
                raise ApiError(
                    422,
                    "invalid_request",
                    "La requête contient des données invalides.",
                    errors=[{"field": "period", "message": str(error)}],
                ) from error
        if self.year is not None:
            queryset = queryset.filter(year=self.year)
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.structure_id is not None:
            queryset = queryset.filter(grant__structure_id=self.structure_id)
        if self.grant_id is not None:
            queryset = queryset.filter(grant_id=self.grant_id)
        return queryset


class StatementItemOut(Schema):
    intervention_id: int
    performed_on: datetime.date
    protocol_code: str
    episode_reference: str
    delegate_identifier: str
    delegant_identifier: str
    year: int = Field(..., description="Année de la ligne de l'état à laquelle l'intervention appartient.")
    is_regularisation: bool
    is_eligible: bool = Field(..., description="Comptée (true) ou exclue, ou retirée pour une régularisation.")
    reason: str | None = Field(None, description="Motif d'exclusion (ou de retrait : reaffectee, non_evaluee).")
    reason_label: str | None = None


class StatementItemPage(Page):
    items: list[StatementItemOut]


class StatementItemFilters(Schema):
    only: Literal["eligible", "excluded", "regularisation"] | None = Field(
        None, description="eligible ou excluded : interventions de la période ; regularisation : les autres."
    )


def _statements(user):
    return Statement.objects.visible_to(user).select_related("grant__structure__region")


router = Router(tags=["États de versement"])


@router.get(
    "/statements",
    response={200: StatementPage, **errors(400, 401, 422, 429)},
    summary="États de versement visibles (ARS : la région, brouillons compris ; coordinateurs : les états émis)",
)
def list_statements(request, filters: Query[StatementFilters], page: Query[PageParams]):
    return paginate(filters.apply(_statements(request.user)), page)


@router.get(
    "/statements/{statement_id}",
    response={200: StatementDetailOut, **errors(401, 404, 422, 429)},
    summary="Un état de versement : ses lignes (période, régularisations) et ses exclusions par motif",
)
def get_statement(request, statement_id: int):
    return get_visible(_statements(request.user), statement_id, "État de versement")


@router.get(
    "/statements/{statement_id}/items",
    response={200: StatementItemPage, **errors(400, 401, 404, 422, 429)},
    summary="Les interventions d'un état : comptées, exclues (avec leur motif) et régularisées, paginées",
)
def list_statement_items(request, statement_id: int, filters: Query[StatementItemFilters], page: Query[PageParams]):
    statement = get_visible(_statements(request.user), statement_id, "État de versement")
    after = decode_cursor(page.cursor, size=4)
    rows = statement_items_after(statement, after=after, limit=page.limit + 1, only=filters.only)
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    position = rows[-1]["key"] if rows else (after or START)
    return {"items": rows, "next_cursor": encode_cursor(*position), "has_more": has_more}
