from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.template.loader import render_to_string

from reporting.charts import Series, bar_chart, format_value, line_chart, percentage, progress_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    return ElementTree.fromstring(str(chart.svg))


def data_bars(root):
    """Bars carry a <title> naming the series and label; axis and legend rectangles do not."""
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def test_bar_chart_is_valid_accessible_svg_with_one_bar_per_value():
    chart = bar_chart(
        title="Interventions par mois",
        labels=["janv.", "févr.", "mars"],
        series=[Series("2025-H1", [3, 0, 12]), Series("2024-H2", [5, 7, 1])],
    )
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 640 ")  # scales with its container
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    assert title.get("id") == title_id and title.text == "Interventions par mois"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert "2025-H1 : janv. 3, févr. 0, mars 12" in root.find(f"{SVG}desc").text
    assert len(data_bars(root)) == 6
    # two series: two different fills (patterns), and a legend naming both
    assert len({r.get("fill") for r in data_bars(root)}) == 2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2025-H1" in texts and "2024-H2" in texts
    assert "var(" not in str(chart.svg) and "<script" not in str(chart.svg)


def test_bar_heights_are_proportional():
    chart = bar_chart(title="t", labels=["a", "b"], series=[Series("s", [10, 20])])
    a, b = data_bars(parse(chart))
    assert Decimal(b.get("height")) == 2 * Decimal(a.get("height"))
    assert Decimal(a.get("y")) + Decimal(a.get("height")) == Decimal(b.get("y")) + Decimal(b.get("height"))


def test_stacked_bars_sit_on_each_other():
    chart = bar_chart(title="t", labels=["a"], series=[Series("x", [4]), Series("y", [6])], stacked=True)
    lower, upper = data_bars(parse(chart))
    assert lower.get("x") == upper.get("x")
    assert Decimal(upper.get("y")) + Decimal(upper.get("height")) == Decimal(lower.get("y"))


def test_texts_are_escaped():
    chart = bar_chart(
        title='<script>alert("x")</script> & co',
        labels=["<b>"],
        series=[Series("A & B <i>", [1])],
        unit="<€>",
    )
    svg = str(chart.svg)
    root = ElementTree.fromstring(svg)  # still well-formed XML
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    html = render_to_string("reporting/includes/chart.html", {"chart": chart})
    assert "<script>" not in html and "&lt;b&gt;" in html


@pytest.mark.parametrize(
    "chart",
    [
        bar_chart(title="vide", labels=[], series=[]),
        bar_chart(title="zéros", labels=["a", "b"], series=[Series("s", [0, 0])]),
        bar_chart(title="sans série", labels=["a"], series=[]),
        line_chart(title="ligne vide", labels=["a"], series=[Series("s", [None])]),
    ],
)
def test_empty_data_draws_a_message_and_no_bar(chart):
    root = parse(chart)
    assert chart.is_empty
    assert data_bars(root) == []
    assert "Aucune donnée pour cette période" in [t.text for t in root.iter(f"{SVG}text")]


def test_decimal_values_are_formatted_in_french_and_scaled():
    chart = bar_chart(
        title="Montants",
        labels=["émis", "payé"],
        series=[Series("2025-H1", [Decimal("1234.5"), Decimal("25.00")])],
        unit="€",
    )
    assert chart.rows == [("émis", ("1\u202f234,50\u00a0€",)), ("payé", ("25\u00a0€",))]
    assert chart.columns == ("", "2025-H1")
    assert len(data_bars(parse(chart))) == 2


def test_series_must_match_labels():
    with pytest.raises(ValueError, match="autant de valeurs"):
        bar_chart(title="t", labels=["a", "b"], series=[Series("s", [1])])


def test_line_chart_has_one_polyline_per_series_with_distinct_dashes():
    chart = line_chart(
        title="Ce semestre et le précédent",
        labels=list("abcdef"),
        series=[Series("H2", range(6)), Series("H1", [1] * 6)],
    )
    root = parse(chart)
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert len(lines[0].get("points").split()) == 6
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")


@pytest.mark.parametrize(
    ("value", "total", "expected_text", "ratio"),
    [
        (Decimal("1750"), Decimal("7000"), "1\u202f750\u00a0€ sur 7\u202f000\u00a0€ (25 %)", Decimal("0.25")),
        (Decimal("0"), Decimal("0"), "0\u00a0€ sur 0\u00a0€ (0 %)", Decimal(0)),
        (
            Decimal("8000"),
            Decimal("7000"),
            "8\u202f000\u00a0€ sur 7\u202f000\u00a0€ (114 %) — plafond dépassé",
            Decimal(1),
        ),
    ],
)
def test_progress_chart(value, total, expected_text, ratio):
    chart = progress_chart(title="Plafond consommé", value=value, total=total)
    root = parse(chart)
    assert expected_text in [t.text for t in root.iter(f"{SVG}text")]
    frame, filled = list(root.iter(f"{SVG}rect"))[-2:]
    assert Decimal(filled.get("width")) == (Decimal(frame.get("width")) * ratio).quantize(Decimal("0.1"))
    assert chart.rows[0][0] == "Consommé" and chart.rows[2] == ("Plafond", (format_value(total, "€"),))


def test_percentage_and_format_value():
    assert percentage(1, 3) == 33 and percentage(2, 3) == 67 and percentage(5, 0) == 0
    assert format_value(1234567) == "1\u202f234\u202f567"
    assert format_value(Decimal("0.005"), "€") == "0,01\u00a0€"


def test_chart_include_renders_figure_and_data_table():
    chart = bar_chart(title="Entonnoir", labels=["Déposés", "Recevables"], series=[Series("Dossiers", [10, 7])])
    html = render_to_string("reporting/includes/chart.html", {"chart": chart})
    assert html.count("<figure") == 1 and "<svg" in html
    assert "<summary" in html and "Voir les données" in html
    assert "<caption>Entonnoir</caption>" in html
    assert '<th scope="row">Recevables</th>' in html and ">7</td>" in html


def test_chart_ids_are_stable_and_distinct():
    a = bar_chart(title="a", labels=["x"], series=[Series("s", [1])])
    assert a.id == bar_chart(title="a", labels=["x"], series=[Series("s", [1])]).id
    assert a.id != bar_chart(title="b", labels=["x"], series=[Series("s", [1])]).id
    assert bar_chart(title="a", labels=["x"], series=[], chart_id="mine").id == "mine"


def test_long_labels_are_shortened_in_the_drawing_only():
    long = "AMI protocoles de coopération locaux de la région Provence-Alpes-Côte d'Azur 2025"
    chart = bar_chart(title="t", labels=[long, "b", "c", "d", "e", "f"], series=[Series("s", [1, 2, 3, 4, 5, 6])])
    texts = [t.text for t in parse(chart).iter(f"{SVG}text")]
    assert long not in texts and any(t and t.startswith("AMI proto") and t.endswith("…") for t in texts)
    assert chart.rows[0][0] == long
