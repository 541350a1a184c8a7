"""Routes of the biannual reports and the region's consolidations."""

from django.urls import path

from reporting.views import consolidations, indicators, reports, review

urlpatterns = [
    path("rapports/", reports.report_list, name="report_list"),
    path("rapports/<int:report_id>/", reports.report_detail, name="report_detail"),
    path("rapports/<int:report_id>/enregistrer/", reports.report_autosave, name="report_autosave"),
    path("rapports/<int:report_id>/transmettre/", reports.report_submit_view, name="report_submit"),
    path("rapports/<int:report_id>/pdf/", reports.report_pdf, name="report_pdf"),
    path("ars/rapports/", review.report_agency_list, name="report_agency_list"),
    path("ars/rapports/<int:report_id>/", review.report_review, name="report_review"),
    path(
        "ars/rapports/<int:report_id>/modifications/",
        review.report_request_changes_view,
        name="report_request_changes",
    ),
    path("ars/rapports/<int:report_id>/accepter/", review.report_accept_view, name="report_accept"),
    path("ars/consolidations/", consolidations.consolidation_list, name="consolidation_list"),
    path(
        "ars/consolidations/<int:consolidation_id>/", consolidations.consolidation_detail, name="consolidation_detail"
    ),
    path(
        "ars/consolidations/<int:consolidation_id>/progression/",
        consolidations.consolidation_progress,
        name="consolidation_progress",
    ),
    path("ars/consolidations/<int:consolidation_id>/pdf/", consolidations.consolidation_pdf, name="consolidation_pdf"),
    path(
        "ars/consolidations/<int:consolidation_id>/xlsx/", consolidations.consolidation_xlsx, name="consolidation_xlsx"
    ),
    path("ars/indicateurs-de-suivi/", indicators.indicator_comparison_index, name="indicator_comparison_index"),
    path("ars/indicateurs-de-suivi/<int:campaign_id>/", indicators.indicator_comparison, name="indicator_comparison"),
    path(
        "ars/indicateurs-de-suivi/<int:campaign_id>/csv/",
        indicators.indicator_comparison_csv,
        name="indicator_comparison_csv",
    ),
    path(
        "ars/indicateurs-de-suivi/<int:campaign_id>/xlsx/",
        indicators.indicator_comparison_xlsx,
        name="indicator_comparison_xlsx",
    ),
]
