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
