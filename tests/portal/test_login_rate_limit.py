"""Failed logins are rate-limited in the cache (Redis): the sixth wrong password for an e-mail is refused."""

from django.urls import reverse

from tests.portal.factories import StructureFactory, coordinator_of


def test_repeated_failed_logins_are_blocked(client, settings):
    user = coordinator_of(StructureFactory(), user__email="cible@exemple.fr")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "mauvais-mot-de-passe"})
        assert response.status_code == 200
        assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.content.decode()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "mauvais-mot-de-passe"})
    assert "Trop de tentatives" in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("account_login"), {"login": user.email, "password": settings.DEMO_PASSWORD})
    assert response.status_code != 302


PROXY = "10.0.0.2"  # the reverse proxy, as gunicorn sees it


def _failed_login(client, n, client_address, *, forwarded=None):
    forwarded = forwarded or client_address
    return client.post(
        reverse("account_login"),
        {"login": f"inconnu{n}@exemple.fr", "password": "mauvais-mot-de-passe"},
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-For": forwarded},
    )


def _is_limited(response) -> bool:
    return "Trop de tentatives" in response.content.decode()


def test_two_clients_behind_one_proxy_are_limited_separately(client, settings):
    """10 failed logins per minute and per address: behind the proxy, the address is the client's, not the proxy's."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        assert not _is_limited(_failed_login(client, n, "203.0.113.1"))
    assert _is_limited(_failed_login(client, 10, "203.0.113.1"))
    # The other client behind the same proxy still has his budget; a forged entry on the left changes nothing.
    assert not _is_limited(_failed_login(client, 11, "203.0.113.2"))
    assert _is_limited(_failed_login(client, 12, "203.0.113.1", forwarded="198.51.100.9, 203.0.113.1"))


def test_without_a_trusted_proxy_a_forged_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        assert not _is_limited(_failed_login(client, n, f"198.51.100.{n}"))
    assert _is_limited(_failed_login(client, 10, "198.51.100.200"))
