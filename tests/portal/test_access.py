"""Scoping per role: what each kind of user sees through ``visible_to``."""

import pytest

from portal.access import get_scope
from portal.models import Invitation, Professional, Region, Structure, User
from portal.roles import Role
from tests.portal.factories import (
    InvitationFactory,
    RegionFactory,
    RegionMembershipFactory,
    StructureFactory,
    UserFactory,
    agent_of,
    coordinator_of,
    professional_of,
)


@pytest.fixture
def regions():
    return RegionFactory(code="PACA"), RegionFactory(code="CVL")


@pytest.fixture
def structures(regions):
    paca, cvl = regions
    return {
        "msp": StructureFactory(region=paca),
        "cpts": StructureFactory(region=paca, cpts=True),
        "cvl": StructureFactory(region=cvl),
    }


def test_coordinator_sees_only_their_structures(structures):
    coordinator = coordinator_of(structures["msp"])
    assert list(Structure.objects.visible_to(coordinator)) == [structures["msp"]]


def test_coordinator_of_two_structures_sees_both(structures):
    coordinator = coordinator_of(structures["msp"])
    coordinator_of(structures["cpts"], user=coordinator)
    assert set(Structure.objects.visible_to(coordinator)) == {structures["msp"], structures["cpts"]}


def test_agency_roles_see_their_region_only(structures):
    for role in (Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN):
        agent = agent_of(structures["msp"].region, role)
        assert set(Structure.objects.visible_to(agent)) == {structures["msp"], structures["cpts"]}


def test_a_committee_member_sees_no_structure_region_wide(structures):
    """Need-to-know: he reaches the structures of the dossiers assigned to him only (tests/security/)."""
    member = agent_of(structures["msp"].region, Role.COMMITTEE_MEMBER)
    assert not Structure.objects.visible_to(member).exists()


def test_roles_argument_narrows_the_scope(structures):
    user = coordinator_of(structures["msp"])
    RegionMembershipFactory(user=user, region=structures["cvl"].region, role=Role.FINANCE_OFFICER)
    assert set(Structure.objects.visible_to(user)) == {structures["msp"], structures["cvl"]}
    assert list(Structure.objects.visible_to(user, roles=[Role.COORDINATOR])) == [structures["msp"]]
    assert list(Structure.objects.visible_to(user, roles=[Role.INSTRUCTOR])) == []


def test_outsider_and_anonymous_see_nothing(structures):
    from django.contrib.auth.models import AnonymousUser

    assert not Structure.objects.visible_to(UserFactory()).exists()
    assert not Structure.objects.visible_to(AnonymousUser()).exists()


def test_superadmin_sees_all(structures):
    superadmin = UserFactory(is_superuser=True)
    assert Structure.objects.visible_to(superadmin).count() == Structure.objects.count()


def test_people_visible_to_coordinators_and_agents(structures):
    nurse = professional_of(structures["msp"])
    foreign_nurse = professional_of(structures["cvl"])
    coordinator = coordinator_of(structures["msp"])
    visible = set(User.objects.visible_to(coordinator))
    assert nurse in visible and coordinator in visible and foreign_nurse not in visible
    instructor = agent_of(structures["msp"].region)
    assert set(Professional.objects.visible_to(instructor)) == {nurse.professional}
    # A professional sees themself, not their colleagues.
    assert set(User.objects.visible_to(nurse)) == {nurse}


def test_regions_visible(structures):
    coordinator = coordinator_of(structures["msp"])
    assert list(Region.objects.visible_to(coordinator)) == [structures["msp"].region]


def test_invitations_visible_to_inviters_and_invitee(structures):
    coordinator = coordinator_of(structures["msp"])
    invitation = InvitationFactory(structure=structures["msp"], invited_by=coordinator, email="ide@exemple.fr")
    InvitationFactory(structure=structures["cvl"])
    assert list(Invitation.objects.visible_to(coordinator)) == [invitation]
    invitee = UserFactory(email="ide@exemple.fr")
    assert list(Invitation.objects.visible_to(invitee)) == [invitation]
    assert not Invitation.objects.visible_to(UserFactory()).exists()


def test_scope_is_loaded_once_per_user_object(structures, django_assert_num_queries):
    coordinator = coordinator_of(structures["msp"])
    coordinator = User.objects.get(pk=coordinator.pk)
    with django_assert_num_queries(2):  # structure roles, agency roles
        get_scope(coordinator)
        get_scope(coordinator)
