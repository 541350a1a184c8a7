"""Drawing of ``reporting.charts`` as SVG (see that module): geometry, patterns, legends, French number formats.

Everything here writes text through ``escape()``; ``draw(chart)`` returns the markup that ``Chart.svg`` marks safe.
Coordinates are geometry, not money: they are rounded to a tenth.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape

WIDTH = 640
HEIGHT = 300
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 24
MARGIN_BOTTOM = 40
LEGEND_ROW = 22
FONT = "Marianne, DejaVu Sans, Arial, sans-serif"
TEXT_COLOUR = "#161616"
AXIS_COLOUR = "#666666"
GRID_COLOUR = "#dddddd"
# DSFR colours with at least 3:1 contrast on white (WCAG 1.4.11); each also gets its own pattern.
COLOURS = ("#000091", "#b34000", "#18753c", "#6a6af4", "#a558a0", "#695240")
PATTERNS = ("solid", "stripes", "dots", "crosshatch", "hlines", "vlines")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "", "6 3")
EMPTY_TEXT = "Aucune donnée pour cette période"


def to_decimal(value) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(str(value))


def format_value(value, unit="") -> str:
    """French number: narrow no-break space between thousands, comma for decimals, unit after."""
    value = to_decimal(value)
    if value == value.to_integral_value():
        text = f"{int(value):,}".replace(",", "\u202f")
    else:
        text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{unit}" if unit else text


def percentage(value, total) -> int:
    """Whole percentage of ``value`` in ``total``; 0 when there is no total."""
    value, total = to_decimal(value), to_decimal(total)
    if total <= 0:
        return 0
    return int((value * 100 / total).to_integral_value(rounding=ROUND_HALF_UP))


def _n(value) -> str:
    """A coordinate, rounded to a tenth (SVG numbers are geometry, not money)."""
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(".") or "0"


def _nice_scale(maximum: Decimal, integral: bool) -> tuple[Decimal, Decimal]:
    """A round top and tick step for the y axis (about four ticks); never zero."""
    if maximum <= 0:
        return Decimal(1), Decimal(1)
    raw = maximum / 4
    magnitude = Decimal(10) ** raw.adjusted()
    step = magnitude * 10
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        candidate = magnitude * factor
        if candidate >= raw and not (integral and candidate != candidate.to_integral_value()):
            step = candidate
            break
    if integral and step < 1:
        step = Decimal(1)
    top = (maximum / step).to_integral_value(rounding="ROUND_CEILING") * step
    return top, step


def _svg_open(chart, height: int, width: int = WIDTH) -> list[str]:
    cid = escape(chart.id)
    description = chart.description or _summary(chart)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="{FONT}" font-size="12" class="chart-svg">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
        "<defs>",
    ]
    for index in range(len(chart.series) or 1):
        parts.append(_pattern(chart, index))
    parts.append("</defs>")
    return parts


def _summary(chart) -> str:
    if chart.is_empty:
        return EMPTY_TEXT
    if chart.kind == "progress":
        value, _remaining, total = chart.series[0].values
        return (
            f"{format_value(value, chart.unit)} consommés sur {format_value(total, chart.unit)} "
            f"({percentage(value, total)} %)"
        )

    def values(serie):
        pairs = zip(chart.labels, serie.values, strict=True)
        return ", ".join(f"{label} {format_value(v, chart.unit)}" for label, v in pairs)

    return "; ".join(f"{serie.name} : {values(serie)}" for serie in chart.series)


def _fill(chart, index: int) -> str:
    return f"url(#{escape(chart.id)}-p{index})"


def _pattern(chart, index: int) -> str:
    colour = COLOURS[index % len(COLOURS)]
    kind = PATTERNS[index % len(PATTERNS)]
    pid = f"{escape(chart.id)}-p{index}"
    head = f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8">'
    back = f'<rect width="8" height="8" fill="{colour}"/>'
    marks = {
        "solid": "",
        "stripes": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="1.6"/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
        "crosshatch": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#ffffff" stroke-width="1.2"/>',
        "hlines": '<path d="M0,4 H8" stroke="#ffffff" stroke-width="1.6"/>',
        "vlines": '<path d="M4,0 V8" stroke="#ffffff" stroke-width="1.6"/>',
    }[kind]
    return f"{head}{back}{marks}</pattern>"


def _legend(chart, top: int, line: bool = False) -> list[str]:
    """One row of swatches (or line samples) with the series names, wrapping when needed."""
    parts, x, y = [], MARGIN_LEFT, top
    for index, serie in enumerate(chart.series):
        width = 28 + 7 * len(serie.name)
        if x + width > WIDTH - MARGIN_RIGHT and x > MARGIN_LEFT:
            x, y = MARGIN_LEFT, y + LEGEND_ROW
        if line:
            parts.append(_line_sample(index, x, y))
        else:
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="14" height="14" fill="{_fill(chart, index)}" '
                f'stroke="{TEXT_COLOUR}" stroke-width="0.5"/>'
            )
        parts.append(f'<text x="{x + 20}" y="{y + 1}" fill="{TEXT_COLOUR}">{escape(serie.name)}</text>')
        x += width
    return parts


def _legend_height(chart) -> int:
    rows, x = 1, MARGIN_LEFT
    for serie in chart.series:
        width = 28 + 7 * len(serie.name)
        if x + width > WIDTH - MARGIN_RIGHT and x > MARGIN_LEFT:
            rows, x = rows + 1, MARGIN_LEFT
        x += width
    return rows * LEGEND_ROW + 8


def _axes(chart, plot_height: int, top_value: Decimal, step: Decimal) -> list[str]:
    parts = []
    plot_bottom = MARGIN_TOP + plot_height
    tick = Decimal(0)
    while tick <= top_value:
        y = plot_bottom - (tick / top_value) * plot_height
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{_n(y)}" x2="{WIDTH - MARGIN_RIGHT}" y2="{_n(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{_n(y + 4)}" text-anchor="end" fill="{AXIS_COLOUR}">'
            f"{escape(format_value(tick))}</text>"
        )
        tick += step
    parts.append(
        f'<line x1="{MARGIN_LEFT}" y1="{plot_bottom}" x2="{WIDTH - MARGIN_RIGHT}" y2="{plot_bottom}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    if chart.unit:
        parts.append(f'<text x="4" y="{MARGIN_TOP - 10}" fill="{AXIS_COLOUR}">{escape(chart.unit)}</text>')
    return parts


def _x_labels(chart, plot_bottom: int, centre, slot: Decimal) -> list[str]:
    """Category labels under the axis; with many labels only every n-th is written, and a label too long for its
    slot is shortened with "…" (the data table has them all, whole)."""
    count = len(chart.labels)
    every = max(1, -(-count // 12))
    room = max(4, int(slot * every / 7))  # about 7 units per character at font-size 12
    return [
        f'<text x="{_n(centre(i))}" y="{plot_bottom + 16}" text-anchor="middle" fill="{TEXT_COLOUR}">'
        f"{escape(label if len(label) <= room else label[: room - 1] + '…')}</text>"
        for i, label in enumerate(chart.labels)
        if i % every == 0
    ]


def _empty(chart, parts: list[str], height: int) -> str:
    parts.append(
        f'<text x="{WIDTH // 2}" y="{height // 2}" text-anchor="middle" fill="{AXIS_COLOUR}" font-size="14">'
        f"{EMPTY_TEXT}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _integral(chart) -> bool:
    return all(v == v.to_integral_value() for s in chart.series for v in s.values)


def _draw_bars(chart) -> str:
    legend = _legend_height(chart) if len(chart.series) > 1 else 0
    height = HEIGHT + legend
    parts = _svg_open(chart, height)
    if chart.is_empty:
        return _empty(chart, parts, height)
    stacked = chart.kind == "stacked"
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    plot_width = Decimal(WIDTH - MARGIN_LEFT - MARGIN_RIGHT)
    plot_bottom = MARGIN_TOP + plot_height
    count = len(chart.labels)
    positive = [[max(v, Decimal(0)) for v in s.values] for s in chart.series]
    if stacked:
        maximum = max(sum(column) for column in zip(*positive, strict=True))
    else:
        maximum = max(max(values) for values in positive)
    top_value, step = _nice_scale(maximum, _integral(chart))
    parts += _axes(chart, plot_height, top_value, step)
    slot = plot_width / count
    group = slot * Decimal("0.8")
    bar = group if stacked else group / len(chart.series)
    show_values = bar >= 22

    def left(i):
        return MARGIN_LEFT + slot * i + (slot - group) / 2

    for i in range(count):
        base = Decimal(plot_bottom)
        for index, values in enumerate(positive):
            value = values[i]
            h = value / top_value * plot_height
            x = left(i) if stacked else left(i) + bar * index
            y = base - h if stacked else plot_bottom - h
            amount = format_value(chart.series[index].values[i], chart.unit)
            name = f"{chart.series[index].name} — {chart.labels[i]} : {amount}"
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bar)}" height="{_n(h)}" fill="{_fill(chart, index)}" '
                f'stroke="{TEXT_COLOUR}" stroke-width="0.5"><title>{escape(name)}</title></rect>'
            )
            if show_values and not stacked and value > 0:
                parts.append(
                    f'<text x="{_n(x + bar / 2)}" y="{_n(y - 4)}" text-anchor="middle" font-size="10" '
                    f'fill="{TEXT_COLOUR}">{escape(format_value(value))}</text>'
                )
            if stacked:
                base -= h
        if stacked and show_values:
            total = sum(values[i] for values in positive)
            parts.append(
                f'<text x="{_n(left(i) + bar / 2)}" y="{_n(base - 4)}" text-anchor="middle" font-size="10" '
                f'fill="{TEXT_COLOUR}">{escape(format_value(total))}</text>'
            )
    parts += _x_labels(chart, plot_bottom, lambda i: MARGIN_LEFT + slot * i + slot / 2, slot)
    if legend:
        parts += _legend(chart, HEIGHT + 12)
    parts.append("</svg>")
    return "".join(parts)


def _marker(index: int, x, y, colour: str) -> str:
    shape = MARKERS[index % len(MARKERS)]
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return f'<path d="M{_n(x)},{_n(y - 5)} L{_n(x + 5)},{_n(y + 4)} L{_n(x - 5)},{_n(y + 4)} Z" fill="{colour}"/>'
    diamond = f"M{_n(x)},{_n(y - 5)} L{_n(x + 5)},{_n(y)} L{_n(x)},{_n(y + 5)} L{_n(x - 5)},{_n(y)} Z"
    return f'<path d="{diamond}" fill="{colour}"/>'


def _line_sample(index: int, x, y) -> str:
    colour = COLOURS[index % len(COLOURS)]
    dash = DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x}" y1="{y - 3}" x2="{x + 16}" y2="{y - 3}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        + _marker(index, x + 8, y - 3, colour)
    )


def _draw_line(chart) -> str:
    legend = _legend_height(chart)
    height = HEIGHT + legend
    parts = _svg_open(chart, height)
    if chart.is_empty:
        return _empty(chart, parts, height)
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    plot_width = Decimal(WIDTH - MARGIN_LEFT - MARGIN_RIGHT)
    plot_bottom = MARGIN_TOP + plot_height
    count = len(chart.labels)
    maximum = max(max(max(v, Decimal(0)) for v in s.values) for s in chart.series)
    top_value, step = _nice_scale(maximum, _integral(chart))
    parts += _axes(chart, plot_height, top_value, step)
    slot = plot_width / count

    def centre(i):
        return MARGIN_LEFT + slot * i + slot / 2

    for index, serie in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        points = [
            (centre(i), plot_bottom - max(v, Decimal(0)) / top_value * plot_height) for i, v in enumerate(serie.values)
        ]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        for (x, y), label, value in zip(points, chart.labels, serie.values, strict=True):
            parts.append(
                f"<g><title>{escape(f'{serie.name} — {label} : {format_value(value, chart.unit)}')}</title>"
                f"{_marker(index, x, y, colour)}</g>"
            )
    parts += _x_labels(chart, plot_bottom, centre, slot)
    parts += _legend(chart, HEIGHT + 12, line=True)
    parts.append("</svg>")
    return "".join(parts)


def _draw_progress(chart) -> str:
    # Narrower than the other charts: a gauge sits in half a page and its text must stay readable.
    height, view_width = 96, 420
    parts = _svg_open(chart, height, view_width)
    value, _remaining, total = chart.series[0].values
    left, width, top, bar_height = 12, view_width - 24, 40, 28
    ratio = min(value / total, Decimal(1)) if total > 0 else Decimal(0)
    ratio = max(ratio, Decimal(0))
    text = f"{format_value(value, chart.unit)} sur {format_value(total, chart.unit)} ({percentage(value, total)} %)"
    if total > 0 and value > total:
        text += " — plafond dépassé"
    parts.append(f'<text x="{left}" y="{top - 12}" fill="{TEXT_COLOUR}" font-size="14">{escape(text)}</text>')
    parts.append(
        f'<rect x="{left}" y="{top}" width="{width}" height="{bar_height}" fill="#ffffff" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    parts.append(
        f'<rect x="{left}" y="{top}" width="{_n(width * ratio)}" height="{bar_height}" fill="{_fill(chart, 0)}"/>'
    )
    for quarter in (1, 2, 3):
        x = left + width * quarter // 4
        parts.append(
            f'<line x1="{x}" y1="{top + bar_height}" x2="{x}" y2="{top + bar_height + 6}" stroke="{AXIS_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{x}" y="{top + bar_height + 18}" text-anchor="middle" font-size="10" fill="{AXIS_COLOUR}">'
            f"{quarter * 25} %</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def draw(chart) -> str:
    """The SVG markup of a ``reporting.charts.Chart``."""
    drawer = {"progress": _draw_progress, "line": _draw_line}.get(chart.kind, _draw_bars)
    return drawer(chart)
