"""Routes of the statements pages (namespace "funding")."""

from django.urls import path, register_converter

from funding.periods import PERIOD_PATTERN, Period
from funding.views import statements


class PeriodConverter:
    """``2025-H1`` in a URL, a ``Period`` in the view."""

    regex = PERIOD_PATTERN

    def to_python(self, value: str) -> Period:
        return Period.parse(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(PeriodConverter, "period")

urlpatterns = [
    path("financement/etats/", statements.statement_home, name="statement_home"),
    path("financement/etats/calculer/", statements.statement_compute, name="statement_compute"),
    path(
        "financement/etats/calculs/<int:computation_run_id>/",
        statements.computation_run_detail,
        name="computation_run_detail",
    ),
    path(
        "financement/etats/calculs/<int:computation_run_id>/progression/",
        statements.computation_run_progress,
        name="computation_run_progress",
    ),
    path(
        "financement/etats/calculs/<int:computation_run_id>/emettre/",
        statements.computation_run_issue,
        name="computation_run_issue",
    ),
    path(
        "financement/etats/ars/<int:region_id>/<period:period>/", statements.statement_period, name="statement_period"
    ),
    path(
        "financement/etats/ars/<int:region_id>/<period:period>/export/",
        statements.statement_period_export,
        name="statement_period_export",
    ),
    path("financement/etats/<int:statement_id>/", statements.statement_detail, name="statement_detail"),
    path("financement/etats/<int:statement_id>/pdf/", statements.statement_pdf_download, name="statement_pdf"),
    path("financement/etats/<int:statement_id>/detail.csv", statements.statement_csv_download, name="statement_csv"),
]
