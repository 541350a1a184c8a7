"""API v1: one NinjaAPI assembled from the routers of each app (config wires the apps, it is not a layer).

Why django-ninja rather than DRF + drf-spectacular: see docs/decisions.md.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from portal import api as portal_api
from portal.errors import ApplicationError

api = NinjaAPI(
    title="API du portail des protocoles de coopération",
    version="1.0.0",
    description=(
        "API des logiciels métier (saisie des interventions) et des systèmes d'information des ARS "
        "(dossiers, états de versement). Authentification : `Authorization: Bearer <clé>` avec un jeton "
        "personnel créé dans « Mon compte › Jetons d'API ». Un jeton voit exactement ce que voit son titulaire."
    ),
    auth=portal_api.TokenAuth(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/", portal_api.router)


def _error(request, status, code, message, errors=None, headers=None):
    response = api.create_response(request, {"code": code, "message": message, "errors": errors or []}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(portal_api.ApiError)
def on_api_error(request, exc):
    return _error(request, exc.status_code, exc.code, exc.message, exc.errors, exc.headers)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, 401, "unauthenticated", "Jeton d'API absent, inconnu, expiré ou révoqué.")


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    errors = [
        {"field": ".".join(str(part) for part in error.get("loc", [])[1:]), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return _error(request, 422, "invalid_request", "La requête contient des données invalides.", errors)


@api.exception_handler(ApplicationError)
def on_application_error(request, exc):
    return _error(request, 409, exc.code, exc.message)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "Objet introuvable ou hors de votre périmètre.")


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    codes = {400: "bad_request", 403: "forbidden", 405: "method_not_allowed", 429: "rate_limited"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))
