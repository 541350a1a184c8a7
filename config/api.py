"""API v1: one NinjaAPI assembled from the routers of each app (config wires the apps, it is not a layer).

Why django-ninja rather than DRF + drf-spectacular: see docs/decisions.md. The guide for software vendors is
docs/api.md.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from funding import api as funding_api
from portal import api as portal_api
from portal.errors import ApplicationError
from protocols import api as protocols_api

api = NinjaAPI(
    title="API du portail des protocoles de coopération",
    version="1.0.0",
    description=(
        "API des logiciels métier (saisie des interventions) et des systèmes d'information des ARS "
        "(dossiers, états de versement). Authentification : `Authorization: Bearer <clé>` avec un jeton "
        "personnel créé dans « Mon compte › Jetons d'API ». Un jeton voit exactement ce que voit son titulaire. "
        'Erreurs : `{"code", "message", "errors"}` avec un code stable et un message en français. '
        "Listes paginées par curseur (`cursor`, `limit`) ; 400 requêtes par minute et par jeton."
    ),
    auth=portal_api.TokenAuth(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/", portal_api.router)
api.add_router("/", protocols_api.router)
api.add_router("/", protocols_api.interventions_router)
api.add_router("/", funding_api.dossiers_router)
api.add_router("/", funding_api.statements_router)


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


# French messages for pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/).
VALIDATION_MESSAGES = {
    "missing": "Valeur obligatoire manquante.",
    "int_parsing": "Nombre entier attendu.",
    "int_type": "Nombre entier attendu.",
    "int_from_float": "Nombre entier attendu.",
    "float_parsing": "Nombre attendu.",
    "float_type": "Nombre attendu.",
    "bool_parsing": "Booléen attendu (true ou false).",
    "bool_type": "Booléen attendu (true ou false).",
    "date_parsing": "Date attendue au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Date attendue au format AAAA-MM-JJ.",
    "date_from_datetime_inexact": "Date attendue au format AAAA-MM-JJ, sans heure.",
    "date_type": "Date attendue au format AAAA-MM-JJ.",
    "string_type": "Texte attendu.",
    "string_too_short": "Texte trop court ({min_length} caractère(s) au moins).",
    "string_too_long": "Texte trop long ({max_length} caractères au plus).",
    "string_pattern_mismatch": "Format non reconnu.",
    "too_short": "Pas assez d'éléments ({min_length} au moins).",
    "too_long": "Trop d'éléments ({max_length} au plus).",
    "greater_than": "La valeur doit dépasser {gt}.",
    "greater_than_equal": "La valeur doit être au moins {ge}.",
    "less_than": "La valeur doit être inférieure à {lt}.",
    "less_than_equal": "La valeur doit être au plus {le}.",
    "literal_error": "Valeur non reconnue (valeurs possibles : {expected}).",
    "enum": "Valeur non reconnue (valeurs possibles : {expected}).",
    "list_type": "Liste attendue.",
    "model_type": "Objet JSON attendu.",
    "model_attributes_type": "Objet JSON attendu.",
    "dict_type": "Objet JSON attendu.",
    "extra_forbidden": "Champ inconnu.",
    "json_invalid": "JSON invalide.",
}
# The first items of a pydantic location say where the value came from (body, query, path) and, for a parameter
# declared as a schema, its Python name: the client never sees either.
LOCATION_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
PARAMETER_NAMES = {"payload", "page", "filters"}


def french_message(error: dict) -> str:
    template = VALIDATION_MESSAGES.get(error.get("type", ""), "Valeur invalide.")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return VALIDATION_MESSAGES.get(error.get("type", ""), "Valeur invalide.").split(" (")[0]


def field_name(location) -> str:
    parts = list(location or [])
    if parts and parts[0] in LOCATION_SOURCES:
        parts = parts[1:]
    if parts and parts[0] in PARAMETER_NAMES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    errors = [{"field": field_name(error.get("loc")), "message": french_message(error)} for error in exc.errors]
    return _error(request, 422, "invalid_request", "La requête contient des données invalides.", errors)


# ApplicationError codes that are not a conflict with the state of the data.
APPLICATION_STATUSES = {"forbidden": 403, "invalid_rows": 422}


@api.exception_handler(ApplicationError)
def on_application_error(request, exc):
    status = APPLICATION_STATUSES.get(exc.code, 409)
    errors = getattr(exc, "errors", None) or ([{"field": exc.field, "message": exc.message}] if exc.field else [])
    return _error(request, status, exc.code, exc.message, errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "Objet introuvable ou hors de votre périmètre.")


HTTP_ERRORS = {
    400: ("bad_request", "Requête illisible : le corps doit être un document JSON valide (UTF-8)."),
    403: ("forbidden", "Action non autorisée."),
    405: ("method_not_allowed", "Méthode HTTP non permise sur cette adresse."),
    429: ("rate_limited", "Trop de requêtes : réessayez dans quelques secondes."),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    # ninja's own refusals carry English messages: answer in French with a stable code.
    code, message = HTTP_ERRORS.get(exc.status_code, ("error", "Requête refusée."))
    return _error(request, exc.status_code, code, message)
