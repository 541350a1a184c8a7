"""Routes of the national view, the impact of a wave and the open data."""

from django.urls import path

from reporting.views import impact, national, opendata

urlpatterns = [
    path("national/", national.national_dashboard, name="national_dashboard"),
    path("national/regions/<int:region_id>/", national.national_region, name="national_region"),
    path("national/export.csv", national.national_export_csv, name="national_export_csv"),
    path("national/export.xlsx", national.national_export_xlsx, name="national_export_xlsx"),
    path("ars/impact/", impact.wave_impact_index, name="wave_impact_index"),
    path("ars/impact/<int:campaign_id>/", impact.wave_impact, name="wave_impact"),
    path("donnees-ouvertes/", opendata.open_data, name="open_data"),
    path("donnees-ouvertes/protocoles-cooperation.csv", opendata.open_data_csv, name="open_data_csv"),
    path("donnees-ouvertes/protocoles-cooperation.json", opendata.open_data_json, name="open_data_json"),
    path("donnees-ouvertes/schema.json", opendata.open_data_schema, name="open_data_schema"),
]
