"""The API's envelope: token authentication, JSON errors with stable codes, scoping, rate limit, OpenAPI."""

import time_machine
from django.test import Client
from django.utils import timezone

from portal.roles import Role
from portal.tokens import api_token_create
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of


def test_without_or_with_a_bad_token_is_401():
    client = Client()
    response = client.get("/api/v1/structures")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    response = client.get("/api/v1/structures", headers={"Authorization": "Bearer pcp_inconnu"})
    assert response.status_code == 401


def test_a_token_sees_what_its_owner_sees(api_client_for):
    paca, cvl = RegionFactory(code="PACA"), RegionFactory(code="CVL")
    mine, other_paca, foreign = (
        StructureFactory(region=paca),
        StructureFactory(region=paca),
        StructureFactory(region=cvl),
    )
    coordinator_api = api_client_for(coordinator_of(mine))
    assert [s["id"] for s in coordinator_api.get("/structures").json()["items"]] == [mine.pk]
    response = coordinator_api.get(f"/structures/{other_paca.pk}")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Structure introuvable ou hors de votre périmètre.",
        "errors": [],
    }
    instructor_api = api_client_for(agent_of(paca, Role.INSTRUCTOR))
    assert {s["id"] for s in instructor_api.get("/structures").json()["items"]} == {mine.pk, other_paca.pk}
    assert instructor_api.get(f"/structures/{foreign.pk}").status_code == 404


def test_invalid_parameter_is_422_with_the_field():
    paca = RegionFactory(code="PACA")
    from portal.tokens import api_token_create

    _token, key = api_token_create(user=coordinator_of(StructureFactory(region=paca)), name="t", scope="read")
    response = Client().get("/api/v1/structures/abc", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["errors"][0]["field"] == "structure_id"


def test_rate_limit_answers_429_with_retry_after(api_client_for, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    api = api_client_for(coordinator_of(StructureFactory()))
    with time_machine.travel(timezone.now().replace(second=15), tick=False):
        assert [api.get("/structures").status_code for _ in range(2)] == [200, 200]
        response = api.get("/structures")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response["Retry-After"] == "45"


def test_openapi_schema_and_docs_are_published():
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/structures" in document["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_token_lifecycle_seen_from_the_api(api_client_for):
    """Hash at rest, last use recorded, expiry and revocation: the API answers 401 as soon as a token is unusable."""
    import datetime

    from portal.models import ApiToken
    from portal.tokens import api_token_revoke
    from tests.api.conftest import ApiClient

    user = coordinator_of(StructureFactory())
    token, key = api_token_create(user=user, name="Logiciel", scope="read", days=2)
    assert not ApiToken.objects.filter(key_hash=key).exists() and key not in token.prefix
    api = ApiClient(key)
    assert api.get("/structures").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, seconds=1)):
        expired = api.get("/structures")
        assert (expired.status_code, expired.json()["code"]) == (401, "unauthenticated")
    api_token_revoke(token=token, by=user)
    assert api.get("/structures").status_code == 401
    assert ApiClient(key + "x").get("/structures").status_code == 401


def test_a_wrong_method_is_a_json_405(api_client_for):
    api = api_client_for(coordinator_of(StructureFactory()))
    response = api.client.delete("/api/v1/structures", headers=api.headers)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
