"""Teams: invitation by the coordinator, individual acceptance in the professional's own account, departures, and
the automatic new version of the declaration at every join or leave after the first deposit."""

import html

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.errors import ApplicationError
from protocols.models import Declaration, MembershipStatus, ProtocolEvent, TeamMembership
from protocols.services import declarations as declaration_services
from protocols.services import teams as services
from protocols.signals import eligibility_inputs_changed
from tests.portal.factories import StructureFactory, professional_of
from tests.protocols.conftest import D, join, written_protocol
from tests.protocols.factories import TeamMembershipFactory


@pytest.fixture
def protocol(msp):
    return written_protocol(msp)


def _declared(msp, protocol):
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 15))
    declaration_services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    protocol.refresh_from_db()
    return protocol


def test_coordinator_invites_from_the_team_page_and_the_professional_is_told(client, msp, protocol):
    client.force_login(msp.coordinator)
    with_commit = client.post(
        reverse("protocols:team_invite", kwargs={"protocol_id": protocol.pk}),
        {"professional": msp.pro(msp.nurse).pk, "role": "delegate"},
    )
    assert with_commit.status_code == 302
    membership = TeamMembership.objects.get(protocol=protocol)
    assert membership.status == MembershipStatus.INVITED and membership.joined_on is None
    assert membership.documents.count() == 6
    assert ProtocolEvent.objects.filter(protocol=protocol, kind="invited").exists()


def test_invitation_mail_is_sent_on_commit(django_capture_on_commit_callbacks, msp, protocol):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.team_invite(
            protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator
        )
    assert mail.outbox[-1].to == [msp.nurse.email]
    assert reverse("protocols:team_membership_respond", args=[membership.pk]) in mail.outbox[-1].body


def test_only_professionals_of_the_structure_with_a_planned_profession_are_invited(msp, protocol):
    outsider = professional_of(StructureFactory(region=msp.structure.region))
    with pytest.raises(ApplicationError, match="membres de la structure"):
        services.team_invite(protocol=protocol, professional=msp.pro(outsider), role="delegate", by=msp.coordinator)
    with pytest.raises(ApplicationError, match="délégants : Médecin ; .* est infirmier"):
        services.team_invite(protocol=protocol, professional=msp.pro(msp.nurse), role="delegant", by=msp.coordinator)
    with pytest.raises(ApplicationError, match="Seul un coordinateur"):
        services.team_invite(protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.doctor)


def test_a_second_pending_invitation_is_refused(client, msp, protocol):
    services.team_invite(protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator)
    client.force_login(msp.coordinator)
    response = client.post(
        reverse("protocols:team_invite", kwargs={"protocol_id": protocol.pk}),
        {"professional": msp.pro(msp.nurse).pk, "role": "delegate"},
    )
    assert response.status_code == 400
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembershipFactory(protocol=protocol, professional=msp.pro(msp.nurse), invited=True)


def test_only_the_invited_professional_accepts(client, msp, protocol):
    membership = services.team_invite(
        protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator
    )
    url = reverse("protocols:team_membership_respond", kwargs={"team_membership_id": membership.pk})
    client.force_login(msp.pharmacist)  # a professional of the same structure
    assert client.post(url, {"decision": "accept", "engagement": "on"}).status_code == 404
    client.force_login(msp.coordinator)  # the coordinator cannot enrol anyone
    assert client.post(url, {"decision": "accept", "engagement": "on"}).status_code == 403
    with pytest.raises(ApplicationError, match="Seul le professionnel invité"):
        services.team_invitation_accept(membership=membership, by=msp.coordinator)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.INVITED


def test_acceptance_needs_the_voluntary_engagement(client, msp, protocol):
    membership = services.team_invite(
        protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator
    )
    client.force_login(msp.nurse)
    url = reverse("protocols:team_membership_respond", kwargs={"team_membership_id": membership.pk})
    response = client.post(url, {"decision": "accept"})
    assert response.status_code == 400
    assert "Cochez cette case pour confirmer votre adhésion individuelle." in response.content.decode()
    assert client.post(url, {"decision": "accept", "engagement": "on"}).status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACCEPTED and membership.joined_on is not None


def test_decline_and_withdraw(client, msp, protocol):
    declined = services.team_invite(
        protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator
    )
    client.force_login(msp.nurse)
    url = reverse("protocols:team_membership_respond", kwargs={"team_membership_id": declined.pk})
    assert client.post(url, {"decision": "decline"}).status_code == 302
    declined.refresh_from_db()
    assert declined.status == MembershipStatus.DECLINED
    withdrawn = services.team_invite(
        protocol=protocol, professional=msp.pro(msp.pharmacist), role="delegate", by=msp.coordinator
    )
    client.force_login(msp.coordinator)
    client.post(reverse("protocols:team_invitation_withdraw", kwargs={"team_membership_id": withdrawn.pk}))
    withdrawn.refresh_from_db()
    assert withdrawn.status == MembershipStatus.WITHDRAWN
    with pytest.raises(ApplicationError, match="plus en attente"):
        services.team_invitation_accept(membership=withdrawn, by=msp.pharmacist)


def test_joins_before_the_first_deposit_make_no_version(msp, protocol):
    join(protocol, msp, msp.doctor, "delegant", D(2025, 2, 1))
    assert not Declaration.objects.exists()


def test_every_join_after_the_first_deposit_deposits_the_next_version(msp, protocol):
    protocol = _declared(msp, protocol)
    membership = join(protocol, msp, msp.pharmacist, "delegate", D(2025, 5, 1))
    versions = list(protocol.declarations.order_by("version"))
    assert [(d.version, d.reason, d.deposited_on) for d in versions] == [
        (1, "first", D(2025, 3, 1)),
        (2, "join", D(2025, 5, 1)),
    ]
    assert [row["membership_id"] for row in versions[1].team_snapshot][-1] == membership.pk
    assert len(versions[0].team_snapshot) == 2 and len(versions[1].team_snapshot) == 3
    assert versions[1].deposited_by == msp.pharmacist


def test_every_leave_after_the_first_deposit_deposits_the_next_version(time_machine, msp, protocol):
    protocol = _declared(msp, protocol)
    nurse = protocol.team.get(professional__user=msp.nurse)
    time_machine.move_to("2025-07-10 10:00+02:00")
    services.team_member_leave(membership=nurse, by=msp.coordinator, left_on=D(2025, 7, 1))
    last = protocol.declarations.order_by("-version").first()
    assert (last.version, last.reason, last.deposited_on) == (2, "leave", D(2025, 7, 10))
    assert [row["name"] for row in last.team_snapshot] == [msp.doctor.get_full_name()]


def test_leave_date_must_follow_the_join(client, msp, protocol):
    protocol = _declared(msp, protocol)
    nurse = protocol.team.get(professional__user=msp.nurse)
    client.force_login(msp.coordinator)
    url = reverse("protocols:team_member_leave", kwargs={"team_membership_id": nurse.pk})
    response = client.post(url, {"left_on": "2025-03-01"})
    assert response.status_code == 400
    assert "La date de départ doit suivre la date d'arrivée (01/03/2025)." in html.unescape(response.content.decode())
    assert client.post(url, {"left_on": "2025-03-02"}).status_code == 302
    nurse.refresh_from_db()
    assert nurse.left_on == D(2025, 3, 2)
    with pytest.raises(ApplicationError, match="pas \\(ou plus\\) dans l'équipe"):
        services.team_member_leave(membership=nurse, by=msp.coordinator, left_on=D(2025, 4, 1))


def test_a_member_may_record_their_own_departure_but_not_a_colleague(msp, protocol):
    protocol = _declared(msp, protocol)
    doctor = protocol.team.get(professional__user=msp.doctor)
    with pytest.raises(ApplicationError):
        services.team_member_leave(membership=doctor, by=msp.nurse, left_on=D(2025, 6, 1))
    services.team_member_leave(membership=doctor, by=msp.doctor, left_on=D(2025, 6, 1))


def test_a_comeback_is_a_new_membership_that_cannot_overlap(msp, protocol):
    protocol = _declared(msp, protocol)
    nurse = protocol.team.get(professional__user=msp.nurse)
    services.team_member_leave(membership=nurse, by=msp.coordinator, left_on=D(2025, 6, 1))
    comeback = services.team_invite(
        protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator
    )
    with pytest.raises(ApplicationError, match="déjà dans l'équipe"):
        services.team_invitation_accept(membership=comeback, by=msp.nurse, on=D(2025, 5, 31))
    services.team_invitation_accept(membership=comeback, by=msp.nurse)  # today, after the last version
    assert protocol.team.filter(professional=msp.pro(msp.nurse), status="accepted").count() == 2


def test_overlapping_memberships_are_refused_by_the_database(msp, protocol):
    TeamMembershipFactory(
        protocol=protocol, professional=msp.pro(msp.nurse), joined_on=D(2025, 3, 1), left_on=D(2025, 6, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembershipFactory(protocol=protocol, professional=msp.pro(msp.nurse), joined_on=D(2025, 5, 31))
    # Back-to-back is fine: the departure day is excluded from the first window.
    TeamMembershipFactory(protocol=protocol, professional=msp.pro(msp.nurse), joined_on=D(2025, 6, 1))


def test_a_join_cannot_predate_the_last_version(msp, protocol):
    protocol = _declared(msp, protocol)
    membership = services.team_invite(
        protocol=protocol, professional=msp.pro(msp.pharmacist), role="delegate", by=msp.coordinator
    )
    with pytest.raises(ApplicationError, match="ne peut pas être antérieure"):
        services.team_invitation_accept(membership=membership, by=msp.pharmacist, on=D(2025, 2, 1))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.INVITED  # nothing half-saved


def test_join_and_leave_signal_eligibility_inside_the_services_transaction(msp, protocol):
    """The signal contract (protocols/signals.py): sent once per change, inside the service's transaction, so that a
    receiver that fails (funding cannot compute the eligibility) undoes the change instead of leaving it half-done."""
    received = []

    def receiver(sender, protocol_id, since, **kwargs):
        received.append((protocol_id, since))

    def failing_receiver(sender, **kwargs):
        raise RuntimeError("éligibilité impossible à calculer")

    eligibility_inputs_changed.connect(receiver)
    try:
        membership = join(protocol, msp, msp.nurse, "delegate", D(2025, 4, 2))
        assert (protocol.pk, D(2025, 4, 2)) in received
        received.clear()
        eligibility_inputs_changed.connect(failing_receiver)
        with pytest.raises(RuntimeError):
            services.team_member_leave(membership=membership, by=msp.coordinator, left_on=D(2025, 9, 30))
        membership.refresh_from_db()
        assert membership.left_on is None  # rolled back with the failing receiver
        eligibility_inputs_changed.disconnect(failing_receiver)
        services.team_member_leave(membership=membership, by=msp.coordinator, left_on=D(2025, 9, 30))
        assert received[-1] == (protocol.pk, D(2025, 9, 30))
    finally:
        eligibility_inputs_changed.disconnect(failing_receiver)
        eligibility_inputs_changed.disconnect(receiver)
