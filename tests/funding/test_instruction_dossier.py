"""Instructing one dossier through its pages: scoping, the complement loop, private notes, messages, checks, PDF."""

import datetime
import html
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from funding.dossier_sections import EDITABLE_FIELDS
from funding.models import ComplementRequest, Dossier, DossierMessage, DossierState, InstructionNote
from funding.services.dossiers import dossier_submit
from funding.services.snapshots import sha256_of
from portal.roles import Role
from tests.funding.factories import MINIMAL_PDF, DossierAttachmentFactory, DossierFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

S = DossierState
PARIS = ZoneInfo("Europe/Paris")


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(dossier, **changes):
    """What the browser posts: every field of the form as it stands, with some changes."""
    data = {"dossier_form": "1"}
    for name in EDITABLE_FIELDS:
        value = getattr(dossier, f"{name}_id" if name == "protocol" else name)
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = "" if value is None else value
    return {**data, **changes}


def url(name, dossier, **kwargs):
    return reverse(f"funding:{name}", kwargs={"dossier_id": dossier.pk, **kwargs})


@pytest.fixture
def dossier():
    """A dossier really submitted (snapshot and hash from the service) on 10 January 2025."""
    draft = DossierFactory(complete=True, structure__region=RegionFactory(code="PACA"))
    with time_machine.travel(datetime.datetime(2025, 1, 10, 10, 0, tzinfo=PARIS), tick=False):
        dossier_submit(dossier=draft, by=coordinator_of(draft.structure), sworn_statement=True, send_receipt=False)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def instructor(dossier):
    return agent_of(dossier.campaign.region, Role.INSTRUCTOR)


@pytest.fixture
def coordinator(dossier):
    return dossier.submitted_by


def test_scoping(client, dossier, instructor, coordinator):
    attachment = dossier.attachments.get()
    cvl_instructor = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    client.force_login(cvl_instructor)
    for name in ("instruction_dossier", "instruction_pdf", "dossier_receipt"):
        assert client.get(url(name, dossier)).status_code == 404, name
    assert client.post(url("instruction_start", dossier)).status_code == 404
    download = reverse("funding:dossier_attachment_download", kwargs={"dossier_attachment_id": attachment.pk})
    assert client.get(download).status_code == 404
    other_coordinator = coordinator_of(StructureFactory(region=dossier.structure.region))
    client.force_login(other_coordinator)
    for name in ("dossier_detail", "dossier_edit", "dossier_receipt"):
        assert client.get(url(name, dossier)).status_code == 404, name
    assert client.post(url("dossier_message_post", dossier), {"body": "Bonjour"}).status_code == 404
    assert client.get(download).status_code == 404
    # A draft belongs to the coordinator: the ARS does not see it, nor its attachments.
    draft = DossierFactory(complete=True, structure=dossier.structure, wave=dossier.wave)
    client.force_login(instructor)
    assert client.get(url("instruction_dossier", draft)).status_code == 404
    draft_attachment = draft.attachments.get()
    assert (
        client.get(
            reverse("funding:dossier_attachment_download", kwargs={"dossier_attachment_id": draft_attachment.pk})
        ).status_code
        == 404
    )
    assert client.get(url("instruction_dossier", dossier)).status_code == 200
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # read to the end: the file is closed


def test_private_notes_are_hidden_from_coordinators(client, dossier, instructor, coordinator):
    client.force_login(instructor)
    response = client.post(url("instruction_note_add", dossier), {"body": "Porteur fragile, à suivre"})
    assert response.status_code == 302
    assert "Porteur fragile" in text(client.get(url("instruction_dossier", dossier)))
    client.force_login(coordinator)
    page = client.get(url("dossier_detail", dossier))
    assert page.status_code == 200
    assert "Porteur fragile" not in text(page)
    assert not InstructionNote.objects.visible_to(coordinator).exists()
    assert InstructionNote.objects.visible_to(instructor).count() == 1
    assert client.post(url("instruction_note_add", dossier), {"body": "x"}).status_code == 403
    assert client.get(url("instruction_dossier", dossier)).status_code == 403


def test_complement_loop(client, dossier, instructor, coordinator, django_capture_on_commit_callbacks):
    client.force_login(instructor)
    assert client.post(url("instruction_start", dossier)).status_code == 302
    request_url = url("instruction_complement_request", dossier)
    assert client.get(request_url).status_code == 200
    past = client.post(request_url, {"items": "x", "sections": ["sharing"], "due_on": "2020-01-01"})
    assert past.status_code == 400 and "postérieure à aujourd'hui" in text(past)
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    assert client.post(request_url, {"items": "x", "due_on": due}).status_code == 400  # no section
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            request_url,
            {
                "items": "- Détailler la répartition\n- Joindre le projet de santé signé\n",
                "sections": ["sharing", "attachments"],
                "due_on": due,
                "message": "Merci",
            },
        )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.COMPLEMENT_REQUESTED
    request = ComplementRequest.objects.get()
    assert request.items == ["Détailler la répartition", "Joindre le projet de santé signé"]
    assert mail.outbox[-1].to == [coordinator.email]
    assert "Détailler la répartition" in mail.outbox[-1].body

    client.force_login(coordinator)
    detail = text(client.get(url("dossier_detail", dossier)))
    assert "Détailler la répartition" in detail and "Transmettre les compléments" in detail
    client.post(
        url("dossier_autosave", dossier),
        form_data(dossier, subsidy_sharing="12,50 € au délégué, 12,50 € au délégant", territory_needs="x"),
        HTTP_HX_REQUEST="true",
    )
    dossier.refresh_from_db()
    assert dossier.subsidy_sharing == "12,50 € au délégué, 12,50 € au délégant"
    assert dossier.territory_needs != "x"  # closed section: unchanged
    assert client.post(url("dossier_complement_answer", dossier), {"answer": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("dossier_complement_answer", dossier), {"answer": "Répartition détaillée"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    request.refresh_from_db()
    assert dossier.state == S.COMPLEMENT_PROVIDED and dossier.reopened_sections == []
    assert request.answer_sha256 == sha256_of(request.answer_snapshot)
    assert request.answer_snapshot["sections"]["sharing"]["fields"][0]["value"].startswith("12,50 €")
    assert instructor.email in mail.outbox[-1].to
    # The deposit itself is untouched; the page tells what changed since.
    assert sha256_of(dossier.snapshot) == dossier.snapshot_sha256
    assert "Répartition au temps passé" in str(dossier.snapshot)

    client.force_login(instructor)
    page = text(client.get(url("instruction_dossier", dossier)))
    assert "Modifié depuis le dépôt" in page and "répartition prévue de la subvention" in page
    for step in ("administrative", "completeness", "fit_to_needs"):
        response = client.post(
            url("instruction_check", dossier), {"step": step, "outcome": "ok", "motive": "Conforme"}
        )
        assert response.status_code == 302, step
    assert client.post(url("instruction_admissible", dossier), {"motive": ""}).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == S.ADMISSIBLE
    assert client.post(url("instruction_to_committee", dossier)).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == S.TO_COMMITTEE


def test_refusals_are_shown_not_raised(client, dossier, instructor):
    client.force_login(instructor)
    # Not started yet: a check is refused with a message and a 400, never a 500.
    response = client.post(
        url("instruction_check", dossier), {"step": "administrative", "outcome": "ok", "motive": "x"}
    )
    assert response.status_code == 400
    assert "pendant l'instruction" in text(response)
    response = client.post(url("instruction_admissible", dossier), {})
    assert response.status_code == 400
    response = client.post(url("instruction_inadmissible", dossier), {"reason": ""})
    assert response.status_code == 400
    response = client.post(url("instruction_to_committee", dossier))
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == S.SUBMITTED


def test_messages_are_threaded_with_attachments_and_notify(
    client, dossier, instructor, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("dossier_message_post", dossier), {"body": "Une question sur la formation"})
    assert response.status_code == 302 and response.url.endswith("#messages")
    assert mail.outbox[-1].to == [instructor.email]
    question = DossierMessage.objects.get()
    client.force_login(instructor)
    pdf = SimpleUploadedFile("modele.pdf", MINIMAL_PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("dossier_message_post", dossier), {"body": "Voici le modèle", "parent": question.pk, "attachment": pdf}
        )
    reply = DossierMessage.objects.exclude(pk=question.pk).get()
    assert reply.parent == question and reply.attachment_sha256
    assert mail.outbox[-1].to == [coordinator.email]
    client.force_login(coordinator)
    page = client.get(url("dossier_detail", dossier))
    threads = page.context["threads"]
    assert len(threads) == 1 and threads[0].replies == [reply]
    download = client.get(reverse("funding:dossier_message_attachment", kwargs={"dossier_message_id": reply.pk}))
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    # A reply to a reply hangs under the first message; an empty message is refused.
    client.post(url("dossier_message_post", dossier), {"body": "Merci", "parent": reply.pk})
    assert DossierMessage.objects.get(body="Merci").parent == question
    assert client.post(url("dossier_message_post", dossier), {"body": ""}).status_code == 400


def test_messages_open_once_submitted(client, coordinator, dossier):
    draft = DossierFactory(complete=True, structure=dossier.structure, wave=dossier.wave)
    client.force_login(coordinator)
    response = client.post(url("dossier_message_post", draft), {"body": "Bonjour"})
    assert response.status_code == 400
    assert not DossierMessage.objects.exists()


def test_full_dossier_pdf(client, dossier, instructor):
    DossierAttachmentFactory(dossier=dossier, kind="other", label="Charte de fonctionnement")
    client.force_login(instructor)
    client.post(url("instruction_start", dossier))
    client.post(url("instruction_check", dossier), {"step": "administrative", "outcome": "ok", "motive": "Pièces OK"})
    response = client.get(url("instruction_pdf", dossier))
    assert response["Content-Type"] == "application/pdf"
    text_content = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text_content = " ".join(text_content.split())
    for expected in (
        dossier.reference,
        dossier.structure.name,
        "Démarche qualité et sécurité des soins",
        "Revue mensuelle des dossiers",
        "Charte de fonctionnement",
        "Régularité administrative",
        "Pièces OK",
        "En instruction",
    ):
        assert expected in text_content, expected
