"""All reporting routes share the "reporting" namespace; each area keeps its routes in its own module."""

from django.urls import path

from reporting.urls import dashboards, national, reports
from reporting.views import audit, home

app_name = "reporting"

urlpatterns = [
    path("", home.home, name="home"),
    path("ars/journal/", audit.audit_log, name="audit_log"),
    *dashboards.urlpatterns,
    *reports.urlpatterns,
    *national.urlpatterns,
]
