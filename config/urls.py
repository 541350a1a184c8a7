from django.contrib import admin
from django.urls import include, path

from config.api import api
from portal.views.health import healthz, ping

admin.site.site_header = "Portail des protocoles de coopération — administration technique"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("comptes/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin-technique/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("protocols.urls")),
    path("", include("funding.urls")),
    path("", include("reporting.urls")),
]
