"""The client's address that every per-IP limit counts (portal.ratelimit.client_ip), read as allauth reads it."""

import pytest
from allauth.core.internal.httpkit import get_client_ip as allauth_client_ip
from django.test import RequestFactory, override_settings

from portal.ratelimit import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.2"),
        (0, "203.0.113.1", "10.0.0.2"),  # nobody trusted: the header is the client's word
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "198.51.100.9, 203.0.113.1", "203.0.113.1"),  # the left entry was written by the client
        (2, "198.51.100.9, 203.0.113.1, 10.0.0.5", "203.0.113.1"),
        (1, "", "10.0.0.2"),
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address_behind_trusted_proxies(proxies, forwarded, expected):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", headers=headers)
    with override_settings(TRUSTED_PROXY_COUNT=proxies, ALLAUTH_TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected
        assert allauth_client_ip(request) == expected  # the same rule as allauth's own


@pytest.mark.parametrize("forwarded", ["n'importe quoi", "", " , ", "999.1.1.1"])
def test_a_malformed_header_falls_back_to_the_peer(forwarded):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", headers={"X-Forwarded-For": forwarded})
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "10.0.0.2"


def test_a_header_shorter_than_the_proxy_chain_gives_its_first_entry():
    """allauth refuses such a request (ImproperlyConfigured, a 500); the portal reads the entry one of its
    proxies wrote (the request skipped the outer one)."""
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", headers={"X-Forwarded-For": "203.0.113.1"})
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "203.0.113.1"
