"""The national role (``pilote_national``): granted only by a platform superadmin, by an invitation the person
accepts; TOTP like every agent; held with no region, so every ``visible_to`` gives it nothing and its only door is
the national door of the regions."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from funding.models import Dossier, Grant, Statement
from portal import services
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import Invitation, Professional, Region, RegionMembership, Structure, User
from portal.roles import NATIONAL_ROLES, Role
from protocols.models import Intervention, Protocol
from tests.portal.factories import (
    RegionFactory,
    UserFactory,
    agent_of,
    national_pilot,
    professional_of,
)

URL = reverse("portal:national_pilots")


@pytest.fixture
def superadmin():
    return UserFactory(email="super@exemple.fr", is_superuser=True, is_staff=True, with_totp=True)


def test_the_superadmin_invites_and_the_person_accepts(client, superadmin, django_capture_on_commit_callbacks):
    client.force_login(superadmin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"email": "Pilote@DGOS.fr", "message": "Bienvenue"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.region, invitation.structure) == (Role.NATIONAL_PILOT, None, None)
    assert "niveau national" in mail.outbox[0].subject
    assert not RegionMembership.objects.national().exists()  # nobody is enrolled before accepting

    invitee = UserFactory(email="pilote@dgos.fr")
    client.force_login(invitee)
    response = client.post(
        reverse("portal:invitation_respond", kwargs={"invitation_id": invitation.pk}), {"decision": "accept"}
    )
    assert response.status_code == 302
    membership = RegionMembership.objects.get(user=invitee)
    assert (membership.region, membership.role) == (None, Role.NATIONAL_PILOT)
    scope = get_scope(User.objects.get(pk=invitee.pk))
    assert scope.roles == {Role.NATIONAL_PILOT} and scope.is_agency_user and scope.sees_national_aggregates
    assert scope.region_ids() == set() and scope.region_ids(NATIONAL_ROLES) == set()

    client.force_login(superadmin)
    page = client.get(URL).content.decode()
    assert "pilote@dgos.fr" in page
    response = client.post(reverse("portal:national_pilot_remove", kwargs={"region_membership_id": membership.pk}))
    assert response.status_code == 302 and not RegionMembership.objects.national().exists()


@pytest.mark.parametrize("role", [Role.REGION_ADMIN, Role.INSTRUCTOR])
def test_only_a_superadmin_grants_it(client, role):
    region = RegionFactory(code="PACA")
    agent = agent_of(region, role)
    with pytest.raises(ApplicationError):
        services.invitation_create(by=agent, email="x@exemple.fr", role=Role.NATIONAL_PILOT)
    # Nor through an ARS, nor through the region admin's staff page (its form offers ARS roles only).
    with pytest.raises(ApplicationError):
        services.invitation_create(by=agent, email="x@exemple.fr", role=Role.NATIONAL_PILOT, region=region)
    client.force_login(agent)
    assert client.get(URL).status_code == 403
    if role == Role.REGION_ADMIN:
        client.post(
            reverse("portal:region_staff", kwargs={"region_id": region.pk}),
            {"email": "x@exemple.fr", "role": Role.NATIONAL_PILOT},
        )
    assert not Invitation.objects.exists()


def test_a_region_admin_cannot_remove_a_national_role(client):
    pilot = national_pilot()
    admin = agent_of(RegionFactory(code="PACA"), Role.REGION_ADMIN)
    membership = pilot.region_memberships.get()
    with pytest.raises(ApplicationError):
        services.membership_remove(membership=membership, by=admin)
    client.force_login(admin)
    url = reverse("portal:region_membership_remove", kwargs={"region_membership_id": membership.pk})
    assert client.post(url).status_code == 404
    assert RegionMembership.objects.national().count() == 1


def test_the_database_ties_national_roles_to_no_region():
    user, region = UserFactory(), RegionFactory(code="PACA")
    with transaction.atomic(), pytest.raises(IntegrityError):
        RegionMembership.objects.create(user=user, region=region, role=Role.NATIONAL_PILOT)
    with transaction.atomic(), pytest.raises(IntegrityError):
        RegionMembership.objects.create(user=user, region=None, role=Role.INSTRUCTOR)
    RegionMembership.objects.create(user=user, region=None, role=Role.NATIONAL_PILOT)
    with transaction.atomic(), pytest.raises(IntegrityError):
        RegionMembership.objects.create(user=user, region=None, role=Role.NATIONAL_PILOT)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Invitation.objects.create(
            email="x@exemple.fr",
            role=Role.NATIONAL_PILOT,
            region=region,
            token_hash="a" * 64,
            invited_by=user,
            expires_at="2030-01-01T00:00:00Z",
        )


def test_every_scoped_queryset_gives_it_nothing(client):
    """The one access mechanism: a national pilot is no agent of any region, so no row reaches it; only the
    regions themselves, asked for through the national roles, open to it."""
    from tests.funding.statement_scenarios import GrantScenario

    scenario = GrantScenario()
    scenario.add("2025-03-03", 2)
    professional_of(scenario.grant.structure)
    pilot = national_pilot()
    for model in (Structure, Professional, Protocol, Intervention, Dossier, Grant, Statement, Region):
        assert not model.objects.visible_to(pilot).exists(), model.__name__
    assert list(User.objects.visible_to(pilot)) == [pilot]  # a user sees themself, nobody else
    assert Region.objects.visible_to(pilot, roles=NATIONAL_ROLES).count() == Region.objects.count()
    # The national door is not a door for ARS staff.
    instructor = agent_of(scenario.region)
    assert list(Region.objects.visible_to(instructor, roles=NATIONAL_ROLES)) == []


def test_totp_is_mandatory(client):
    pilot = national_pilot(user__with_totp=False)
    client.force_login(pilot)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("portal:totp_enrollment")
