"""Server-side SVG charts, shared by the dashboards (HTML) and the report PDFs (WeasyPrint).

Pure functions build a frozen ``Chart``; ``chart.svg`` draws it and ``chart.columns`` / ``chart.rows`` give the same
figures as a table (the "Voir les données" toggle of ``reporting/includes/chart.html``). Why SVG made here rather
than a JS library: no script under the CSP, the same drawing in the browser and in the PDF, and nothing to download.

The SVG is self-contained so WeasyPrint renders it too: a ``viewBox`` (it scales to its container), presentation
attributes rather than CSS (no variables, no stylesheet), system fonts only, no script. Series differ by a pattern
(solid, stripes, dots, cross-hatch…) and by their legend, not by colour alone; every text is escaped. The drawing
itself is in ``reporting.charts.svg``; this module is the API the pages and the PDFs use.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

from reporting.charts.svg import draw, format_value, percentage, to_decimal

# Month labels of the charts and their data tables (short enough for twelve bars).
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")

__all__ = ["Chart", "Series", "bar_chart", "format_value", "line_chart", "percentage", "progress_chart"]


@dataclass(frozen=True)
class Series:
    """One named row of values, aligned with the chart's labels (ints or Decimals; None counts as 0)."""

    name: str
    values: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(to_decimal(v) for v in self.values))


@dataclass(frozen=True)
class Chart:
    title: str
    labels: tuple = ()
    series: tuple = ()
    unit: str = ""
    kind: str = "bar"  # bar | stacked | line | progress
    description: str = ""
    total: Decimal | None = None  # progress charts only: the cap
    chart_id: str = field(default="", compare=False)

    def __post_init__(self):
        object.__setattr__(self, "labels", tuple(str(label) for label in self.labels))
        object.__setattr__(self, "series", tuple(self.series))
        for serie in self.series:
            if len(serie.values) != len(self.labels):
                raise ValueError(f"La série « {serie.name} » n'a pas autant de valeurs que d'étiquettes.")
        if not self.chart_id:
            digest = hashlib.sha1(repr((self.title, self.kind, self.labels, self.series)).encode()).hexdigest()
            object.__setattr__(self, "chart_id", f"chart-{digest[:10]}")

    @property
    def id(self) -> str:
        return self.chart_id

    @property
    def is_empty(self) -> bool:
        if self.kind == "progress":
            return False
        return not self.labels or not self.series or all(v == 0 for s in self.series for v in s.values)

    @property
    def columns(self) -> tuple:
        """Table header: the label column, then one column per series."""
        return ("", *(s.name for s in self.series))

    @property
    def rows(self) -> list:
        """Table body: ``(label, (formatted value per series…))`` for each label."""
        return [
            (label, tuple(format_value(s.values[i], self.unit) for s in self.series))
            for i, label in enumerate(self.labels)
        ]

    @property
    def svg(self) -> SafeString:
        return mark_safe(draw(self))  # noqa: S308 - every text inside went through escape()


def bar_chart(*, title, labels, series, unit="", stacked=False, description="", chart_id="") -> Chart:
    """Vertical bars, one group per label; several series side by side (or stacked)."""
    return Chart(
        title=title,
        labels=tuple(labels),
        series=tuple(series),
        unit=unit,
        kind="stacked" if stacked else "bar",
        description=description,
        chart_id=chart_id,
    )


def line_chart(*, title, labels, series, unit="", description="", chart_id="") -> Chart:
    """One line per series (e.g. this half-year against the last), each with its own marker and dash."""
    return Chart(
        title=title,
        labels=tuple(labels),
        series=tuple(series),
        unit=unit,
        kind="line",
        description=description,
        chart_id=chart_id,
    )


def progress_chart(*, title, value, total, unit="€", description="", chart_id="") -> Chart:
    """How much of a cap is consumed: one horizontal gauge with the amount, the cap and the percentage."""
    value, total = to_decimal(value), to_decimal(total)
    remaining = max(total - value, Decimal(0))
    return Chart(
        title=title,
        labels=("Consommé", "Reste disponible", "Plafond"),
        series=(Series("Montant", (value, remaining, total)),),
        unit=unit,
        kind="progress",
        description=description,
        total=total,
        chart_id=chart_id,
    )
