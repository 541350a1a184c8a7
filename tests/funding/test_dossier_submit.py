"""Submitting a dossier: the deadline in Paris time, the frozen snapshot, the receipt, the database guards."""

import datetime
import html
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from funding.models import Dossier, DossierState, DossierTransition
from funding.services.dossiers import dossier_save_draft, dossier_submit
from funding.services.snapshots import sha256_of
from portal.errors import ApplicationError
from protocols.models import TeamRole
from tests.funding.factories import DossierFactory, WaveFactory
from tests.portal.factories import ProfessionalFactory, coordinator_of
from tests.protocols.factories import TeamMembershipFactory

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def dossier():
    dossier = DossierFactory(complete=True)
    TeamMembershipFactory(protocol=dossier.protocol, delegant=True)
    TeamMembershipFactory(protocol=dossier.protocol)
    return dossier


@pytest.fixture
def coordinator(dossier):
    return coordinator_of(dossier.structure, user__first_name="Claire", user__last_name="Martin")


def test_one_second_before_the_deadline_is_in_time(dossier, coordinator):
    with time_machine.travel(paris(2025, 1, 15, 7, 59, 59), tick=False):
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    assert dossier.submitted_at == paris(2025, 1, 15, 7, 59, 59)
    assert dossier.transitions.get().to_state == DossierState.SUBMITTED


@pytest.mark.parametrize("moment", [paris(2025, 1, 15, 8, 0, 0), paris(2025, 1, 15, 8, 0, 1), paris(2025, 2, 1, 9, 0)])
def test_at_or_after_the_deadline_is_refused(dossier, coordinator, moment):
    with time_machine.travel(moment, tick=False), pytest.raises(ApplicationError) as refused:
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    assert refused.value.code == "deadline_passed"
    assert "15 janvier 2025 à 08:00 (heure de Paris)" in refused.value.message
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT
    assert not DossierTransition.objects.exists()


@pytest.mark.parametrize(("moment", "closed"), [(paris(2025, 1, 15, 7, 59, 59), False), (paris(2025, 1, 15, 8), True)])
def test_the_submit_page_tells_the_deadline_the_service_applies(client, dossier, coordinator, moment, closed):
    """The page's « La date limite est passée » and the service's refusal are the one ``Wave.deposit_closed``."""
    client.force_login(coordinator)
    with time_machine.travel(moment, tick=False):
        page = page_text(client.get(reverse("funding:dossier_submit", kwargs={"dossier_id": dossier.pk})))
        assert ("La date limite est passée" in page) is closed
        assert dossier.wave.deposit_closed() is closed
        if closed:
            with pytest.raises(ApplicationError, match="date limite"):
                dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
        else:
            dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)


@pytest.mark.parametrize(
    ("deadline", "moment", "accepted"),
    [
        # Winter (UTC+1): 08:00 in Paris is 07:00 UTC; 07:30 UTC is already late.
        (paris(2025, 1, 15, 8, 0), datetime.datetime(2025, 1, 15, 6, 59, 59, tzinfo=UTC), True),
        (paris(2025, 1, 15, 8, 0), datetime.datetime(2025, 1, 15, 7, 30, tzinfo=UTC), False),
        # Summer (UTC+2): 08:00 in Paris is 06:00 UTC; 06:30 UTC is late although it is "before 08:00" in UTC.
        (paris(2025, 7, 1, 8, 0), paris(2025, 7, 1, 7, 59, 59), True),
        (paris(2025, 7, 1, 8, 0), datetime.datetime(2025, 7, 1, 6, 0, 0, tzinfo=UTC), False),
        (paris(2025, 7, 1, 8, 0), datetime.datetime(2025, 7, 1, 6, 30, tzinfo=UTC), False),
    ],
)
def test_deadline_is_paris_time_in_winter_and_summer(deadline, moment, accepted):
    wave = WaveFactory(opens_at=paris(2024, 11, 1, 9, 0), deadline=deadline)
    dossier = DossierFactory(complete=True, wave=wave, structure__region=wave.campaign.region)
    coordinator = coordinator_of(dossier.structure)
    with time_machine.travel(moment, tick=False):
        if accepted:
            dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
        else:
            with pytest.raises(ApplicationError):
                dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    dossier.refresh_from_db()
    assert (dossier.state == DossierState.SUBMITTED) is accepted


def test_a_page_opened_before_the_deadline_cannot_submit_after_it(client, dossier, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_submit", kwargs={"dossier_id": dossier.pk})
    with time_machine.travel(paris(2025, 1, 15, 7, 58), tick=False):
        page = client.get(url)
    assert page.status_code == 200
    assert "Déposer le dossier" in page_text(page)
    with time_machine.travel(paris(2025, 1, 15, 8, 0, 0), tick=False):
        response = client.post(url, {"sworn_statement": "on"})
    assert response.status_code == 400
    assert "La date limite de dépôt était le 15 janvier 2025 à 08:00 (heure de Paris)" in page_text(response)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT


def test_submit_through_the_page_in_time(client, dossier, coordinator):
    client.force_login(coordinator)
    url = reverse("funding:dossier_submit", kwargs={"dossier_id": dossier.pk})
    with time_machine.travel(paris(2025, 1, 15, 7, 59, 59), tick=False):
        without_statement = client.post(url, {})
        assert without_statement.status_code == 400
        assert "Cochez l'attestation sur l'honneur" in page_text(without_statement)
        response = client.post(url, {"sworn_statement": "on"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED
    assert dossier.sworn_statement


def test_refusals_before_any_write(dossier, coordinator):
    with time_machine.travel(paris(2025, 1, 10, 10, 0), tick=False):
        with pytest.raises(ApplicationError) as refused:
            dossier_submit(dossier=dossier, by=coordinator, sworn_statement=False)
        assert refused.value.code == "sworn_statement"
        stranger = coordinator_of(DossierFactory().structure)
        with pytest.raises(ApplicationError) as refused:
            dossier_submit(dossier=dossier, by=stranger, sworn_statement=True)
        assert refused.value.code == "forbidden"
        Dossier.objects.filter(pk=dossier.pk).update(quality_approach="")
        dossier.refresh_from_db()
        with pytest.raises(ApplicationError) as refused:
            dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
        assert refused.value.code == "incomplete"
        assert "Démarche qualité et sécurité des soins" in refused.value.message
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.DRAFT


def test_a_dossier_is_submitted_once(dossier, coordinator):
    with time_machine.travel(paris(2025, 1, 10, 10, 0), tick=False):
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
        with pytest.raises(ApplicationError) as refused:
            dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    assert refused.value.code == "already_submitted"
    assert dossier.transitions.count() == 1


def test_the_snapshot_freezes_the_answers_and_the_team(dossier, coordinator):
    with time_machine.travel(paris(2025, 1, 10, 10, 42, 7), tick=False):
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    dossier.refresh_from_db()
    snapshot = dossier.snapshot
    assert snapshot["reference"] == dossier.reference
    assert snapshot["submitted_at"] == "2025-01-10T10:42:07+01:00"
    assert snapshot["submitted_by"] == {"name": "Claire Martin", "email": coordinator.email}
    assert snapshot["structure"]["finess"] == dossier.structure.finess
    sharing = {item["name"]: item["value"] for item in snapshot["sections"]["sharing"]["fields"]}
    assert sharing["delegant_share_percent"] == 40
    assert sorted(member["role"] for member in snapshot["team"]) == ["Délégant", "Délégué"]
    assert snapshot["attachments"][0]["sha256"] == dossier.attachments.get().sha256
    # The hash is reproducible from the stored JSON (canonical serialisation).
    assert sha256_of(snapshot) == dossier.snapshot_sha256
    # A later change of the protocol's team does not touch the deposit.
    TeamMembershipFactory(
        protocol=dossier.protocol, role=TeamRole.DELEGATE, professional=ProfessionalFactory(profession="pharmacien")
    )
    dossier.refresh_from_db()
    assert len(dossier.snapshot["team"]) == 2
    assert sha256_of(dossier.snapshot) == dossier.snapshot_sha256


def test_the_deposit_is_immutable(dossier, coordinator):
    with time_machine.travel(paris(2025, 1, 10, 10, 0), tick=False):
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    dossier.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        dossier_save_draft(dossier=dossier, by=coordinator, data={"territory_needs": "Autre chose"})
    assert refused.value.code == "not_editable"
    # Whatever the path (shell, bug), the database keeps the deposit as it was.
    for change in (
        {"snapshot": {"forged": True}},
        {"snapshot_sha256": "f" * 64},
        {"submitted_at": paris(2025, 1, 14, 10, 0)},
        {"reference": "AMI-PACA-2025-999"},
        {"state": DossierState.DRAFT},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Dossier.objects.filter(pk=dossier.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        dossier.attachments.all().delete()
    assert Dossier.objects.get(pk=dossier.pk).snapshot_sha256 == sha256_of(dossier.snapshot)


def test_receipt_pdf_is_generated_stored_and_emailed(dossier, coordinator, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(paris(2025, 1, 10, 10, 42, 7), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    dossier.refresh_from_db()
    assert dossier.receipt_sha256 and dossier.receipt_sent_at
    with dossier.receipt.open("rb") as stored:
        data = stored.read()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    assert "Récépissé de dépôt" in text
    assert dossier.reference in text
    assert "10 janvier 2025 à 10:42:07" in text
    assert dossier.structure.name in text
    assert dossier.snapshot_sha256 in text
    assert "Projet de santé" in text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert dossier.reference in message.subject
    assert set(message.to) == {coordinator.email, dossier.contact_email}
    assert message.attachments[0][0] == f"recepisse-{dossier.reference}.pdf"
    assert message.attachments[0][1] == data
    # Issuing again (a retried task) neither regenerates nor re-sends.
    from funding.services.documents import dossier_receipt_issue

    dossier_receipt_issue(dossier_id=dossier.pk)
    assert len(mail.outbox) == 1
    assert Dossier.objects.get(pk=dossier.pk).receipt_sha256 == dossier.receipt_sha256


def test_receipt_download_generates_it_when_the_task_has_not_run(client, dossier, coordinator):
    with time_machine.travel(paris(2025, 1, 10, 10, 0), tick=False):
        dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    client.force_login(coordinator)
    response = client.get(reverse("funding:dossier_receipt", kwargs={"dossier_id": dossier.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Dossier.objects.get(pk=dossier.pk).receipt_sha256
    assert mail.outbox == []
