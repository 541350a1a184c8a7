"""API v1, portal part: token authentication, the JSON error format, cursor pagination, and the structures endpoints.

Every error is JSON ``{"code": "<stable code>", "message": "<French sentence>", "errors": [...]}``. A token sees
exactly what its owner sees: endpoints read through the same ``visible_to(user)`` as the web pages.

Lists are paginated by an opaque cursor over the primary key (``id`` ascending): rows created while a client pages
land after the rows it has already read, so nothing is read twice or skipped, and the last ``next_cursor`` of a
complete read is where an incremental synchronisation resumes later.
"""

import base64
import binascii
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import PlainSerializer, WithJsonSchema

from portal.models import Structure
from portal.ratelimit import client_ip, window_blocked, window_hit
from portal.tokens import api_rate_limit, api_token_authenticate

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
CURSOR_PREFIX = "v1:"


# Amounts in euros as exact decimal strings ("25.00"), never binary floats.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?[0-9]+\.[0-9]{2}$",
            "description": "Montant en euros",
            "examples": ["25.00"],
        }
    ),
]


class ApiError(HttpError):
    """An API refusal with a stable code and a French message."""

    def __init__(self, status_code: int, code: str, message: str, *, errors: list | None = None, headers=None):
        super().__init__(status_code, message)
        self.code, self.message, self.errors, self.headers = code, message, errors or [], headers or {}


class ErrorItem(Schema):
    """One problem: the field in cause (and, for a row of interventions, its number and the value sent)."""

    field: str = Field("", description="Champ en cause (vide : la requête entière).")
    message: str = Field(..., description="Message en français.")
    row: int | None = Field(None, description="Numéro de la ligne du lot (la première est 1).")
    value: str | None = Field(None, description="Valeur reçue.")


class ErrorOut(Schema):
    code: str = Field(..., description="Code stable, à tester par les programmes.", examples=["not_found"])
    message: str = Field(..., description="Message en français, à montrer aux personnes.")
    errors: list[ErrorItem] = Field(default_factory=list)


ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 422, 429})


def errors(*statuses: int) -> dict:
    """The ``response`` entries of the error statuses an operation may answer (all of them by default)."""
    return {frozenset(statuses or ERROR_STATUSES): ErrorOut}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` with a personal API token; counts the request against its rate limit."""

    openapi_description = "Jeton personnel créé dans « Mon compte › Jetons d'API » (ou `manage.py create_api_token`)."

    def authenticate(self, request, token):
        # Unknown keys are counted per client address: guessing keys from one address stops after a few tries.
        failures_key = f"api-auth-failures:{client_ip(request)}"
        blocked = window_blocked(failures_key, settings.API_AUTH_FAILURES_PER_MINUTE)
        if blocked is not None:
            raise ApiError(
                429,
                "rate_limited",
                "Trop de jetons refusés depuis votre adresse : réessayez dans une minute.",
                headers={"Retry-After": str(blocked)},
            )
        api_token = api_token_authenticate(token)
        if api_token is None:
            window_hit(failures_key, settings.API_AUTH_FAILURES_PER_MINUTE)
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


def get_visible(queryset: QuerySet, pk: int, what: str):
    """The object ``pk`` of an already scoped queryset, or a 404 that never tells whether it exists elsewhere."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise not_found(what)
    return found


# Cursor pagination ---------------------------------------------------------------------------------------------


class PageParams(Schema):
    cursor: str | None = Field(
        None, max_length=100, description="Curseur opaque : le `next_cursor` de la page précédente."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Lignes par page (1 à {MAX_LIMIT}).")


class Page(Schema):
    next_cursor: str = Field(
        ...,
        description="À renvoyer dans `cursor` pour la page suivante ; en fin de lecture, à garder pour lire plus "
        "tard les lignes créées depuis.",
    )
    has_more: bool = Field(..., description="Vrai s'il reste des lignes après cette page.")


def encode_cursor(*key: int) -> str:
    """An opaque cursor for the position after ``key`` (the sort key of the last row read: an id, or a tuple)."""
    text = CURSOR_PREFIX + ".".join(str(int(part)) for part in key)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, size: int = 1) -> tuple[int, ...] | None:
    """The key a cursor encodes (``size`` integers), None without a cursor; a 400 for anything else."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError(text)
        key = tuple(int(part) for part in text.removeprefix(CURSOR_PREFIX).split("."))
        if len(key) != size or any(not 0 <= part < 2**63 for part in key):
            raise ValueError(text)
        return key
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise ApiError(
            400, "invalid_cursor", "Curseur de pagination invalide : reprenez le `next_cursor` d'une réponse."
        ) from error


def paginate(queryset: QuerySet, page: PageParams) -> dict:
    """One page of ``queryset`` in ``id`` order, after the cursor: one query, whatever the number of rows."""
    (after,) = decode_cursor(page.cursor) or (0,)
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: page.limit + 1])
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].pk if rows else after), "has_more": has_more}


# Structures ----------------------------------------------------------------------------------------------------


class StructureOut(Schema):
    id: int
    kind: str = Field(..., description="MSP, CDS, CPTS ou ESP.")
    name: str
    finess: str
    siret: str
    commune: str
    departement: str
    region: str = Field(..., description="Code de la région (ARS).")
    priority_zones: list[str]

    @staticmethod
    def resolve_region(obj):
        return obj.region.code


class StructurePage(Page):
    items: list[StructureOut]


router = Router(tags=["Structures"])


@router.get(
    "/structures",
    response={200: StructurePage, **errors(400, 401, 422, 429)},
    summary="Structures visibles par le titulaire du jeton",
)
def list_structures(request, page: Query[PageParams]):
    return paginate(Structure.objects.visible_to(request.user).select_related("region"), page)


@router.get(
    "/structures/{structure_id}", response={200: StructureOut, **errors(401, 404, 422, 429)}, summary="Une structure"
)
def get_structure(request, structure_id: int):
    return get_visible(Structure.objects.visible_to(request.user).select_related("region"), structure_id, "Structure")
