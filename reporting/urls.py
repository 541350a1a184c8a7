from django.urls import path

from reporting import urls_dashboards, urls_national, urls_reports
from reporting.views import audit, home

urlpatterns = [
    path("", home.home, name="home"),
    path("ars/journal/", audit.audit_log, name="audit_log"),
    *urls_dashboards.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_national.urlpatterns,
]
