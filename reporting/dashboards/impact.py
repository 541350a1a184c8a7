"""The impact of a wave (seed 000: a second wave "dépendra de la mesure d'impact de la première"): for the teams a
campaign funds, interventions per delegate and per month since each team's declaration, the share of excluded acts
and why, the medical time freed (eligible interventions × the minutes the team declares an intervention saves), and
the change after each team's first three months.

Months are counted from each team's declaration (month 1 is the month of the declaration), so teams declared at
different dates compare. The observation stops at the last complete month that has logged interventions (reporting
tables are often imported twice a year: a month not imported yet is not a month without activity).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from funding.models import ExclusionReason
from reporting.charts import Series, line_chart, percentage
from reporting.selectors import aggregates

FIRST_MONTHS = 3
MONTHS_SHOWN = 24


def _months_between(start: datetime.date, month: datetime.date) -> int:
    return (month.year - start.year) * 12 + month.month - start.month


def _ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Team:
    """A funded team: its protocol's activity month by month since the declaration."""

    grant_reference: str
    structure: str
    protocol_code: str
    declared_on: datetime.date
    minutes_saved: int | None
    months: dict[int, tuple[int, int]] = field(default_factory=dict)  # month index → (interventions, delegates)
    eligible: int = 0

    def _pace(self, indexes) -> Decimal | None:
        pairs = [self.months.get(index, (0, 0)) for index in indexes]
        return _ratio(sum(count for count, _d in pairs), sum(delegates for _c, delegates in pairs))

    @property
    def observed_months(self) -> int:
        return max(self.months, default=-1) + 1

    @property
    def first_months(self) -> Decimal | None:
        return self._pace(range(FIRST_MONTHS))

    @property
    def after(self) -> Decimal | None:
        return self._pace(range(FIRST_MONTHS, self.observed_months)) if self.observed_months > FIRST_MONTHS else None

    @property
    def change(self) -> int | None:
        """Change of the monthly pace per delegate after the first three months, in % (None: too early)."""
        if self.first_months is None or self.after is None or not self.first_months:
            return None
        return int(((self.after / self.first_months - 1) * 100).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def hours_freed(self) -> Decimal | None:
        if self.minutes_saved is None:
            return None
        return (Decimal(self.eligible * self.minutes_saved) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def last_observed_month(rows, today: datetime.date) -> datetime.date | None:
    """The last complete month (as of ``today``) with logged interventions."""
    current = today.replace(day=1)
    months = [row["month"] for row in rows if row["month"] < current]
    return max(months, default=None)


def wave_impact(campaign, grants, today: datetime.date) -> dict:
    """The impact of ``campaign`` from its ``grants`` (scoped by the caller): three queries."""
    grants = list(grants.select_related("structure", "protocol").order_by("structure__name", "reference"))
    protocols = {grant.protocol_id: grant for grant in grants if grant.protocol.declared_on}
    rows = aggregates.interventions_by_protocol_month(list(protocols), today)
    until = last_observed_month(rows, today)
    if until is None:
        return {"teams": [], "until": None, "chart": None, "reasons": [], "totals": None}
    delegates = aggregates.delegates_by_protocol_month(list(protocols), until)
    teams = {
        protocol_id: Team(
            grant_reference=grant.reference,
            structure=grant.structure.name,
            protocol_code=grant.protocol.code,
            declared_on=grant.protocol.declared_on,
            minutes_saved=grant.protocol.medical_minutes_saved,
        )
        for protocol_id, grant in protocols.items()
    }
    by_month: dict[tuple[int, int], int] = {}
    reasons: dict[str, int] = {}
    logged = eligible = 0
    for row in rows:
        team = teams[row["protocol_id"]]
        index = _months_between(team.declared_on.replace(day=1), row["month"])
        if row["month"] > until or index < 0:
            continue  # after the observation, or logged before the declaration (excluded by the engine anyway)
        by_month[(row["protocol_id"], index)] = by_month.get((row["protocol_id"], index), 0) + row["count"]
        logged += row["count"]
        if row["eligibility__is_eligible"]:
            team.eligible += row["count"]
            eligible += row["count"]
        elif row["eligibility__reason"]:
            reasons[row["eligibility__reason"]] = reasons.get(row["eligibility__reason"], 0) + row["count"]
    for protocol_id, team in teams.items():
        start = team.declared_on.replace(day=1)
        for index in range(_months_between(start, until) + 1):
            month = datetime.date(start.year + (start.month - 1 + index) // 12, (start.month - 1 + index) % 12 + 1, 1)
            team.months[index] = (by_month.get((protocol_id, index), 0), delegates.get((protocol_id, month), 0))
    excluded = sum(reasons.values())
    labels = dict(ExclusionReason.choices)
    freed = [team.hours_freed for team in teams.values() if team.hours_freed is not None]
    return {
        "teams": list(teams.values()),
        "until": until,
        "chart": _pace_chart(campaign, teams.values()),
        "reasons": [
            (code, labels.get(code, code), count, percentage(count, excluded))
            for code, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ],
        "totals": {
            "logged": logged,
            "eligible": eligible,
            "excluded": excluded,
            "excluded_share": percentage(excluded, logged),
            "hours_freed": sum(freed, Decimal(0)) if freed else None,
            "teams_without_minutes": sum(1 for team in teams.values() if team.minutes_saved is None),
        },
    }


def _pace_chart(campaign, teams):
    span = min(MONTHS_SHOWN, max((team.observed_months for team in teams), default=0))
    values = []
    for index in range(span):
        pairs = [team.months[index] for team in teams if index in team.months]
        values.append(_ratio(sum(c for c, _d in pairs), sum(d for _c, d in pairs)) or Decimal(0))
    return line_chart(
        title=f"Interventions par délégué et par mois depuis la déclaration — {campaign.title}",
        labels=[f"M{index + 1}" for index in range(span)],
        series=[Series("Interventions par délégué", values)],
        chart_id="chart-wave-impact",
    )
