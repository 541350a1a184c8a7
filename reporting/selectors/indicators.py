"""The region's comparison of its funded structures on a campaign's follow-up indicators (seed 000: "L'ARS
déterminera des indicateurs de suivi et les modalités d'analyse périodique de l'activité des dispositifs").

One row per grant of the campaign (a structure and its funded protocol), one column per indicator and period of the
chosen year (a yearly indicator has one column, a half-yearly one a column per half-year). The page reads its rows
with a fixed number of queries whatever the number of structures: the grants of the page, then their values in one
query; the region's figures per column (how many structures answered, mean, lowest, highest) in one aggregate.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Max, Min

from funding.models import Campaign, CampaignIndicator, CampaignIndicatorValue, Grant, period_label
from portal.exports import Column

EXPORT_CHUNK = 500


@dataclass(frozen=True)
class IndicatorColumn:
    indicator: CampaignIndicator
    year: int
    half: int

    @property
    def key(self) -> tuple[int, int]:
        return self.indicator.pk, self.half

    @property
    def period(self) -> str:
        return period_label(self.year, self.half)

    @property
    def header(self) -> str:
        return f"{self.indicator.name} ({self.indicator.unit}) — {self.period}"


@dataclass(frozen=True)
class ComparisonRow:
    grant: Grant
    cells: list[Decimal | None]


@dataclass(frozen=True)
class ColumnSummary:
    answered: int
    mean: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None


def campaign_grants(user, campaign: Campaign, roles) -> "Iterable[Grant]":
    """The grants of the campaign the user reads, in the order of the table (structure, then reference)."""
    return (
        Grant.objects.visible_to(user, roles=roles)
        .filter(dossier__campaign=campaign)
        .select_related("structure", "protocol")
        .order_by("structure__name", "reference")
    )


def comparison_years(campaign: Campaign, grants, today: datetime.date) -> list[int]:
    """The years the table can show, newest first: from the first grant's start to this year."""
    first = grants.order_by().aggregate(first=Min("starts_on"))["first"]
    if first is None:
        return [today.year]
    return list(range(today.year, first.year - 1, -1))


def default_year(campaign: Campaign, years: list[int]) -> int:
    """The latest year with values, else the latest year."""
    latest = CampaignIndicatorValue.objects.filter(indicator__campaign=campaign).aggregate(last=Max("year"))["last"]
    return latest if latest in years else years[0]


def comparison_columns(indicators: Iterable[CampaignIndicator], year: int) -> list[IndicatorColumn]:
    return [IndicatorColumn(indicator, year, half) for indicator in indicators for half in indicator.halves()]


def _values(grant_ids: list[int], year: int, columns: list[IndicatorColumn]) -> dict[int, dict]:
    indicator_ids = {column.indicator.pk for column in columns}
    values: dict[int, dict] = {}
    rows = CampaignIndicatorValue.objects.filter(
        grant_id__in=grant_ids, year=year, indicator_id__in=indicator_ids
    ).values_list("grant_id", "indicator_id", "half", "value")
    for grant_id, indicator_id, half, value in rows.order_by():
        values.setdefault(grant_id, {})[(indicator_id, half)] = value
    return values


def comparison_rows(grants: list[Grant], columns: list[IndicatorColumn], year: int) -> list[ComparisonRow]:
    """The rows of one page of grants (one query for all their values)."""
    values = _values([grant.pk for grant in grants], year, columns)
    return [ComparisonRow(grant, [values.get(grant.pk, {}).get(column.key) for column in columns]) for grant in grants]


def column_summaries(grants, columns: list[IndicatorColumn], year: int) -> list[ColumnSummary]:
    """The region's figures per column, over every grant the user reads (not only the page): one query."""
    rows = (
        CampaignIndicatorValue.objects.filter(
            grant__in=grants.order_by().values("pk"),
            year=year,
            indicator_id__in={column.indicator.pk for column in columns},
        )
        .values("indicator_id", "half")
        .annotate(answered=Count("grant", distinct=True), mean=Avg("value"), lowest=Min("value"), highest=Max("value"))
        .order_by()
    )
    found = {(row["indicator_id"], row["half"]): row for row in rows}
    summaries = []
    for column in columns:
        row = found.get(column.key)
        if row is None:
            summaries.append(ColumnSummary(0, None, None, None))
        else:
            mean = row["mean"].quantize(Decimal("0.01")) if row["mean"] is not None else None
            summaries.append(ColumnSummary(row["answered"], mean, row["lowest"], row["highest"]))
    return summaries


def export_columns(columns: list[IndicatorColumn]) -> list[Column]:
    """The export's columns: who, then one column per indicator and period (as on screen)."""
    fixed = [
        Column("Structure", lambda row: row.grant.structure.name),
        Column("FINESS", lambda row: row.grant.structure.finess),
        Column("Type de structure", lambda row: row.grant.structure.kind),
        Column("Département", lambda row: row.grant.structure.departement),
        Column("Subvention", lambda row: row.grant.reference),
        Column("Protocole", lambda row: row.grant.protocol.code),
    ]
    return fixed + [
        Column(column.header, lambda row, index=index: row.cells[index]) for index, column in enumerate(columns)
    ]


def export_rows(grants, columns: list[IndicatorColumn], year: int) -> Iterator[ComparisonRow]:
    """Every row, streamed by chunks of grants (two queries a chunk), so memory stays flat."""
    chunk: list[Grant] = []
    for grant in grants.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(grant)
        if len(chunk) == EXPORT_CHUNK:
            yield from comparison_rows(chunk, columns, year)
            chunk = []
    if chunk:
        yield from comparison_rows(chunk, columns, year)
