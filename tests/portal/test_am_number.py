"""The N° AM, a professional's optional identifier in the ARS's tableau de reporting: shown and edited wherever his
professional identity is."""

from django.urls import reverse

from portal import services
from portal.roles import Role
from tests.portal.factories import ProfessionalFactory, StructureFactory, UserFactory, coordinator_of


def test_the_account_page_shows_and_saves_the_n_am(client):
    professional = ProfessionalFactory(rpps="10000000025")
    client.force_login(professional.user)
    response = client.post(
        reverse("portal:account"),
        {
            "professional": "1",
            "pro-profession": "infirmier",
            "pro-rpps": "10000000025",
            "pro-am_number": "131234567",
        },
    )
    assert response.status_code == 302
    professional.refresh_from_db()
    assert professional.am_number == "131234567"
    page = client.get(reverse("portal:account")).content.decode()
    assert "N° AM : 131234567" in page
    assert 'name="pro-am_number"' in page


def test_a_malformed_n_am_is_a_form_error_and_nothing_is_saved(client):
    professional = ProfessionalFactory(rpps="10000000025")
    client.force_login(professional.user)
    response = client.post(
        reverse("portal:account"),
        {"professional": "1", "pro-profession": "infirmier", "pro-rpps": "10000000025", "pro-am_number": "12345"},
    )
    assert response.status_code == 400
    assert "(N° AM) doit comporter 9 chiffres" in response.content.decode()
    professional.refresh_from_db()
    assert professional.am_number is None


def test_a_professional_gives_his_n_am_when_accepting_an_invitation(client):
    structure = StructureFactory()
    invitation = services.invitation_create(
        by=coordinator_of(structure), email="ide@exemple.fr", role=Role.PROFESSIONAL, structure=structure
    )
    invitee = UserFactory(email="ide@exemple.fr")
    client.force_login(invitee)
    url = reverse("portal:invitation_respond", kwargs={"invitation_id": invitation.pk})
    assert 'name="pro-am_number"' in client.get(url).content.decode()
    response = client.post(
        url,
        {"decision": "accept", "pro-profession": "infirmier", "pro-rpps": "10000000025", "pro-am_number": "131234567"},
    )
    assert response.status_code == 302
    assert invitee.professional.am_number == "131234567"
