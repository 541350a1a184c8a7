"""The national view (pilote_national): the regions' aggregates per protocol group and half-year, a sorted table of
the regions with its chart, the drill-down to one region, and the rows of the exports.

Figures come from ``reporting.selectors.aggregates`` only (counts and sums: never a person, a structure or a
dossier), cached per the regions' stamps like the ARS dashboard's heavy aggregates (``reporting.dashboards.cache``).
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from funding.models import ExclusionReason
from funding.periods import Period
from portal.models import Region
from protocols.models import NationalProtocol, ProtocolTheme
from reporting.charts import Series, bar_chart, line_chart, percentage
from reporting.dashboards.cache import cached
from reporting.selectors import aggregates
from reporting.selectors.aggregates import Cell, Envelope

ZERO = Decimal("0.00")
HALF_YEARS_SHOWN = 10  # choices of the period filter and span of the exports
TREND_HALF_YEARS = 4  # the drill-down's evolution
NO_THEME = "thème non renseigné"
NO_THEME_CODE = "sans-theme"


@dataclass(frozen=True)
class Group:
    key: str  # "N<national protocol id>" or "T<theme>"
    kind: str  # "national" | "local"
    code: str  # the catalogue code, or the theme's code
    label: str

    @property
    def sort_key(self) -> tuple:
        return (self.kind != "national", self.label.lower())


def group_labels(keys) -> dict[str, Group]:
    """Label every group key (one query for the national catalogue, whatever the number of keys)."""
    keys = {key for key in keys if key is not None}
    catalogue = {
        f"N{pk}": (code, title)
        for pk, code, title in NationalProtocol.objects.filter(
            pk__in=[int(key[1:]) for key in keys if key.startswith("N")]
        ).values_list("pk", "code", "short_title")
    }
    themes = dict(ProtocolTheme.choices)
    groups = {}
    for key in keys:
        if key.startswith("N"):
            code, title = catalogue.get(key, ("?", "Protocole national"))
            groups[key] = Group(key, "national", code, f"{title} (protocole national)")
        else:
            theme = key[1:]
            label = f"Protocoles locaux — {themes.get(theme, NO_THEME)}"
            groups[key] = Group(key, "local", theme or NO_THEME_CODE, label)
    return groups


@dataclass(frozen=True)
class RegionRow:
    region_id: int
    code: str
    name: str
    cell: Cell
    budget: Decimal | None
    consumed: Decimal

    @property
    def excluded_share(self) -> int:
        return percentage(self.cell.excluded, self.cell.interventions)

    @property
    def consumption_share(self) -> int | None:
        return None if not self.budget else percentage(self.consumed, self.budget)


def alphabetical(text: str) -> str:
    """French alphabetical order: Île-de-France between Hauts-de-France and La Réunion, not after Occitanie."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)).lower()


SORTS = {
    "region": lambda row: alphabetical(row.name),
    "structures": lambda row: row.cell.structures,
    "protocoles": lambda row: row.cell.protocols,
    "delegues": lambda row: row.cell.delegates,
    "interventions": lambda row: row.cell.interventions,
    "eligibles": lambda row: row.cell.eligible,
    "exclues": lambda row: row.excluded_share,
    "emis": lambda row: row.cell.issued,
    "paye": lambda row: row.cell.paid,
    "enveloppe": lambda row: row.consumption_share or 0,
    "retards": lambda row: row.cell.reports_late,
}
DEFAULT_SORT = "interventions"
ASCENDING_FIRST = {"region"}  # a first click sorts names from A to Z, figures from the largest


def regions(user) -> list[tuple[int, str, str]]:
    """(id, code, name) of the regions behind the national door, by name."""
    return list(
        Region.objects.visible_to(user, roles=aggregates.NATIONAL_AGGREGATE_ROLES)
        .order_by("name")
        .values_list("pk", "code", "name")
    )


def period_choices(region_ids, today: datetime.date) -> tuple[list[Period], Period]:
    """The half-years the filter offers (most recent first) and the default one: that of the latest activity."""
    first, latest = cached(
        "national-bounds", region_ids, (today,), lambda: aggregates.activity_bounds(region_ids, today)
    )
    current = Period.containing(today)
    default = Period.containing(latest) if latest else current
    periods, period = [], current
    while len(periods) < HALF_YEARS_SHOWN and (first is None or period.end >= first or not periods):
        periods.append(period)
        period = period.previous()
    if default not in periods:
        default = periods[0]
    return periods, default


def _cells(region_ids, periods: list[Period], today: datetime.date) -> dict:
    return cached(
        "national-cells",
        region_ids,
        (",".join(str(period) for period in periods), today),
        lambda: aggregates.national_cells(region_ids, periods, today),
    )


def _envelopes(region_ids, until: Period) -> list[Envelope]:
    return cached("national-envelopes", region_ids, (until,), lambda: aggregates.envelopes(region_ids, until))


def _region_rows(region_list, cells, envelopes, period: Period) -> list[RegionRow]:
    budgets, consumed = {}, {}
    for envelope in envelopes:
        if envelope.budget is not None:
            budgets[envelope.region_id] = budgets.get(envelope.region_id, ZERO) + envelope.budget
            consumed[envelope.region_id] = consumed.get(envelope.region_id, ZERO) + envelope.consumed
    return [
        RegionRow(
            region_id=pk,
            code=code,
            name=name,
            cell=cells.get((pk, None, period.year, period.half), Cell()),
            budget=budgets.get(pk),
            consumed=consumed.get(pk, ZERO),
        )
        for pk, code, name in region_list
    ]


def sort_rows(rows: list[RegionRow], sort: str, descending: bool) -> list[RegionRow]:
    key = SORTS.get(sort, SORTS[DEFAULT_SORT])
    # Ties keep the alphabetical order of the regions, whatever the direction.
    rows = sorted(rows, key=lambda row: alphabetical(row.name))
    return sorted(rows, key=key, reverse=descending)


def reasons_table(cell: Cell) -> list[tuple[str, str, int, int]]:
    """(code, label, count, share of the excluded in %) for every reason that occurred, most frequent first."""
    labels = dict(ExclusionReason.choices)
    rows = sorted(cell.excluded_by_reason.items(), key=lambda item: (-item[1], item[0]))
    return [(code, labels.get(code, code), count, percentage(count, cell.excluded)) for code, count in rows]


def regions_chart(rows: list[RegionRow], period: Period):
    return bar_chart(
        title=f"Interventions par région, {period.label}",
        labels=[row.code for row in rows],
        series=[
            Series("Éligibles", [row.cell.eligible for row in rows]),
            Series("Exclues", [row.cell.excluded for row in rows]),
            Series("En calcul", [row.cell.pending for row in rows]),
        ],
        stacked=True,
        chart_id="chart-national-regions",
    )


def _group_cells(cells, region_id: int | None, period: Period) -> dict[str, Cell]:
    """The cells of each protocol group of a region (None: the whole country) for a half-year."""
    return {
        key[1]: cell
        for key, cell in cells.items()
        if key[0] == region_id and key[1] is not None and key[2:] == (period.year, period.half)
    }


def overview(region_list, period: Period, today: datetime.date, *, sort: str, descending: bool) -> dict:
    """The national page for ``region_list`` (from ``regions(user)``): a row per region, the protocol groups, the
    exclusion reasons, the envelopes' totals."""
    region_ids = [pk for pk, _code, _name in region_list]
    cells = _cells(region_ids, [period], today)
    rows = sort_rows(_region_rows(region_list, cells, _envelopes(region_ids, period), period), sort, descending)
    group_cells = _group_cells(cells, None, period)
    groups = group_labels(group_cells)
    total = cells.get((None, None, period.year, period.half), Cell())
    return {
        "rows": rows,
        "chart": regions_chart(rows, period),
        "groups": [(group, group_cells[key]) for key, group in sorted(groups.items(), key=lambda i: i[1].sort_key)],
        "total": total,
        "reasons": reasons_table(total),
        "budget": sum((row.budget for row in rows if row.budget), ZERO),
        "consumed": sum((row.consumed for row in rows), ZERO),
    }


def region_detail(region: Region, period: Period, today: datetime.date) -> dict:
    """One region: its protocol groups for ``period``, its last half-years, its campaigns' envelopes."""
    periods = [period]
    while len(periods) < TREND_HALF_YEARS:
        periods.insert(0, periods[0].previous())
    cells = _cells([region.pk], periods, today)
    key_of = (region.pk, None)
    group_cells = _group_cells(cells, region.pk, period)
    groups = group_labels(group_cells)
    trend = [(p, cells.get((*key_of, p.year, p.half), Cell())) for p in periods]
    total = cells.get((*key_of, period.year, period.half), Cell())
    chart = line_chart(
        title=f"Interventions éligibles et exclues par semestre — {region.name}",
        labels=[str(p) for p in periods],
        series=[
            Series("Éligibles", [cell.eligible for _p, cell in trend]),
            Series("Exclues", [cell.excluded for _p, cell in trend]),
        ],
        chart_id="chart-national-region-trend",
    )
    return {
        "groups": [(group, group_cells[key]) for key, group in sorted(groups.items(), key=lambda i: i[1].sort_key)],
        "total": total,
        "reasons": reasons_table(total),
        "trend": trend,
        "chart": chart,
        "envelopes": _envelopes([region.pk], period),
    }


@dataclass(frozen=True)
class ExportRow:
    region_code: str
    region_name: str
    period: Period
    group: Group
    cell: Cell


def detailed_rows(region_list, cells) -> list[ExportRow]:
    """The region × protocol group × half-year cells of ``cells`` as labelled rows (regions by name, half-years in
    order, national protocols first): the rows of the exports and of the open data."""
    by_id = {pk: (code, name) for pk, code, name in region_list}
    detailed = {key: cell for key, cell in cells.items() if key[0] in by_id and key[1] is not None}
    groups = group_labels({key[1] for key in detailed})
    rows = [
        ExportRow(by_id[region_id][0], by_id[region_id][1], Period(year, half), groups[group], cell)
        for (region_id, group, year, half), cell in detailed.items()
    ]
    rows.sort(key=lambda row: (row.region_name, row.period, row.group.sort_key))
    return rows


def periods_until(first: datetime.date | None, until: Period, limit: int | None = None) -> list[Period]:
    """The half-years from the one of ``first`` (the first declaration) to ``until``, oldest first."""
    if first is None or Period.containing(first) > until:
        return [until]
    periods, period = [], until
    while period >= Period.containing(first) and (limit is None or len(periods) < limit):
        periods.insert(0, period)
        period = period.previous()
    return periods


def export_rows(region_list, until: Period, today: datetime.date) -> tuple[list[ExportRow], list[Envelope], dict]:
    """Region × protocol group × half-year rows of the half-years up to ``until`` (at most ``HALF_YEARS_SHOWN``),
    the envelopes, and the regions by id."""
    region_ids = [pk for pk, _code, _name in region_list]
    first, _latest = cached(
        "national-bounds", region_ids, (today,), lambda: aggregates.activity_bounds(region_ids, today)
    )
    cells = _cells(region_ids, periods_until(first, until, HALF_YEARS_SHOWN), today)
    by_id = {pk: (code, name) for pk, code, name in region_list}
    return detailed_rows(region_list, cells), _envelopes(region_ids, until), by_id
