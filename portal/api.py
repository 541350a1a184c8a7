"""API v1, portal part: token authentication, the JSON error format, and the structures endpoints.

Every error is JSON ``{"code": "<stable code>", "message": "<French sentence>", "errors": [...]}``. A token sees
exactly what its owner sees: endpoints read through the same ``visible_to(user)`` as the web pages.
"""

from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from portal.models import Structure
from portal.tokens import api_rate_limit, api_token_authenticate


class ApiError(HttpError):
    """An API refusal with a stable code and a French message."""

    def __init__(self, status_code: int, code: str, message: str, *, errors: list | None = None, headers=None):
        super().__init__(status_code, message)
        self.code, self.message, self.errors, self.headers = code, message, errors or [], headers or {}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` with a personal API token; counts the request against its rate limit."""

    def authenticate(self, request, token):
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        retry_after = api_rate_limit(api_token)
        if retry_after is not None:
            raise ApiError(
                429,
                "rate_limited",
                "Trop de requêtes pour ce jeton : réessayez dans quelques secondes.",
                headers={"Retry-After": str(retry_after)},
            )
        request.user = api_token.user
        request.api_token = api_token
        return api_token


def require_write(request) -> None:
    """Write endpoints need a token of scope "write" (read + write interventions)."""
    if request.api_token.scope != "write":
        raise ApiError(403, "read_only_token", "Ce jeton ne permet que la lecture.")


def not_found(what: str = "Objet") -> ApiError:
    return ApiError(404, "not_found", f"{what} introuvable ou hors de votre périmètre.")


class StructureOut(Schema):
    id: int
    kind: str
    name: str
    finess: str
    siret: str
    commune: str
    departement: str
    region: str
    priority_zones: list[str]

    @staticmethod
    def resolve_region(obj):
        return obj.region.code


router = Router(tags=["Structures"])


@router.get("/structures", response=list[StructureOut], summary="Structures visibles par le titulaire du jeton")
def list_structures(request):
    return Structure.objects.visible_to(request.user).select_related("region").order_by("name", "id")


@router.get("/structures/{structure_id}", response=StructureOut, summary="Une structure")
def get_structure(request, structure_id: int):
    structure = Structure.objects.visible_to(request.user).select_related("region").filter(pk=structure_id).first()
    if structure is None:
        raise not_found("Structure")
    return structure
