"""The ARS dashboard (instructors and finance officers): campaign funnel, interventions per month, amounts issued
and paid against the campaigns' budgets, late reports and open adverse events, for the user's region(s).

Every read starts from ``visible_to(user, roles=AGENCY_DASHBOARD_ROLES)``; the département and protocol filters
narrow it further. The two heavy aggregates (interventions per month over a region's whole activity, money per
campaign) are single GROUP BY queries cached per region stamp (``reporting.dashboards.cache``); the other blocks are
indexed counts read live.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth

from funding.models import Campaign, Dossier, DossierState, Payment, Statement, StatementStatus
from portal.access import get_scope
from portal.models import Structure
from portal.roles import Role
from protocols.models import AdverseEvent, Intervention, Protocol
from reporting.charts import MONTHS, Series, bar_chart
from reporting.dashboards import forecast
from reporting.dashboards.cache import cached
from reporting.models import BiannualReport
from reporting.selectors import aggregates

AGENCY_DASHBOARD_ROLES = frozenset({Role.INSTRUCTOR, Role.FINANCE_OFFICER})
ADMISSIBLE_STATES = {
    DossierState.ADMISSIBLE,
    DossierState.TO_COMMITTEE,
    DossierState.SELECTED,
    DossierState.WAITING_LIST,
    DossierState.NOT_SELECTED,
}
ZERO = Decimal("0.00")
LATE_REPORTS_SHOWN = 10


@dataclass(frozen=True)
class AgencyFilters:
    year: int
    departement: str = ""
    protocol_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.year, self.departement or "-", self.protocol_id or "-")


def region_ids(user) -> list[int]:
    return sorted(get_scope(user).region_ids(AGENCY_DASHBOARD_ROLES))


def filter_choices(user) -> dict:
    """The départements of the region's structures and the protocols that hold a grant (two small queries)."""
    departements = (
        Structure.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES)
        .order_by("departement")
        .values_list("departement", flat=True)
        .distinct()
    )
    protocols = (
        Protocol.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES)
        .filter(grants__isnull=False)
        .order_by("code", "pk")
        .values_list("pk", "code", "structure__name")
    )
    return {
        "departements": list(departements),
        "protocols": [(pk, f"{code} — {structure}") for pk, code, structure in protocols],
    }


def _narrow(queryset, filters: AgencyFilters, *, structure: str, protocol: str):
    if filters.departement:
        queryset = queryset.filter(**{f"{structure}__departement": filters.departement})
    if filters.protocol_id:
        queryset = queryset.filter(**{protocol: filters.protocol_id})
    return queryset


def funnel(user, filters: AgencyFilters):
    """Dossiers submitted, found admissible (whatever the committee said next) and selected, all campaigns."""
    dossiers = _narrow(
        Dossier.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES).submitted(),
        filters,
        structure="structure",
        protocol="protocol_id",
    )
    row = dossiers.aggregate(
        submitted=Count("pk"),
        admissible=Count("pk", filter=Q(state__in=ADMISSIBLE_STATES)),
        selected=Count("pk", filter=Q(state=DossierState.SELECTED)),
    )
    return bar_chart(
        title="Candidatures : déposées, recevables, retenues",
        labels=["Déposées", "Recevables", "Retenues"],
        series=[Series("Dossiers", [row["submitted"], row["admissible"], row["selected"]])],
        chart_id="chart-funnel",
    )


def _interventions_by_month(user, filters: AgencyFilters) -> list[tuple[int, int, int]]:
    start = datetime.date(filters.year, 1, 1)
    interventions = _narrow(
        Intervention.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES)
        .active()
        .filter(performed_on__gte=start, performed_on__lte=datetime.date(filters.year, 12, 31)),
        filters,
        structure="structure",
        protocol="protocol_id",
    )
    rows = (
        interventions.annotate(month=ExtractMonth("performed_on"))
        .values("month")
        .annotate(
            eligible=Count("pk", filter=Q(eligibility__is_eligible=True)),
            other=Count("pk", filter=~Q(eligibility__is_eligible=True) | Q(eligibility__isnull=True)),
        )
        .order_by("month")
    )
    by_month = {row["month"]: (row["eligible"], row["other"]) for row in rows}
    return [(month, *by_month.get(month, (0, 0))) for month in range(1, 13)]


def interventions_chart(user, filters: AgencyFilters):
    months = cached(
        "agency-interventions",
        region_ids(user),
        filters.key,
        lambda: _interventions_by_month(user, filters),
    )
    return bar_chart(
        title=f"Interventions par mois en {filters.year}",
        labels=MONTHS,
        series=[
            Series("Éligibles", [eligible for _m, eligible, _o in months]),
            Series("Exclues ou en calcul", [other for _m, _e, other in months]),
        ],
        stacked=True,
        chart_id="chart-interventions",
    )


def _money_by_campaign(user, filters: AgencyFilters) -> list[dict]:
    statements = _narrow(
        Statement.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES).filter(
            grant__dossier__campaign=OuterRef("pk"), status=StatementStatus.ISSUED
        ),
        filters,
        structure="grant__structure",
        protocol="grant__protocol_id",
    )
    payments = _narrow(
        Payment.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES).filter(
            statement__grant__dossier__campaign=OuterRef("pk")
        ),
        filters,
        structure="statement__grant__structure",
        protocol="statement__grant__protocol_id",
    )
    money_field = DecimalField(max_digits=14, decimal_places=2)

    def total(queryset, group_by: str, field: str):
        summed = queryset.order_by().values(group_by).annotate(total=Sum(field)).values("total")[:1]
        return Coalesce(Subquery(summed, output_field=money_field), Value(ZERO), output_field=money_field)

    rows = (
        Campaign.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES)
        .filter(dossiers__grant__isnull=False)
        .distinct()
        .annotate(
            issued=total(statements, "grant__dossier__campaign", "total_amount"),
            paid=total(payments, "statement__grant__dossier__campaign", "amount"),
        )
        .order_by("-published_at", "pk")
        .values("pk", "title", "budget", "issued", "paid")
    )
    return [{**row, "remaining": None if row["budget"] is None else row["budget"] - row["issued"]} for row in rows]


def money(user, filters: AgencyFilters) -> dict:
    """Per campaign that funds grants: its budget (enveloppe FIR), the amounts issued and paid since it started."""
    rows = cached(
        "agency-money",
        region_ids(user),
        (filters.departement or "-", filters.protocol_id or "-"),
        lambda: _money_by_campaign(user, filters),
    )
    chart = bar_chart(
        title="Enveloppe, montants émis et payés par campagne",
        labels=[row["title"] for row in rows],
        series=[
            Series("Enveloppe", [row["budget"] or ZERO for row in rows]),
            Series("Émis", [row["issued"] for row in rows]),
            Series("Payé", [row["paid"] for row in rows]),
        ],
        unit="€",
        chart_id="chart-money",
    )
    totals = {
        field: sum((row[field] for row in rows if row[field] is not None), ZERO)
        for field in ("budget", "issued", "paid", "remaining")
    }
    return {"rows": rows, "chart": chart, "totals": totals}


def late_reports(user, filters: AgencyFilters, today: datetime.date) -> dict:
    reports = _narrow(
        BiannualReport.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES).overdue(today),
        filters,
        structure="grant__structure",
        protocol="grant__protocol_id",
    )
    return {
        "count": reports.count(),
        "items": reports.select_related("grant__structure").order_by("due_on", "pk")[:LATE_REPORTS_SHOWN],
    }


def open_adverse_events(user, filters: AgencyFilters) -> dict:
    events = _narrow(
        AdverseEvent.objects.visible_to(user, roles=AGENCY_DASHBOARD_ROLES).open(),
        filters,
        structure="protocol__structure",
        protocol="protocol_id",
    )
    return events.aggregate(total=Count("pk"), serious=Count("pk", filter=Q(severity=AdverseEvent.Severity.EIG)))


def fir_forecast(user, filters: AgencyFilters, today: datetime.date):
    """The FIR forecast of ``filters.year`` as of today (``reporting.dashboards.forecast``), per campaign of the
    region's AMI grants (narrowed by the filters); cached per region stamp like the other heavy aggregates."""
    calendar = forecast.Calendar.of(filters.year, today)
    grants = _narrow(
        aggregates.fir_grants(user, AGENCY_DASHBOARD_ROLES), filters, structure="structure", protocol="protocol_id"
    )
    forecasts = cached(
        "agency-fir-forecast",
        region_ids(user),
        (*filters.key, calendar.as_of),
        lambda: forecast.forecasts(user, AGENCY_DASHBOARD_ROLES, grants, filters.year, today)[1],
    )
    return calendar, forecasts
