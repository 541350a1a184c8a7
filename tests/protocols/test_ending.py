"""The ARS ends a protocol's implementation (issue 17 point 2; seed 001: it "peut suspendre ou annuler la mise en
œuvre"): who may, from which states, the last day's bounds, the history, the letter to the coordinators, the
button, and the eligibility recomputed on the transition. The money: ``tests/funding/test_protocol_end_money.py``."""

import html

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import Protocol, ProtocolEnding, ProtocolEvent, Suspension, can_end
from protocols.services import declarations as declaration_services
from protocols.services import endings as services
from protocols.services import teams as team_services
from protocols.services import vigilance
from protocols.signals import eligibility_inputs_changed
from tests.portal.factories import RegionFactory, agent_of
from tests.protocols.conftest import D, join, written_protocol
from tests.protocols.test_protocol_editor import pdf_text


@pytest.fixture
def declared(msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 15))
    declaration_services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    protocol.refresh_from_db()
    return protocol


@pytest.fixture
def region_admin(msp):
    return agent_of(msp.structure.region, Role.REGION_ADMIN)


def _end(protocol, by, **overrides):
    data = {"ended_on": D(2025, 9, 30), "ground": "eig", "motive": "Réorientation tardive vers le médecin"}
    return services.protocol_end(protocol=protocol, by=by, **{**data, **overrides})


def test_an_instructor_ends_the_protocol_with_history_and_the_coordinator_gets_the_letter(
    client, django_capture_on_commit_callbacks, msp, declared
):
    client.force_login(msp.instructor)
    url = reverse("protocols:protocol_end", kwargs={"protocol_id": declared.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"ended_on": "2025-09-30", "ground": "ei_repetes", "motive": "Trois chutes en un mois"}
        )
    assert response.status_code == 302
    declared.refresh_from_db()
    assert (declared.status, declared.ended_on) == ("ended", D(2025, 9, 30))
    ending = ProtocolEnding.objects.get(protocol=declared)
    assert (ending.ground, ending.decided_by) == ("ei_repetes", msp.instructor)
    assert ending.motive == "Trois chutes en un mois"
    # The business story and the audit trail both keep the step.
    event = ProtocolEvent.objects.get(protocol=declared, kind="ended")
    assert (event.occurred_on, event.by) == (D(2025, 9, 30), msp.instructor)
    assert "Trois chutes" in event.detail
    assert declared.history.first().status == "ended"
    # The letter: stored with its hash, e-mailed to the coordinator as a PDF.
    ending.refresh_from_db()
    assert ending.letter and len(ending.letter_sha256) == 64 and ending.letter_sent_at is not None
    message = mail.outbox[-1]
    assert message.to == [msp.coordinator.email] and "annulée par l'ARS" in message.subject
    assert "30/09/2025 est le dernier jour" in message.body and "01/10/2025" in message.body
    [(name, pdf, mimetype)] = message.attachments
    assert (name, mimetype) == (f"fin-de-mise-en-oeuvre-{declared.code}.pdf", "application/pdf")
    text = pdf_text(pdf)
    assert "Annulation de la mise en œuvre d'un protocole de coopération" in text
    assert "30 septembre 2025 est le dernier jour de mise en œuvre" in text
    assert "1 octobre 2025" in text and "Événements indésirables répétés" in text and "Trois chutes en un mois" in text
    assert msp.structure.name in text and "définitive" in text
    # A second delivery of the task sends nothing more.
    sent = len(mail.outbox)
    services.protocol_end_letter_send(ending_id=ending.pk)
    assert len(mail.outbox) == sent
    # The page shows the end and the letter; the button is gone.
    page = html.unescape(client.get(reverse("protocols:declaration_list", kwargs={"protocol_id": declared.pk})).text)
    assert "Mise en œuvre annulée par l'ARS : dernier jour le 30/09/2025" in page
    assert reverse("protocols:protocol_end_letter", kwargs={"ending_id": ending.pk}) in page
    assert url not in page


def test_the_coordinator_reads_the_letter_a_team_member_does_not(client, msp, declared):
    ending = _end(declared, msp.instructor)
    url = reverse("protocols:protocol_end_letter", kwargs={"ending_id": ending.pk})
    client.force_login(msp.coordinator)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Réorientation tardive" in pdf_text(b"".join(response.streaming_content))
    ending.refresh_from_db()
    assert ending.letter_sha256  # rendered on demand once, then served as stored
    client.force_login(msp.nurse)
    assert client.get(url).status_code == 403
    client.force_login(agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR))
    assert client.get(url).status_code == 404


def test_the_region_admin_may_end_too(msp, declared, region_admin):
    assert can_end(region_admin, declared)
    _end(declared, region_admin)
    assert Protocol.objects.get(pk=declared.pk).status == "ended"


@pytest.mark.parametrize("who", ["coordinator", "nurse", "finance", "committee", "other_region_instructor"])
def test_who_cannot_end_a_protocol(client, msp, declared, who):
    user = {
        "coordinator": msp.coordinator,
        "nurse": msp.nurse,
        "finance": agent_of(msp.structure.region, Role.FINANCE_OFFICER),
        "committee": agent_of(msp.structure.region, Role.COMMITTEE_MEMBER),
        "other_region_instructor": agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR),
    }[who]
    assert not can_end(user, declared)
    with pytest.raises(ApplicationError, match="Seuls un instructeur ou l'administrateur régional") as refused:
        _end(declared, user)
    assert refused.value.code == "forbidden"
    client.force_login(user)
    url = reverse("protocols:protocol_end", kwargs={"protocol_id": declared.pk})
    expected = 404 if who == "other_region_instructor" else 403
    assert client.get(url).status_code == expected
    assert client.post(url, {"ended_on": "2025-09-30", "ground": "eig", "motive": "x"}).status_code == expected
    assert Protocol.objects.get(pk=declared.pk).status == "declared"
    assert not ProtocolEnding.objects.exists()


def test_which_states_cannot_be_ended(client, msp, declared):
    draft = written_protocol(msp, code="LOC-BROUILLON")
    assert not can_end(msp.instructor, draft)
    with pytest.raises(ApplicationError, match="n'a pas été déclaré"):
        _end(draft, msp.instructor)
    _end(declared, msp.instructor)
    declared.refresh_from_db()
    assert not can_end(msp.instructor, declared)
    # Ended is final: neither a second end nor a reopening by a new deposit, a suspension or a new member.
    with pytest.raises(ApplicationError, match="a déjà pris fin le 30/09/2025"):
        _end(declared, msp.instructor, ended_on=D(2025, 12, 31))
    with pytest.raises(ApplicationError, match="annulée par l'ARS : il ne se déclare plus"):
        declaration_services.declaration_deposit(protocol=declared, by=msp.coordinator, on=D(2025, 10, 2))
    with pytest.raises(ApplicationError, match="Seul un protocole déclaré"):
        vigilance.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2025, 10, 2), reason="x")
    with pytest.raises(ApplicationError, match="son équipe ne change plus"):
        team_services.team_invite(
            protocol=declared, professional=msp.pro(msp.pharmacist), role="delegate", by=msp.coordinator
        )
    assert Protocol.objects.get(pk=declared.pk).ended_on == D(2025, 9, 30)
    # A stale tab: the page says why and goes back to the declarations, never a 500.
    client.force_login(msp.instructor)
    url = reverse("protocols:protocol_end", kwargs={"protocol_id": declared.pk})
    response = client.post(url, {"ended_on": "2025-12-31", "ground": "eig", "motive": "x"}, follow=True)
    assert "a déjà pris fin le 30/09/2025" in html.unescape(response.content.decode())
    assert ProtocolEnding.objects.count() == 1


def test_the_last_day_is_not_before_the_declaration_and_the_form_says_what_is_missing(client, msp, declared):
    with pytest.raises(ApplicationError, match="en vigueur depuis le 01/03/2025") as refused:
        _end(declared, msp.instructor, ended_on=D(2025, 2, 28))
    assert refused.value.field == "ended_on"
    with pytest.raises(ApplicationError, match="motif de la décision"):
        _end(declared, msp.instructor, motive="   ")
    client.force_login(msp.instructor)
    url = reverse("protocols:protocol_end", kwargs={"protocol_id": declared.pk})
    response = client.post(url, {"ended_on": "2025-02-28", "ground": "eig", "motive": "Motif"})
    assert response.status_code == 400
    assert "sa mise en œuvre ne peut pas prendre fin avant" in html.unescape(response.content.decode())
    assert client.post(url, {"ended_on": "", "ground": "", "motive": ""}).status_code == 400
    assert Protocol.objects.get(pk=declared.pk).status == "declared" and not ProtocolEnding.objects.exists()
    # The declaration day itself is a valid last day (the protocol covered that one day).
    _end(declared, msp.instructor, ended_on=D(2025, 3, 1))
    assert Protocol.objects.get(pk=declared.pk).ended_on == D(2025, 3, 1)


def test_the_database_ties_the_ended_state_to_its_last_day(msp, declared):
    with pytest.raises(IntegrityError), transaction.atomic():
        Protocol.objects.filter(pk=declared.pk).update(status="ended")
    with pytest.raises(IntegrityError), transaction.atomic():
        Protocol.objects.filter(pk=declared.pk).update(ended_on=D(2025, 9, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        Protocol.objects.filter(pk=declared.pk).update(status="ended", ended_on=D(2025, 2, 1))
    Protocol.objects.filter(pk=declared.pk).update(status="ended", ended_on=D(2025, 3, 1))


def test_an_open_suspension_is_lifted_the_day_after_the_last_day(msp, declared):
    suspension = vigilance.protocol_suspend(
        protocol=declared, by=msp.instructor, starts_on=D(2025, 9, 1), reason="EIG en cours d'analyse"
    )
    _end(declared, msp.instructor, ended_on=D(2025, 9, 30))
    suspension.refresh_from_db()
    assert (suspension.lifted_on, suspension.lifted_by) == (D(2025, 10, 1), msp.instructor)
    assert ProtocolEvent.objects.filter(protocol=declared, kind="lifted", occurred_on=D(2025, 10, 1)).exists()


def test_a_suspension_starting_after_the_last_day_must_be_lifted_first(msp, declared):
    vigilance.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2025, 10, 15), reason="EIG")
    with pytest.raises(ApplicationError, match="La suspension en cours commence le 15/10/2025"):
        _end(declared, msp.instructor, ended_on=D(2025, 9, 30))
    assert Suspension.objects.get(protocol=declared).lifted_on is None
    assert Protocol.objects.get(pk=declared.pk).status == "declared"


def test_the_end_recomputes_the_protocols_eligibility_from_the_next_day(
    django_capture_on_commit_callbacks, msp, declared
):
    received = []

    def receiver(sender, protocol_id, since=None, **kwargs):
        received.append((protocol_id, since))

    eligibility_inputs_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _end(declared, msp.instructor, ended_on=D(2025, 9, 30))
    finally:
        eligibility_inputs_changed.disconnect(receiver)
    assert received == [(declared.pk, D(2025, 10, 1))]


def test_the_button_shows_only_when_the_predicate_says_so(client, msp, declared, region_admin):
    url = reverse("protocols:declaration_list", kwargs={"protocol_id": declared.pk})
    end_url = reverse("protocols:protocol_end", kwargs={"protocol_id": declared.pk})
    for user, shown in ((msp.instructor, True), (region_admin, True), (msp.coordinator, False)):
        client.force_login(user)
        assert (end_url in client.get(url).content.decode()) is shown, user
    draft = written_protocol(msp, code="LOC-BROUILLON")
    client.force_login(msp.instructor)
    draft_page = client.get(reverse("protocols:declaration_list", kwargs={"protocol_id": draft.pk})).content.decode()
    assert reverse("protocols:protocol_end", kwargs={"protocol_id": draft.pk}) not in draft_page
    form = client.get(end_url)
    assert form.status_code == 200
    assert "suspendre ou annuler la mise en œuvre" in html.unescape(form.content.decode())


def test_the_intervention_form_says_the_protocol_has_ended(msp, declared):
    from protocols.services.interventions import intervention_problems

    _end(declared, msp.instructor, ended_on=D(2025, 9, 30))
    declared.refresh_from_db()
    problems = intervention_problems(
        protocol=declared,
        delegate=msp.pro(msp.nurse),
        delegant=msp.pro(msp.doctor),
        performed_on=D(2025, 10, 1),
        episode_reference="EP-1",
    )
    ended = "La mise en œuvre du protocole a été annulée par l'ARS : son dernier jour était le 30/09/2025."
    assert problems == {"performed_on": [ended]}
    assert (
        intervention_problems(
            protocol=declared,
            delegate=msp.pro(msp.nurse),
            delegant=msp.pro(msp.doctor),
            performed_on=D(2025, 9, 30),
            episode_reference="EP-2",
        )
        == {}
    )
