from django.urls import path

from reporting.views import audit, dashboards, home

urlpatterns = [
    path("", home.home, name="home"),
    path("ars/journal/", audit.audit_log, name="audit_log"),
    path("tableau-de-bord/", dashboards.dashboard, name="dashboard"),
    path("ars/tableau-de-bord/", dashboards.agency_dashboard, name="agency_dashboard"),
]
