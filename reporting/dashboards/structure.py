"""The dashboards of structure roles: the coordinator's grants, activity, exclusions to fix and reports; the
professional's own interventions, training and documents.

Reads start from ``visible_to(user, roles=[…])``. The coordinator's activity and cap figures are GROUP BY queries
cached per region stamp (``reporting.dashboards.cache``); the lists (exclusions, reports, training, documents) are
short, indexed and read live so a fix shows at once.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth

from funding.models import (
    ExclusionReason,
    Grant,
    InterventionEligibility,
    InterventionMonthlyCount,
    Statement,
    StatementItem,
    StatementStatus,
)
from funding.periods import Period
from funding.selectors.interventions import reason_label
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
    """Interventions per month of the two half-years, from the monthly counts kept on write (a cache miss, after
    every intervention logged, no longer reads the structures' interventions)."""
    previous = period.previous()
    rows = (
        InterventionMonthlyCount.objects.visible_to(user, roles=COORDINATOR)
        .filter(month__gte=previous.start, month__lte=period.end)
        .values("month")
        .annotate(
            total=Sum("interventions"),
            eligible=Coalesce(Sum("interventions", filter=Q(is_eligible=True)), 0),
            excluded=Coalesce(Sum("interventions", filter=Q(is_eligible=False)), 0),
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


def _unfrozen(counts):
    """The monthly counts of half-years that no issued statement of their grant covers (``funding.locks``, at the
    level of a month: a statement freezes its grant's half-year)."""
    issued = Statement.objects.filter(
        status=StatementStatus.ISSUED,
        grant__structure_id=OuterRef("structure_id"),
        grant__protocol_id=OuterRef("protocol_id"),
        year=ExtractYear(OuterRef("month")),
    )
    return counts.exclude(
        Q(Exists(issued.filter(half=1)), month__month__lte=6) | Q(Exists(issued.filter(half=2)), month__month__gte=7)
    )


def exclusions_to_fix(user) -> dict:
    """Excluded interventions that no issued statement has frozen yet (they can still be corrected), newest first,
    and their count per reason.

    Counted from the monthly counts kept on write (``InterventionMonthlyCount``), minus the rare excluded
    interventions of an unfrozen half-year that a régularisation of an issued statement lists (frozen one by one).
    The newest ten are then looked for only in the months those counts point at, through the (structure, date)
    index, instead of walking back through every recent intervention to find the rare excluded ones."""
    excluded_counts = _unfrozen(InterventionMonthlyCount.objects.visible_to(user, roles=COORDINATOR)).filter(
        is_eligible=False
    )
    by_month = list(
        excluded_counts.values_list("month", "reason").annotate(n=Sum("interventions")).order_by("-month", "reason")
    )
    by_reason = defaultdict(int)
    for _month, reason, n in by_month:
        by_reason[reason] += n
    listed = _listed_in_unfrozen_half_years(user)
    for reason, n in listed.items():
        by_reason[reason] -= n
    by_reason = {reason: n for reason, n in by_reason.items() if n > 0}
    items = []
    if by_reason:
        # The oldest month needed for the newest EXCLUSIONS_SHOWN (plus those a régularisation froze).
        wanted, since = EXCLUSIONS_SHOWN + sum(listed.values()), None
        for month, _reason, n in by_month:
            since, wanted = month, wanted - n
            if wanted <= 0:
                break
        items = list(
            Intervention.objects.visible_to(user, roles=COORDINATOR)
            .active()
            .filter(eligibility__is_eligible=False, performed_on__gte=since)
            .annotate(is_locked=is_locked_expression())
            .filter(is_locked=False)
            .select_related("protocol", "structure", "eligibility")
            .order_by("-performed_on", "-pk")[:EXCLUSIONS_SHOWN]
        )
    order = {code: n for n, code in enumerate(ExclusionReason.values)}
    return {
        "items": items,
        "reasons": [
            (code, reason_label(code), by_reason[code])
            for code in sorted(by_reason, key=lambda code: (order.get(code, 99), code))
        ],
        "count": sum(by_reason.values()),
    }


def _listed_in_unfrozen_half_years(user) -> dict[str, int]:
    """Per reason, the excluded interventions of a half-year no issued statement covers, frozen all the same because
    a régularisation of an issued statement lists them (read from the régularisation items: a few per grant)."""
    issued = Statement.objects.filter(
        status=StatementStatus.ISSUED,
        grant__structure_id=OuterRef("intervention__structure_id"),
        grant__protocol_id=OuterRef("intervention__protocol_id"),
        year=ExtractYear(OuterRef("intervention__performed_on")),
    )
    items = (
        StatementItem.objects.filter(
            is_regularisation=True,
            statement__status=StatementStatus.ISSUED,
            statement__grant__structure__in=get_scope(user).structure_ids(COORDINATOR),
            intervention__cancelled_at__isnull=True,
            intervention__eligibility__is_eligible=False,
        )
        .exclude(
            Q(Exists(issued.filter(half=1)), intervention__performed_on__month__lte=6)
            | Q(Exists(issued.filter(half=2)), intervention__performed_on__month__gte=7)
        )
        .values("intervention_id", "intervention__eligibility__reason")
        .distinct()
    )
    counted = defaultdict(int)
    for item in items:
        counted[item["intervention__eligibility__reason"]] += 1
    return counted


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
