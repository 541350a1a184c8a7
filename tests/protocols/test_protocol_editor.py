"""Local protocols: creation, the structured editor and its autosave, the R.4011-1 checklist, the PDF."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from pypdf import PdfReader

from portal.errors import ApplicationError
from protocols.checklist import CHECKLIST_CODES, CHECKLIST_ITEMS
from protocols.models import ChecklistAnswer, Protocol, ProtocolEvent
from protocols.services import protocols as services
from tests.portal.factories import StructureFactory, coordinator_of
from tests.protocols.conftest import LOCAL_CONTENT, written_protocol


def pdf_text(data: bytes) -> str:
    """The text of a PDF with whitespace collapsed (table cells wrap lines anywhere)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_coordinator_creates_a_local_protocol(client, msp):
    client.force_login(msp.coordinator)
    response = client.post(
        reverse("protocols:protocol_create"),
        {"structure": msp.structure.pk, "code": "loc-paca-test", "title": "Suivi du diabète"},
    )
    protocol = Protocol.objects.get(code="LOC-PACA-TEST")
    assert response.status_code == 302
    assert response.url == reverse("protocols:protocol_edit", kwargs={"protocol_id": protocol.pk})
    assert protocol.is_draft and protocol.is_local and protocol.created_by == msp.coordinator
    assert ProtocolEvent.objects.filter(protocol=protocol, kind="created").exists()


def test_creation_errors_are_400_and_save_nothing(client, msp):
    client.force_login(msp.coordinator)
    response = client.post(reverse("protocols:protocol_create"), {"structure": msp.structure.pk, "code": "X"})
    assert response.status_code == 400
    assert "Donnez un intitulé au protocole local." in response.content.decode()
    written_protocol(msp, code="LOC-DOUBLE")
    response = client.post(
        reverse("protocols:protocol_create"), {"structure": msp.structure.pk, "code": "LOC-DOUBLE", "title": "Autre"}
    )
    assert response.status_code == 400
    assert "La structure a déjà un protocole avec ce code." in response.content.decode()
    assert Protocol.objects.count() == 1


def test_only_the_structure_coordinator_creates(client, msp):
    client.force_login(msp.nurse)
    assert client.get(reverse("protocols:protocol_create")).status_code == 403
    other = StructureFactory(region=msp.structure.region)
    with pytest.raises(ApplicationError):
        services.protocol_create(structure=other, by=msp.coordinator, code="LOC-X", title="X")


def test_editor_saves_the_sections(client, msp):
    protocol = written_protocol(msp, checklist=False)
    client.force_login(msp.coordinator)
    data = {**LOCAL_CONTENT, "code": protocol.code, "title": "Nouvel intitulé", "object": "Objet revu"}
    response = client.post(reverse("protocols:protocol_edit", kwargs={"protocol_id": protocol.pk}), data)
    assert response.status_code == 302
    protocol.refresh_from_db()
    assert (protocol.title, protocol.object) == ("Nouvel intitulé", "Objet revu")
    assert protocol.delegate_professions == ["infirmier", "pharmacien"]


def test_editor_invalid_input_is_a_400_and_saves_nothing(client, msp):
    protocol = written_protocol(msp, checklist=False)
    client.force_login(msp.coordinator)
    data = {**LOCAL_CONTENT, "code": protocol.code, "title": "Changé", "training_hours": "dix"}
    response = client.post(reverse("protocols:protocol_edit", kwargs={"protocol_id": protocol.pk}), data)
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in response.content.decode()
    protocol.refresh_from_db()
    assert protocol.title == "Suivi de l'HTA"


def test_autosave_keeps_the_valid_sections_and_names_the_others(client, msp):
    protocol = services.protocol_create(
        structure=msp.structure, by=msp.coordinator, code="LOC-AUTO", title="Brouillon"
    )
    client.force_login(msp.coordinator)
    url = reverse("protocols:protocol_autosave", kwargs={"protocol_id": protocol.pk})
    response = client.post(
        url,
        {"code": "LOC-AUTO", "title": "Brouillon", "object": "Premier jet", "training_hours": "abc"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Brouillon enregistré" in content and "Durée de la formation des délégués (heures)" in content
    protocol.refresh_from_db()
    assert protocol.object == "Premier jet" and protocol.training_hours is None


def test_autosave_is_for_coordinators_of_the_structure(client, msp):
    protocol = written_protocol(msp)
    client.force_login(msp.nurse)
    url = reverse("protocols:protocol_autosave", kwargs={"protocol_id": protocol.pk})
    assert client.post(url, {"code": protocol.code, "object": "pirate"}).status_code == 403
    other_coordinator = coordinator_of(StructureFactory(region=msp.structure.region))
    client.force_login(other_coordinator)
    assert client.post(url, {"code": protocol.code, "object": "pirate"}).status_code == 404
    protocol.refresh_from_db()
    assert protocol.object != "pirate"


def test_code_is_frozen_once_declared_and_national_content_is_frozen(msp):
    protocol = written_protocol(msp)
    Protocol.objects.filter(pk=protocol.pk).update(status="declared", declared_on="2025-03-01")
    protocol.refresh_from_db()
    with pytest.raises(ApplicationError, match="ne change plus"):
        services.protocol_update(protocol=protocol, by=msp.coordinator, code="LOC-AUTRE")
    services.protocol_update(protocol=protocol, by=msp.coordinator, object="Objet précisé")  # content still editable


def test_missing_fields_lists_empty_sections(msp):
    protocol = services.protocol_create(structure=msp.structure, by=msp.coordinator, code="LOC-VIDE", title="Vide")
    missing = protocol.missing_fields()
    assert "objet du protocole" in missing and "indicateurs de suivi" in missing
    assert "intitulé" not in missing
    assert written_protocol(msp).missing_fields() == []


# --- R.4011-1 checklist ------------------------------------------------------------------------------------------


def test_checklist_form_requires_a_justification_for_not_applicable(client, msp):
    protocol = written_protocol(msp, checklist=False)
    client.force_login(msp.coordinator)
    url = reverse("protocols:protocol_checklist", kwargs={"protocol_id": protocol.pk})
    data = {f"{code}__answer": "yes" for code in CHECKLIST_CODES}
    data["assurance__answer"] = "na"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Justifiez une réponse « non applicable »." in response.content.decode()
    assert not ChecklistAnswer.objects.filter(protocol=protocol).exists()
    data["assurance__justification"] = "Tous salariés du centre de santé, couverts par l'employeur"
    assert client.post(url, data).status_code == 302
    assert ChecklistAnswer.objects.filter(protocol=protocol).count() == len(CHECKLIST_ITEMS)
    assert ChecklistAnswer.objects.get(protocol=protocol, item="assurance").answer == "na"


def test_not_applicable_without_justification_is_refused_by_the_database(msp):
    protocol = written_protocol(msp, checklist=False)
    answer = ChecklistAnswer(protocol=protocol, item="objet", answer="na", answered_by=msp.coordinator)
    with pytest.raises(ValidationError):
        answer.full_clean()
    with pytest.raises(IntegrityError):
        ChecklistAnswer.objects.create(protocol=protocol, item="objet", answer="na", answered_by=msp.coordinator)


def test_clearing_an_answer_removes_it(msp):
    protocol = written_protocol(msp)
    services.checklist_save(protocol=protocol, by=msp.coordinator, answers={"objet": ("", "")})
    assert not protocol.checklist_answers.filter(item=CHECKLIST_ITEMS[0][0]).exists()


def test_checklist_is_read_only_for_agents_and_members(client, msp):
    protocol = written_protocol(msp)
    client.force_login(msp.instructor)
    url = reverse("protocols:protocol_checklist", kwargs={"protocol_id": protocol.pk})
    page = client.get(url).content.decode()
    assert "Réponses à la liste de contrôle R.4011-1" in page
    assert client.post(url, {"objet__answer": "no"}).status_code == 404
    assert ChecklistAnswer.objects.get(protocol=protocol, item="objet").answer == "yes"


# --- PDF -------------------------------------------------------------------------------------------------------


def test_protocol_pdf_is_shaped_like_the_ministry_model(client, msp):
    protocol = written_protocol(msp)
    services.checklist_save(
        protocol=protocol, by=msp.coordinator, answers={"assurance": ("na", "Salariés couverts par l'employeur")}
    )
    client.force_login(msp.nurse)
    response = client.get(reverse("protocols:protocol_pdf", kwargs={"protocol_id": protocol.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(response.content) > 1000
    text = pdf_text(response.content)
    for expected in (
        "Protocole local de coopération",
        "LOC-TEST-HTA",
        "1. Objet du protocole",
        "Suivi de l'hypertension par l'infirmier",
        "Critères d'exclusion",
        "5. Formation des délégués",
        "10 heures",
        "Infirmier, Pharmacien",
        "R.4011-1",
        "Salariés couverts par l'employeur",
        "MSP du Panier",
    ):
        assert expected in text, expected


def test_steering_fields_theme_and_minutes_saved(client, msp):
    """The portal's own questions (theme, medical time saved, declared by the team) are saved with the sections,
    never make a declared protocol "changed since its declaration", and an implausible time is a form error."""
    from protocols.models import Declaration
    from protocols.selectors import changed_since_declaration
    from protocols.services.declarations import _snapshot_protocol

    protocol = written_protocol(msp, checklist=False)
    client.force_login(msp.coordinator)
    url = reverse("protocols:protocol_edit", kwargs={"protocol_id": protocol.pk})
    data = {**LOCAL_CONTENT, "code": protocol.code, "title": protocol.title}
    page = client.get(url).content.decode()
    assert "hors modèle ministériel" in page and "déclaré par l&#x27;équipe" in page
    response = client.post(url, {**data, "theme": "chronic", "medical_minutes_saved": "15"})
    assert response.status_code == 302
    protocol.refresh_from_db()
    assert (protocol.theme, protocol.medical_minutes_saved) == ("chronic", 15)
    detail = client.get(reverse("protocols:protocol_detail", kwargs={"protocol_id": protocol.pk})).content.decode()
    assert "15 minutes" in detail and "Suivi de maladies chroniques" in detail

    response = client.post(url, {**data, "theme": "chronic", "medical_minutes_saved": "600"})
    assert response.status_code == 400
    protocol.refresh_from_db()
    assert protocol.medical_minutes_saved == 15
    declaration = Declaration(protocol=protocol, protocol_snapshot=_snapshot_protocol(protocol))
    services.protocol_update(protocol=protocol, by=msp.coordinator, theme="prevention", medical_minutes_saved=20)
    assert changed_since_declaration(protocol, declaration) == []
    with pytest.raises(ValidationError):
        services.protocol_update(protocol=protocol, by=msp.coordinator, theme="inconnu")
