"""The dashboards of structure roles: the coordinator's grants, activity, exclusions to fix and reports; the
professional's own interventions, training and documents.

Reads start from ``visible_to(user, roles=[…])``. The coordinator's activity and cap figures are GROUP BY queries
cached per region stamp (``reporting.dashboards.cache``); the lists (exclusions, reports, training, documents) are
short, indexed and read live so a fix shows at once.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth

from funding.models import ExclusionReason, Grant, InterventionEligibility, Statement, StatementStatus
from funding.periods import Period
from funding.services.statement_rules import capped
from portal.access import get_scope
from portal.roles import Role
from protocols.locks import is_locked_expression
from protocols.models import DocumentStatus, Intervention, MemberDocument, MembershipStatus, TeamMembership, TeamRole
from reporting.charts import MONTHS, Series, bar_chart, progress_chart
from reporting.dashboards.cache import cached
from reporting.models import BiannualReport, ReportState

COORDINATOR = [Role.COORDINATOR]
PROFESSIONAL = [Role.PROFESSIONAL]
EXCLUSIONS_SHOWN = 10
REPORTS_SHOWN = 5


# Coordinator --------------------------------------------------------------------------------------------------------


def latest_activity_day(user, roles, today: datetime.date) -> datetime.date:
    """The day a dashboard opens on: today, or the day of the latest intervention the user sees when it is older
    (a structure that has logged nothing since, or the demo, opens on its last activity rather than on zeros)."""
    latest = (
        Intervention.objects.visible_to(user, roles=roles)
        .active()
        .filter(performed_on__lte=today)
        .aggregate(latest=Max("performed_on"))["latest"]
    )
    return latest or today


def coordinator_grants(user, today: datetime.date) -> list[Grant]:
    return list(
        Grant.objects.visible_to(user, roles=COORDINATOR)
        .select_related("structure", "protocol")
        .with_state_on(today)
        .order_by("reference")
    )


def _activity(user, period: Period) -> dict:
    previous = period.previous()
    rows = (
        Intervention.objects.visible_to(user, roles=COORDINATOR)
        .active()
        .filter(performed_on__gte=previous.start, performed_on__lte=period.end)
        .annotate(month=TruncMonth("performed_on"))
        .values("month")
        .annotate(
            total=Count("pk"),
            eligible=Count("pk", filter=Q(eligibility__is_eligible=True)),
            excluded=Count("pk", filter=Q(eligibility__is_eligible=False)),
        )
        .order_by("month")
    )
    return {(row["month"].year, row["month"].month): row for row in rows}


def activity(user, period: Period, region_ids) -> dict:
    """This half-year's interventions month by month against the same months' rank of the previous half-year."""
    scope = sorted(get_scope(user).structure_ids(COORDINATOR))
    by_month = cached("coordinator-activity", region_ids, (*scope, "|", period), lambda: _activity(user, period))
    previous = period.previous()

    def counts(p: Period, field: str) -> list[int]:
        return [by_month.get((m.year, m.month), {}).get(field, 0) for m in p.months]

    labels = [
        f"{MONTHS[a.month - 1]} / {MONTHS[b.month - 1]}" for a, b in zip(period.months, previous.months, strict=True)
    ]
    chart = bar_chart(
        title=f"Interventions par mois : {period.label} et {previous.label}",
        labels=labels,
        series=[Series(str(period), counts(period, "total")), Series(str(previous), counts(previous, "total"))],
        description=f"Chaque groupe compare un mois du {period.label} au mois de même rang du {previous.label}.",
        chart_id="chart-activity",
    )
    summary = {
        "current": {field: sum(counts(period, field)) for field in ("total", "eligible", "excluded")},
        "previous": {field: sum(counts(previous, field)) for field in ("total", "eligible", "excluded")},
    }
    return {"chart": chart, **summary}


def _cap_figures(user, grant_ids: list[int], year: int) -> dict:
    eligible = dict(
        InterventionEligibility.objects.visible_to(user, roles=COORDINATOR)
        .filter(
            grant_id__in=grant_ids,
            is_eligible=True,
            performed_on__gte=datetime.date(year, 1, 1),
            performed_on__lte=datetime.date(year, 12, 31),
        )
        .values("grant_id")
        .annotate(n=Count("pk"))
        .values_list("grant_id", "n")
    )
    issued = {}
    for grant_id, _half, cumulative in (
        Statement.objects.visible_to(user, roles=COORDINATOR)
        .filter(grant_id__in=grant_ids, year=year, status=StatementStatus.ISSUED)
        .order_by("grant_id", "half")
        .values_list("grant_id", "half", "year_cumulative")
    ):
        issued[grant_id] = cumulative  # the later half-year's cumulative wins (ordered by half)
    return {pk: (eligible.get(pk, 0), issued.get(pk)) for pk in grant_ids}


def cap_consumption(user, grants: list[Grant], year: int, region_ids) -> list[dict]:
    """Per grant, the year's cap consumed as the funding engine counts it now (``min(rate × eligible, cap)``), and
    what the issued statements of the year already cumulate."""
    grant_ids = [grant.pk for grant in grants]
    figures = cached(
        "coordinator-cap", region_ids, (*grant_ids, "|", year), lambda: _cap_figures(user, grant_ids, year)
    )
    rows = []
    for grant in grants:
        eligible, issued = figures.get(grant.pk, (0, None))
        consumed = capped(grant.rate, eligible, grant.yearly_cap)
        rows.append(
            {
                "grant": grant,
                "eligible": eligible,
                "consumed": consumed,
                "issued": issued,
                # No cap gauge for a line without a cap (an SNP forfait): there is nothing to consume.
                "chart": None
                if grant.yearly_cap is None
                else progress_chart(
                    title=f"Plafond {year} consommé — {grant.reference}",
                    value=consumed,
                    total=grant.yearly_cap,
                    chart_id=f"chart-cap-{grant.pk}",
                ),
            }
        )
    return rows


def exclusions_to_fix(user) -> dict:
    """Excluded interventions that no issued statement has frozen yet (they can still be corrected), newest first,
    and their count per reason."""
    excluded = (
        Intervention.objects.visible_to(user, roles=COORDINATOR)
        .active()
        .filter(eligibility__is_eligible=False)
        .annotate(is_locked=is_locked_expression())
        .filter(is_locked=False)
    )
    reasons = excluded.order_by().values("eligibility__reason").annotate(n=Count("pk"))
    by_reason = dict(reasons.values_list("eligibility__reason", "n"))
    return {
        "items": excluded.select_related("protocol", "structure", "eligibility").order_by("-performed_on", "-pk")[
            :EXCLUSIONS_SHOWN
        ],
        "reasons": [(code, label, by_reason[code]) for code, label in ExclusionReason.choices if code in by_reason],
        "count": sum(by_reason.values()),
    }


def open_reports(user) -> list[BiannualReport]:
    """Reports still to write or to correct, the most urgent first."""
    return list(
        BiannualReport.objects.visible_to(user, roles=COORDINATOR)
        .filter(state__in=(ReportState.TODO, ReportState.DRAFT, ReportState.CHANGES_REQUESTED))
        .select_related("grant__structure")
        .order_by("due_on", "pk")[:REPORTS_SHOWN]
    )


# Professional -------------------------------------------------------------------------------------------------------


def professional_activity(user, today: datetime.date) -> dict:
    """The professional's own interventions (as delegate or delegant) this month and this year, month by month."""
    rows = (
        Intervention.objects.visible_to(user, roles=PROFESSIONAL)
        .active()
        .filter(performed_on__gte=datetime.date(today.year, 1, 1), performed_on__lte=datetime.date(today.year, 12, 31))
        .annotate(month=TruncMonth("performed_on"))
        .values("month")
        .annotate(total=Count("pk"), eligible=Count("pk", filter=Q(eligibility__is_eligible=True)))
        .order_by("month")
    )
    by_month = defaultdict(lambda: {"total": 0, "eligible": 0})
    for row in rows:
        by_month[row["month"].month] = row
    chart = bar_chart(
        title=f"Mes interventions par mois en {today.year}",
        labels=MONTHS,
        series=[Series("Interventions", [by_month[m]["total"] for m in range(1, 13)])],
        chart_id="chart-my-interventions",
    )
    return {
        "month": by_month[today.month]["total"],
        "year": sum(by_month[m]["total"] for m in range(1, 13)),
        "year_eligible": sum(by_month[m]["eligible"] for m in range(1, 13)),
        "chart": chart,
    }


def professional_trainings(user) -> list[TeamMembership]:
    """The professional's current delegate memberships with their training (done, or still to complete)."""
    return list(
        TeamMembership.objects.visible_to(user, roles=PROFESSIONAL)
        .filter(professional__user=user, role=TeamRole.DELEGATE)
        .current()
        .select_related("protocol__structure", "training")
        .order_by("protocol__code", "pk")
    )


def professional_documents(user) -> list[MemberDocument]:
    """Documents the professional still has to provide (required and missing) or to replace (refused)."""
    documents = (
        MemberDocument.objects.visible_to(user, roles=PROFESSIONAL)
        .filter(membership__professional__user=user, status__in=(DocumentStatus.MISSING, DocumentStatus.REFUSED))
        .filter(membership__left_on__isnull=True)
        .exclude(membership__status__in=(MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN))
        .select_related("membership__protocol", "membership__professional")
        .order_by("membership__protocol__code", "kind")
    )
    return [document for document in documents if document.is_required or document.status == DocumentStatus.REFUSED]
