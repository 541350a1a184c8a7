"""The FIR forecast of the ARS dashboard: per campaign, what the year's grants have been issued, what is computed but
not issued, and where the year will end (a low–high band), against the campaign's envelope; and the cost of a next
wave. The method (also in docs/decisions.md, « Prévision FIR », with a worked example that a test replays):

``METHOD``: each grant's year is what its eligible interventions already earned up to the end of the last complete
month, carried on to 31 December at the pace of the least (low) and the most (high) active of its last three
complete months, each total capped at the grant's yearly cap.

Arithmetic here (pure functions, tested on the worked example); reads in ``reporting.selectors.aggregates``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from funding.models import Campaign, GrantState
from reporting.selectors import aggregates

METHOD = (
    "Pour chaque subvention, le montant acquis par ses interventions éligibles jusqu'à la fin du dernier mois "
    "complet est prolongé jusqu'au 31 décembre au rythme du moins actif (bas) et du plus actif (haut) de ses trois "
    "derniers mois complets, chaque total étant plafonné au plafond annuel de la subvention ; une campagne est la "
    "somme de ses subventions."
)
RECENT_MONTHS = 3
WHAT_IF_YEARS = 3
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(month: datetime.date) -> datetime.date:
    return _add_months(month, 1) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """The months the forecast of ``year`` works with, as of ``as_of`` (today, or 31 December of a past year)."""

    year: int
    as_of: datetime.date

    @classmethod
    def of(cls, year: int, today: datetime.date) -> Calendar:
        return cls(year, min(today, datetime.date(year, 12, 31)))

    @property
    def last_complete_month(self) -> datetime.date:
        """First day of the last month that is over on ``as_of`` (its own month if ``as_of`` is its last day)."""
        month = _month_start(self.as_of)
        return month if _month_end(month) == self.as_of else _add_months(month, -1)

    @property
    def recent_months(self) -> list[datetime.date]:
        last = self.last_complete_month
        return [_add_months(last, -offset) for offset in range(RECENT_MONTHS - 1, -1, -1)]

    @property
    def remaining_months(self) -> list[datetime.date]:
        """The months after the last complete one, up to December of the year."""
        month, months = _add_months(self.last_complete_month, 1), []
        while month.year <= self.year:
            if month.year == self.year:
                months.append(month)
            month = _add_months(month, 1)
        return months

    @property
    def is_over(self) -> bool:
        return not self.remaining_months


def _runs_in(month: datetime.date, starts_on: datetime.date, ends_on: datetime.date | None) -> bool:
    return _month_start(starts_on) <= month and (ends_on is None or month <= ends_on)


@dataclass(frozen=True)
class GrantTrend:
    """What a grant earned so far this year, its recent monthly pace and how many months it still runs."""

    rate: Decimal
    cap: Decimal | None  # None: no cap
    earned: int  # eligible interventions of the year up to the end of the last complete month
    recent: tuple[int, ...]  # eligible interventions in each of its last complete months (at most three)
    months_left: int

    def year_total(self, monthly: int | Decimal) -> Decimal:
        total = self.rate * (self.earned + monthly * self.months_left)
        return _money(total if self.cap is None else min(self.cap, total))

    @property
    def low(self) -> Decimal:
        return self.year_total(min(self.recent, default=0))

    @property
    def high(self) -> Decimal:
        return self.year_total(max(self.recent, default=0))


def grant_trend(grant: dict, counts: dict[datetime.date, int], calendar: Calendar) -> GrantTrend:
    """``grant``: rate, yearly_cap, starts_on, ends_on, state; ``counts``: eligible interventions per month."""
    starts_on, ends_on = grant["starts_on"], grant["ends_on"]
    last = calendar.last_complete_month
    earned = sum(count for month, count in counts.items() if month.year == calendar.year and month <= last)
    recent = tuple(counts.get(month, 0) for month in calendar.recent_months if _runs_in(month, starts_on, ends_on))
    months_left = (
        0
        if grant["state"] == GrantState.CLOSED
        else sum(1 for month in calendar.remaining_months if _runs_in(month, starts_on, ends_on))
    )
    return GrantTrend(grant["rate"], grant["yearly_cap"], earned, recent, months_left)


@dataclass
class CampaignForecast:
    campaign_id: int
    title: str
    budget: Decimal | None
    rate: Decimal
    cap: Decimal
    projects: int
    issued_before: Decimal = ZERO
    issued: Decimal = ZERO
    drafts: Decimal = ZERO
    trends: list[GrantTrend] = field(default_factory=list)

    @property
    def low(self) -> Decimal:
        return sum((trend.low for trend in self.trends), ZERO)

    @property
    def high(self) -> Decimal:
        return sum((trend.high for trend in self.trends), ZERO)

    @property
    def remaining_low(self) -> Decimal | None:
        """What the envelope keeps at 31 December if the year ends high (None: no envelope set)."""
        return None if self.budget is None else self.budget - self.issued_before - self.high

    @property
    def remaining_high(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.issued_before - self.low

    @property
    def pace(self) -> tuple[Decimal, Decimal] | None:
        """Average monthly eligible interventions per grant, low and high (what a next wave's grants may do)."""
        active = [trend for trend in self.trends if trend.recent]
        if not active:
            return None
        return (
            Decimal(sum(min(trend.recent) for trend in active)) / len(active),
            Decimal(sum(max(trend.recent) for trend in active)) / len(active),
        )


def forecasts(user, roles, grants, year: int, today: datetime.date) -> tuple[Calendar, list[CampaignForecast]]:
    """One forecast per campaign of ``grants`` (AMI grants of the user's region(s), already filtered): four
    queries whatever the number of grants."""
    calendar = Calendar.of(year, today)
    grants = grants.filter(starts_on__lte=datetime.date(year, 12, 31), ends_on__gte=datetime.date(year, 1, 1))
    rows = list(
        grants.values("pk", "rate", "yearly_cap", "starts_on", "ends_on", "state", "dossier__campaign_id").order_by(
            "pk"
        )
    )
    start = min(datetime.date(year, 1, 1), calendar.recent_months[0])
    counts: dict[int, dict[datetime.date, int]] = {}
    for row in aggregates.eligible_by_grant_and_month(grants, start, _month_end(calendar.last_complete_month)):
        counts.setdefault(row["grant_id"], {})[row["month"]] = row["count"]
    totals = aggregates.statement_totals_by_campaign(grants, year)
    campaigns = {
        campaign.pk: campaign
        for campaign in Campaign.objects.visible_to(user, roles=roles)
        .filter(pk__in={row["dossier__campaign_id"] for row in rows})
        .prefetch_related("waves")
    }
    result: dict[int, CampaignForecast] = {}
    for row in rows:
        campaign = campaigns.get(row["dossier__campaign_id"])
        if campaign is None:
            continue
        forecast = result.get(campaign.pk)
        if forecast is None:
            waves = list(campaign.waves.all())
            forecast = result[campaign.pk] = CampaignForecast(
                campaign_id=campaign.pk,
                title=campaign.title,
                budget=campaign.budget,
                rate=campaign.rate_per_intervention,
                cap=campaign.yearly_cap,
                projects=waves[-1].projects_funded if waves else 1,
                **totals.get(campaign.pk, {}),
            )
        forecast.trends.append(grant_trend(row, counts.get(row["pk"], {}), calendar))
    return calendar, sorted(result.values(), key=lambda forecast: forecast.title)


@dataclass(frozen=True)
class WaveYear:
    year: int
    months: int
    low: Decimal | None  # None: no activity observed to project from
    high: Decimal | None
    ceiling: Decimal  # every project at its cap for the months it runs


def what_if(*, projects: int, rate: Decimal, cap: Decimal, start: datetime.date, pace) -> list[WaveYear]:
    """The cost per calendar year of a next wave of ``projects`` grants from ``start``, for three years: each grant
    does, every month, the campaign's average low and high pace (``pace``), within ``cap`` a year."""
    years = []
    for year in range(start.year, start.year + WHAT_IF_YEARS):
        first = max(_month_start(start), datetime.date(year, 1, 1))
        months = 12 - first.month + 1
        ceiling = _money(projects * cap) if months else ZERO
        low = high = None
        if pace is not None:
            low, high = (_money(projects * min(cap, rate * monthly * months)) for monthly in pace)
        years.append(WaveYear(year, months, low, high, ceiling))
    return years
