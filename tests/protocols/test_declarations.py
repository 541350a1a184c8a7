"""Declarations: the pre-flight list, numbered immutable versions, the ESP rule (L.4011-4-3), the receipt PDF with
the SHA-256 of the documents, the diff between versions, the documents as deposited."""

import hashlib
import html

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.errors import ApplicationError
from protocols.models import Declaration, DocumentKind, MemberDocument, NationalProtocol, ProtocolStatus
from protocols.selectors import declaration_diff
from protocols.services import declarations as services
from protocols.services import protocols as protocol_services
from protocols.services import teams as team_services
from protocols.services.declaration_problems import declaration_problems
from protocols.signals import eligibility_inputs_changed
from tests.portal.factories import StructureFactory, coordinator_of, professional_of
from tests.protocols.conftest import D, join, pdf_file, written_protocol
from tests.protocols.test_protocol_editor import pdf_text


def _messages(protocol, blocking=True):
    return [p.message for p in declaration_problems(protocol=protocol) if p.blocking == blocking]


def test_preflight_lists_what_is_missing(msp):
    protocol = protocol_services.protocol_create(
        structure=msp.structure, by=msp.coordinator, code="LOC-VIDE", title="À écrire"
    )
    blocking = _messages(protocol)
    assert "Section à compléter : objet du protocole." in blocking
    assert any("13 exigence(s) de la liste de contrôle R.4011-1 sans réponse" in m for m in blocking)
    assert "L'équipe doit compter au moins un délégant ayant accepté son invitation." in blocking
    assert "L'équipe doit compter au moins un délégué ayant accepté son invitation." in blocking


def test_preflight_checks_documents_and_warns_about_training_and_pending_invitations(msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    nurse = join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), documents=False)
    team_services.team_invite(
        protocol=protocol, professional=msp.pro(msp.pharmacist), role="delegate", by=msp.coordinator
    )
    blocking = _messages(protocol)
    assert len(blocking) == 1 and "pièce(s) manquante(s)" in blocking[0] and "Pièce d'identité" in blocking[0]
    assert "Accord de l'employeur" not in blocking[0]  # not salaried
    warnings = _messages(protocol, blocking=False)
    assert any("formation non terminée" in m for m in warnings)
    assert any("1 invitation(s) sans réponse" in m for m in warnings)
    for document in MemberDocument.objects.filter(membership=nurse):
        if document.is_required:
            team_services.member_document_upload(document=document, by=msp.nurse, uploaded=pdf_file())
    insurance = MemberDocument.objects.get(membership=nurse, kind=DocumentKind.INSURANCE)
    team_services.member_document_review(document=insurance, by=msp.instructor, validated=False, reason="Périmée")
    assert _messages(protocol) == [
        f"{msp.nurse} : Attestation de responsabilité civile professionnelle refusée par l'ARS (Périmée) — "
        "déposez une nouvelle pièce."
    ]


def test_a_checklist_no_is_a_warning_not_a_block(msp):
    protocol = written_protocol(msp)
    protocol_services.checklist_save(protocol=protocol, by=msp.coordinator, answers={"indicateurs": ("no", "")})
    assert not any("R.4011-1" in m for m in _messages(protocol))
    assert any("répond « non »" in m for m in _messages(protocol, blocking=False))


def test_declare_button_shows_the_preflight_and_refuses_an_incomplete_deposit(client, msp):
    protocol = written_protocol(msp)
    client.force_login(msp.coordinator)
    url = reverse("protocols:declaration_new", kwargs={"protocol_id": protocol.pk})
    page = html.unescape(client.get(url).content.decode())
    assert "À corriger avant de déclarer" in page and "au moins un délégant" in page
    response = client.post(url, {"certify": "on"})
    assert response.status_code == 400
    assert not Declaration.objects.exists()
    protocol.refresh_from_db()
    assert protocol.status == ProtocolStatus.DRAFT


def test_first_deposit_puts_the_protocol_in_force(client, django_capture_on_commit_callbacks, msp, time_machine):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 15))
    received = []
    eligibility_inputs_changed.connect(
        handler := lambda sender, protocol_id, since, **kw: received.append((protocol_id, since))
    )
    time_machine.move_to("2025-03-04 11:00+01:00")
    client.force_login(msp.coordinator)
    url = reverse("protocols:declaration_new", kwargs={"protocol_id": protocol.pk})
    assert client.post(url, {}).status_code == 400  # the certification must be ticked
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"certify": "on"})
    eligibility_inputs_changed.disconnect(handler)
    declaration = Declaration.objects.get(protocol=protocol)
    assert response.url == reverse("protocols:declaration_detail", kwargs={"declaration_id": declaration.pk})
    protocol.refresh_from_db()
    assert (protocol.status, protocol.declared_on) == (ProtocolStatus.DECLARED, D(2025, 3, 4))
    assert (declaration.version, declaration.reason, declaration.deposited_on) == (1, "first", D(2025, 3, 4))
    assert {row["role"] for row in declaration.team_snapshot} == {"delegant", "delegate"}
    assert declaration.protocol_snapshot["code"] == "LOC-TEST-HTA"
    assert len([row for row in declaration.documents_snapshot if row["sha256"]]) == 10
    assert (protocol.pk, D(2025, 3, 4)) in received
    assert declaration.receipt and len(declaration.receipt_sha256) == 64  # rendered by the task after commit


def test_versions_are_numbered_and_immutable(msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1))
    first = services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    update = services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 4, 1))
    assert (first.version, update.version, update.reason) == (1, 2, "update")
    protocol.refresh_from_db()
    assert protocol.declared_on == D(2025, 3, 1)  # in force from the first deposit
    with pytest.raises(ApplicationError, match="ne peut pas être antérieure"):
        services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(
            protocol=protocol,
            version=2,
            reason="update",
            deposited_on=D(2025, 5, 1),
            in_force_on=D(2025, 5, 1),
            deposited_by=msp.coordinator,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(
            protocol=protocol,
            version=0,
            reason="update",
            deposited_on=D(2025, 5, 1),
            in_force_on=D(2025, 5, 1),
            deposited_by=msp.coordinator,
        )


def test_only_coordinators_declare(client, msp):
    protocol = written_protocol(msp)
    client.force_login(msp.nurse)
    assert client.get(reverse("protocols:declaration_new", kwargs={"protocol_id": protocol.pk})).status_code == 403
    with pytest.raises(ApplicationError, match="coordinateur"):
        services.declaration_deposit(protocol=protocol, by=msp.instructor)


# --- ESP: implemented only through a CPTS it belongs to (art. L.4011-4-3) ------------------------------------------


@pytest.fixture
def esp(msp):
    esp = StructureFactory(esp=True, region=msp.structure.region, finess="")
    cpts = StructureFactory(cpts=True, region=msp.structure.region)
    esp.cpts_memberships.add(cpts)
    return esp, cpts, coordinator_of(esp)


def _esp_protocol(esp_structure, coordinator):
    from tests.protocols.conftest import LOCAL_CONTENT

    protocol = protocol_services.protocol_create(
        structure=esp_structure, by=coordinator, code="LOC-ESP", title="Protocole de l'ESP"
    )
    protocol_services.protocol_update(protocol=protocol, by=coordinator, **LOCAL_CONTENT)
    from protocols.checklist import CHECKLIST_CODES

    protocol_services.checklist_save(
        protocol=protocol, by=coordinator, answers={c: ("yes", "") for c in CHECKLIST_CODES}
    )
    doctor, nurse = professional_of(esp_structure, "medecin"), professional_of(esp_structure, "infirmier")
    for user, role in ((doctor, "delegant"), (nurse, "delegate")):
        membership = team_services.team_invite(
            protocol=protocol, professional=user.professional, role=role, by=coordinator
        )
        for document in MemberDocument.objects.filter(membership=membership):
            if document.is_required:
                team_services.member_document_upload(document=document, by=user, uploaded=pdf_file())
        team_services.team_invitation_accept(membership=membership, by=user, on=D(2025, 3, 1))
    protocol.refresh_from_db()
    return protocol


def test_an_esp_drafts_but_declares_only_through_its_cpts(client, esp):
    esp_structure, cpts, coordinator = esp
    protocol = _esp_protocol(esp_structure, coordinator)
    blocking = _messages(protocol)
    assert blocking == [
        "Une équipe de soins primaires (ESP) ne met en œuvre un protocole local que par l'intermédiaire d'une CPTS à "
        "laquelle elle participe (art. L.4011-4-3 du CSP) : choisissez cette CPTS dans le protocole avant de le "
        "déclarer."
    ]
    with pytest.raises(ApplicationError, match="L.4011-4-3"):
        services.declaration_deposit(protocol=protocol, by=coordinator, on=D(2025, 3, 1))
    client.force_login(coordinator)
    page = html.unescape(
        client.get(reverse("protocols:declaration_new", kwargs={"protocol_id": protocol.pk})).content.decode()
    )
    assert "par l'intermédiaire d'une CPTS à laquelle elle participe" in page
    protocol_services.protocol_update(protocol=protocol, by=coordinator, implementing_structure=cpts)
    declaration = services.declaration_deposit(protocol=protocol, by=coordinator, on=D(2025, 3, 1))
    assert declaration.protocol_snapshot["implementing_structure"]["name"] == cpts.name
    # The CPTS coordinator reaches the protocol it implements.
    client.force_login(coordinator_of(cpts))
    assert (
        client.get(reverse("protocols:declaration_detail", kwargs={"declaration_id": declaration.pk})).status_code
        == 200
    )


def test_an_esp_cannot_pick_a_cpts_it_does_not_belong_to(esp):
    esp_structure, _cpts, coordinator = esp
    stranger = StructureFactory(cpts=True, region=esp_structure.region)
    protocol = protocol_services.protocol_create(structure=esp_structure, by=coordinator, code="LOC-E2", title="E2")
    with pytest.raises(ApplicationError, match="CPTS à laquelle l'équipe participe"):
        protocol_services.protocol_update(protocol=protocol, by=coordinator, implementing_structure=stranger)


def test_a_national_adhesion_declares_without_checklist(msp):
    national = NationalProtocol.objects.get(code="SNP-ODYNOPHAGIE")
    protocol = protocol_services.protocol_create(
        structure=msp.structure, by=msp.coordinator, code="SNP-ODYNOPHAGIE", national_protocol=national
    )
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 1))
    assert _messages(protocol) == []
    declaration = services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    assert declaration.version == 1
    assert declaration.catalogue_version == national.current_version()
    assert declaration.protocol_snapshot["catalogue_version"]["number"] == declaration.catalogue_version.number


# --- Receipt, diff, documents as deposited ---------------------------------------------------------------------


@pytest.fixture
def two_versions(msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    nurse = join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 15))
    v1 = services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    join(protocol, msp, msp.pharmacist, "delegate", D(2025, 5, 1))
    v2 = protocol.declarations.get(version=2)
    return protocol, nurse, v1, v2


def test_receipt_pdf_has_number_date_team_and_document_hashes(client, msp, two_versions):
    protocol, _nurse, v1, _v2 = two_versions
    client.force_login(msp.instructor)
    response = client.get(reverse("protocols:declaration_receipt", kwargs={"declaration_id": v1.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    text = pdf_text(data)
    v1.refresh_from_db()
    assert v1.number == f"PACA-{protocol.pk:06d}-v1"
    for expected in (v1.number, "Récépissé de déclaration", "01/03/2025", msp.doctor.get_full_name(), "Délégant"):
        assert expected in text, expected
    hashes = [row["sha256"] for row in v1.documents_snapshot if row["sha256"]]
    assert len(hashes) == 10
    compact = text.replace(" ", "")
    assert all(sha in compact for sha in hashes)
    assert v1.receipt_sha256 and msp.pharmacist.get_full_name() not in text  # v1 is the team as it was


def test_receipt_is_rendered_once(msp, two_versions):
    _protocol, _nurse, v1, _v2 = two_versions
    first = services.declaration_receipt_ensure(declaration=v1)
    name, digest = first.receipt.name, first.receipt_sha256
    again = services.declaration_receipt_ensure(declaration=Declaration.objects.get(pk=v1.pk))
    assert (again.receipt.name, again.receipt_sha256) == (name, digest)


def test_diff_between_versions(client, msp, two_versions):
    protocol, nurse, v1, v2 = two_versions
    diff = declaration_diff(v1, v2)
    assert [row["name"] for row in diff["added"]] == [msp.pharmacist.get_full_name()]
    assert diff["removed"] == [] and diff["documents"] == []
    insurance = MemberDocument.objects.get(membership=nurse, kind=DocumentKind.INSURANCE)
    team_services.member_document_upload(document=insurance, by=msp.nurse, uploaded=pdf_file("nouvelle.pdf", "v3"))
    protocol_services.protocol_update(protocol=protocol, by=msp.coordinator, object="Objet élargi")
    v3 = services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 6, 1))
    diff = declaration_diff(v2, v3)
    assert [(d["member"], d["kind_label"]) for d in diff["documents"]] == [
        (msp.nurse.get_full_name(), "Attestation de responsabilité civile professionnelle")
    ]
    assert [c["label"] for c in diff["protocol"]] == ["objet du protocole"]
    client.force_login(msp.coordinator)
    page = client.get(
        reverse("protocols:declaration_detail", kwargs={"declaration_id": v3.pk}), {"comparer": 1}
    ).content.decode()
    assert "Changements depuis la v1" in page and "Arrivée" in page and msp.pharmacist.get_full_name() in page


def test_a_version_keeps_serving_the_document_as_deposited(client, msp, two_versions):
    _protocol, nurse, v1, _v2 = two_versions
    identity = MemberDocument.objects.get(membership=nurse, kind=DocumentKind.IDENTITY)
    deposited_sha = identity.sha256
    team_services.member_document_upload(document=identity, by=msp.nurse, uploaded=pdf_file("nouvelle-carte.pdf", "2"))
    identity.refresh_from_db()
    assert identity.sha256 != deposited_sha
    client.force_login(msp.instructor)
    url = reverse(
        "protocols:declaration_document_file", kwargs={"declaration_id": v1.pk, "member_document_id": identity.pk}
    )
    response = client.get(url)
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == deposited_sha
    client.force_login(msp.doctor)  # a colleague reads the version, not the nurse's identity card
    assert client.get(url).status_code == 404


def test_declaration_lists_are_scoped(client, msp, two_versions):
    protocol, _nurse, v1, _v2 = two_versions
    outsider = coordinator_of(StructureFactory(region=msp.structure.region))
    client.force_login(outsider)
    assert client.get(reverse("protocols:declaration_list", kwargs={"protocol_id": protocol.pk})).status_code == 404
    assert client.get(reverse("protocols:declaration_receipt", kwargs={"declaration_id": v1.pk})).status_code == 404


def test_detail_says_which_sections_changed_since_the_last_version(client, msp, two_versions):
    protocol, _nurse, _v1, _v2 = two_versions
    client.force_login(msp.coordinator)
    url = reverse("protocols:protocol_detail", kwargs={"protocol_id": protocol.pk})
    assert "changed-since-declaration" not in client.get(url).content.decode()
    protocol_services.protocol_update(protocol=protocol, by=msp.coordinator, exclusion_criteria="Grossesse, refus")
    page = client.get(url).content.decode()
    assert "Modifié depuis la déclaration v2 : critères d" in page
    services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 6, 1))
    assert "changed-since-declaration" not in client.get(url).content.decode()


def test_a_local_protocol_is_declared_only_once_stated_in_the_health_project(msp):
    protocol = written_protocol(msp)
    protocol = protocol_services.protocol_update(protocol=protocol, by=msp.coordinator, in_health_project=False)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 15))
    statement = (
        "Indiquez que le protocole est inscrit dans le projet de santé de MSP du Panier : un protocole local s'y "
        "intègre."
    )
    assert statement in _messages(protocol)
    with pytest.raises(ApplicationError, match="inscrit dans le projet de santé"):
        services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    assert not protocol.declarations.exists()
    protocol = protocol_services.protocol_update(protocol=protocol, by=msp.coordinator, in_health_project=True)
    assert statement not in _messages(protocol)
    v1 = services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    assert v1.protocol_snapshot["in_health_project"] is True
    with services.declaration_receipt_ensure(declaration=v1).receipt.open("rb") as receipt:
        text = pdf_text(receipt.read())
    assert "inscrit dans le projet de santé de MSP du Panier" in text
