import pytest
from django.test import Client

from portal.tokens import api_token_create


class ApiClient:
    """A test client that authenticates every request with a personal API token."""

    def __init__(self, raw_key: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw_key}"}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path, payload):
        return self.client.post(f"/api/v1{path}", payload, content_type="application/json", headers=self.headers)


@pytest.fixture
def api_client_for():
    def make(user, scope="read"):
        _token, raw_key = api_token_create(user=user, name="tests", scope=scope)
        return ApiClient(raw_key)

    return make
