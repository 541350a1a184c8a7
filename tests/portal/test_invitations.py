"""Invitations: nobody is enrolled without accepting in their own account."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.urls import reverse

from portal import services
from portal.errors import ApplicationError
from portal.models import Invitation, RegionMembership, StructureMembership
from portal.roles import Role
from tests.portal.factories import (
    ProfessionalFactory,
    RegionFactory,
    StructureFactory,
    UserFactory,
    agent_of,
    coordinator_of,
)


@pytest.fixture
def structure():
    return StructureFactory(region=RegionFactory(code="PACA"))


def test_coordinator_invites_a_professional_who_accepts(client, structure, django_capture_on_commit_callbacks):
    coordinator = coordinator_of(structure)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:structure_invite", kwargs={"structure_id": structure.pk}),
            {"email": "Nouvelle.IDE@exemple.fr", "role": Role.PROFESSIONAL, "message": "Bienvenue"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nouvelle.ide@exemple.fr"
    assert not StructureMembership.objects.filter(user__email="nouvelle.ide@exemple.fr").exists()
    assert len(mail.outbox) == 1
    link = re.search(r"http\S+/invitations/lien/\S+/", mail.outbox[0].body).group(0)

    invitee = UserFactory(email="nouvelle.ide@exemple.fr")
    client.force_login(invitee)
    response = client.get(urlparse(link).path)
    assert response.status_code == 302
    respond_url = response.url
    # Accepting without a professional identity is refused, with the reason, and nothing is written.
    response = client.post(respond_url, {"decision": "accept"})
    assert response.status_code == 400
    assert not StructureMembership.objects.filter(user=invitee).exists()
    response = client.post(
        respond_url, {"decision": "accept", "pro-profession": "infirmier", "pro-rpps": "10000000025"}
    )
    assert response.status_code == 302
    assert StructureMembership.objects.filter(user=invitee, structure=structure, role=Role.PROFESSIONAL).exists()
    assert invitee.professional.rpps == "10000000025"
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee


def test_bad_rpps_key_is_a_form_error_and_nothing_is_saved(client, structure):
    invitation = services.invitation_create(
        by=coordinator_of(structure), email="ide@exemple.fr", role=Role.PROFESSIONAL, structure=structure
    )
    client.force_login(UserFactory(email="ide@exemple.fr"))
    url = reverse("portal:invitation_respond", kwargs={"invitation_id": invitation.pk})
    response = client.post(url, {"decision": "accept", "pro-profession": "infirmier", "pro-rpps": "10000000026"})
    assert response.status_code == 400
    assert "clé de contrôle du numéro RPPS" in response.content.decode()
    assert not StructureMembership.objects.filter(structure=structure, role=Role.PROFESSIONAL).exists()


def test_someone_else_cannot_answer(client, structure):
    invitation = services.invitation_create(
        by=coordinator_of(structure), email="ide@exemple.fr", role=Role.PROFESSIONAL, structure=structure
    )
    client.force_login(UserFactory(email="autre@exemple.fr"))
    url = reverse("portal:invitation_respond", kwargs={"invitation_id": invitation.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "accept"}).status_code == 404


def test_decline(client, structure):
    invitation = services.invitation_create(
        by=coordinator_of(structure), email="ide@exemple.fr", role=Role.PROFESSIONAL, structure=structure
    )
    user = ProfessionalFactory(user__email="ide@exemple.fr").user
    client.force_login(user)
    client.post(reverse("portal:invitation_respond", kwargs={"invitation_id": invitation.pk}), {"decision": "decline"})
    invitation.refresh_from_db()
    assert invitation.declined_at and not invitation.accepted_at
    assert not StructureMembership.objects.filter(user=user).exists()
    with pytest.raises(ApplicationError, match="plus valable"):
        services.invitation_accept(invitation=invitation, user=user)


def test_only_coordinators_and_region_admins_invite(structure):
    professional = ProfessionalFactory().user
    StructureMembership.objects.create(user=professional, structure=structure, role=Role.PROFESSIONAL)
    with pytest.raises(ApplicationError):
        services.invitation_create(by=professional, email="x@exemple.fr", role=Role.PROFESSIONAL, structure=structure)
    instructor = agent_of(structure.region, Role.INSTRUCTOR)
    with pytest.raises(ApplicationError):
        services.invitation_create(by=instructor, email="x@exemple.fr", role=Role.INSTRUCTOR, region=structure.region)
    admin = agent_of(structure.region, Role.REGION_ADMIN)
    services.invitation_create(by=admin, email="x@exemple.fr", role=Role.COORDINATOR, structure=structure)
    foreign_admin = agent_of(RegionFactory(code="CVL"), Role.REGION_ADMIN)
    with pytest.raises(ApplicationError):
        services.invitation_create(by=foreign_admin, email="y@exemple.fr", role=Role.PROFESSIONAL, structure=structure)


def test_region_admin_invites_staff(client, structure):
    admin = agent_of(structure.region, Role.REGION_ADMIN)
    client.force_login(admin)
    url = reverse("portal:region_staff", kwargs={"region_id": structure.region_id})
    response = client.post(url, {"email": "agent@ars.sante.fr", "role": Role.FINANCE_OFFICER})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="agent@ars.sante.fr")
    agent = UserFactory(email="agent@ars.sante.fr")
    services.invitation_accept(invitation=invitation, user=agent)
    assert RegionMembership.objects.filter(user=agent, role=Role.FINANCE_OFFICER, region=structure.region).exists()
    # A duplicate invitation is a form error, not a 500.
    response = client.post(url, {"email": "agent@ars.sante.fr", "role": Role.FINANCE_OFFICER})
    assert response.status_code == 400
    assert "déjà ce rôle" in response.content.decode()


def test_last_coordinator_cannot_be_removed(structure):
    coordinator = coordinator_of(structure)
    membership = StructureMembership.objects.get(user=coordinator)
    with pytest.raises(ApplicationError, match="au moins un coordinateur"):
        services.membership_remove(membership=membership, by=coordinator)
