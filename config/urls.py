from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config.api import api
from portal.federation.client import callback as federation_callback
from portal.views.health import healthz, ping
from portal.views.mfa import totp_activate

admin.site.site_header = "Portail des protocoles de coopération — administration technique"
# The admin has no login form of its own: its login page sends to the portal's (allauth: rate limits, TOTP).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    # allauth's TOTP activation, behind the mailbox proof of a first enrollment (same path, matched first).
    path("comptes/2fa/totp/activate/", totp_activate, name="mfa_activate_totp"),
    # The ProConnect / PSC redirect URI, with the portal's checks (nonce, signatures: portal.federation.client);
    # same path as allauth's, matched first.
    path("comptes/oidc/<str:provider_id>/login/callback/", federation_callback, name="federation_callback"),
    path("comptes/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin-technique/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("protocols.urls")),
    path("", include("funding.urls")),
    path("", include("reporting.urls")),
]
