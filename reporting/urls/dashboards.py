"""Routes of the dashboards; filters are GET parameters, no URL args."""

from django.urls import path

from reporting.views import dashboards

urlpatterns = [
    path("tableau-de-bord/", dashboards.dashboard, name="dashboard"),
    path("ars/tableau-de-bord/", dashboards.agency_dashboard, name="agency_dashboard"),
]
