"""The three charts of a report (monthly interventions, eligible vs excluded, cap consumption), built from its
stored figures with ``reporting.charts`` (shared with the dashboards): the page and the PDF draw the same SVG."""

from reporting.charts import Series, bar_chart, progress_chart


def report_charts(figures: dict) -> list:
    interventions = figures.get("interventions") or {}
    monthly = interventions.get("monthly") or []
    labels = [row["label"] for row in monthly]
    charts = [
        bar_chart(
            title="Interventions par mois",
            labels=labels,
            series=[
                Series("Éligibles", [row["eligible"] for row in monthly]),
                Series("Exclues", [row["excluded"] for row in monthly]),
            ],
            stacked=True,
            chart_id="chart-monthly",
        ),
        # Two bars: the reasons' labels are too long for an axis; they are listed beside the chart.
        bar_chart(
            title="Interventions éligibles et exclues du semestre",
            labels=["Éligibles", "Exclues"],
            series=[Series("Interventions", [interventions.get("eligible", 0), interventions.get("excluded", 0)])],
            chart_id="chart-eligibility",
        ),
    ]
    if figures.get("yearly_cap"):
        charts.append(
            progress_chart(
                title=f"Plafond annuel {figures['period'][:4]} consommé",
                value=figures.get("year_cumulative") or 0,
                total=figures["yearly_cap"],
                chart_id="chart-cap",
            )
        )
    return charts
