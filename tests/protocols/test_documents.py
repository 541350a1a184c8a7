"""Supporting documents and training: real files checked by content, stored privately, served through scoped
views only; the ARS validates or refuses them; a delegate acts only once trained."""

import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.errors import ApplicationError
from portal.roles import Role
from protocols.demo.documents import tiny_pdf
from protocols.models import DocumentKind, DocumentStatus, MemberDocument, Training
from protocols.services import teams as services
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of
from tests.protocols.conftest import D, join, pdf_file, written_protocol
from tests.protocols.factories import TeamMembershipFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ZIP_RENAMED = b"PK\x03\x04" + b"\x00" * 64


@pytest.fixture
def nurse_membership(msp):
    protocol = written_protocol(msp)
    return services.team_invite(
        protocol=protocol, professional=msp.pro(msp.nurse), role="delegate", by=msp.coordinator
    )


def _document(membership, kind=DocumentKind.IDENTITY) -> MemberDocument:
    return MemberDocument.objects.get(membership=membership, kind=kind)


def _upload_url(document):
    return reverse("protocols:member_document_upload", kwargs={"member_document_id": document.pk})


def test_the_member_uploads_a_pdf_checked_by_content(client, msp, nurse_membership):
    document = _document(nurse_membership)
    client.force_login(msp.nurse)
    response = client.post(_upload_url(document), {f"doc{document.pk}-file": pdf_file("carte d'identité.PDF", "Inès")})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.PROVIDED
    assert document.content_type == "application/pdf" and len(document.sha256) == 64
    assert document.original_name == "carte d'identité.PDF"
    # Stored outside static/, under a random name that says nothing of the original one.
    assert document.file.name.startswith("private/pieces/") and "identit" not in document.file.name
    assert Path(document.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    assert not Path(document.file.path).is_relative_to(settings.BASE_DIR / "static")


def test_a_png_is_accepted_whatever_its_name(msp, nurse_membership):
    document = services.member_document_upload(
        document=_document(nurse_membership),
        by=msp.nurse,
        uploaded=SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf"),
    )
    assert document.content_type == "image/png" and document.file.name.endswith(".png")


def test_a_wrong_type_renamed_pdf_is_a_form_error(client, msp, nurse_membership):
    document = _document(nurse_membership)
    client.force_login(msp.nurse)
    response = client.post(
        _upload_url(document),
        {f"doc{document.pk}-file": SimpleUploadedFile("attestation.pdf", ZIP_RENAMED, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert "n'est pas un PDF, JPEG ou PNG" in html.unescape(response.content.decode())
    document.refresh_from_db()
    assert document.status == DocumentStatus.MISSING and not document.file


def test_an_oversize_file_is_a_form_error(client, settings, msp, nurse_membership):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    document = _document(nurse_membership)
    big = tiny_pdf("gros") + b"\n%" + b"x" * (2 * 1024 * 1024)
    client.force_login(msp.nurse)
    response = client.post(_upload_url(document), {f"doc{document.pk}-file": SimpleUploadedFile("gros.pdf", big)})
    assert response.status_code == 400
    assert "dépasse la taille maximale de 2 Mo" in response.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.MISSING


def test_a_rejected_certificate_keeps_the_rest_of_the_training_form(client, msp, nurse_membership):
    client.force_login(msp.nurse)
    response = client.post(
        reverse("protocols:training_edit", kwargs={"team_membership_id": nurse_membership.pk}),
        {
            "hours": "10",
            "organisation": "Organisme agréé Formasanté",
            "completed_on": "2025-02-15",
            "certificate": SimpleUploadedFile("attestation.pdf", ZIP_RENAMED),
        },
    )
    assert response.status_code == 400
    content = html.unescape(response.content.decode())
    assert "n'est pas un PDF, JPEG ou PNG" in content
    assert 'value="Organisme agréé Formasanté"' in content and 'value="2025-02-15"' in content
    assert not Training.objects.exists()


def _served(client, user, document):
    client.force_login(user)
    response = client.get(reverse("protocols:member_document_file", kwargs={"member_document_id": document.pk}))
    response.body = b""
    if response.streaming:
        response.body = b"".join(response.streaming_content)  # consuming it closes the file
    return response


def test_documents_are_served_only_to_the_member_coordinators_and_the_region(client, msp, nurse_membership):
    document = services.member_document_upload(
        document=_document(nurse_membership), by=msp.nurse, uploaded=pdf_file("id.pdf", "secret")
    )
    response = _served(client, msp.nurse, document)
    assert response.status_code == 200
    assert response.body.startswith(b"%PDF-")
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert _served(client, msp.coordinator, document).status_code == 200
    assert _served(client, msp.instructor, document).status_code == 200
    # A colleague of the same team does not see another member's identity card.
    join(nurse_membership.protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    assert _served(client, msp.doctor, document).status_code == 404
    # Another structure of the same region, and another region: not found.
    other = StructureFactory(region=msp.structure.region)
    assert _served(client, coordinator_of(other), document).status_code == 404
    assert _served(client, professional_of(other), document).status_code == 404
    foreign_region = RegionFactory(code="CVL")
    assert _served(client, agent_of(foreign_region, Role.INSTRUCTOR), document).status_code == 404


def test_documents_pages_are_scoped_like_the_files(client, msp, nurse_membership):
    url = reverse("protocols:member_documents", kwargs={"team_membership_id": nurse_membership.pk})
    client.force_login(coordinator_of(StructureFactory(region=msp.structure.region)))
    assert client.get(url).status_code == 404
    client.force_login(agent_of(RegionFactory(code="NAQ"), Role.INSTRUCTOR))
    assert client.get(url).status_code == 404
    client.force_login(msp.pharmacist)
    assert client.get(url).status_code == 404
    document = _document(nurse_membership)
    response = client.post(_upload_url(document), {f"doc{document.pk}-file": pdf_file()})
    assert response.status_code == 404


def test_instructor_validates_or_refuses_with_a_reason(
    client, django_capture_on_commit_callbacks, msp, nurse_membership
):
    document = services.member_document_upload(document=_document(nurse_membership), by=msp.nurse, uploaded=pdf_file())
    client.force_login(msp.instructor)
    url = reverse("protocols:member_document_review", kwargs={"member_document_id": document.pk})
    response = client.post(url, {"decision": "refuse", "reason": ""})
    assert response.status_code == 400
    assert "Indiquez le motif du refus" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"decision": "refuse", "reason": "Copie illisible"}).status_code == 302
    document.refresh_from_db()
    assert (document.status, document.refusal_reason, document.reviewed_by) == (
        "refused",
        "Copie illisible",
        msp.instructor,
    )
    assert mail.outbox[-1].to == [msp.nurse.email] and "Copie illisible" in mail.outbox[-1].body
    # A new upload puts the document back in the instructor's queue.
    services.member_document_upload(document=document, by=msp.nurse, uploaded=pdf_file("net.pdf"))
    document.refresh_from_db()
    assert (document.status, document.refusal_reason) == ("provided", "")
    client.post(url, {"decision": "validate"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDATED


def test_only_instructors_of_the_region_review(client, msp, nurse_membership):
    document = services.member_document_upload(document=_document(nurse_membership), by=msp.nurse, uploaded=pdf_file())
    url = reverse("protocols:member_document_review", kwargs={"member_document_id": document.pk})
    client.force_login(msp.coordinator)
    assert client.post(url, {"decision": "validate"}).status_code == 403
    client.force_login(agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR))
    assert client.post(url, {"decision": "validate"}).status_code == 404
    with pytest.raises(ApplicationError, match="instructeur"):
        services.member_document_review(
            document=document, by=agent_of(msp.structure.region, Role.FINANCE_OFFICER), validated=True
        )
    missing = _document(nurse_membership, DocumentKind.INSURANCE)
    with pytest.raises(ApplicationError, match="pas encore été fournie"):
        services.member_document_review(document=missing, by=msp.instructor, validated=True)


def test_document_constraints_in_the_database(msp, nurse_membership):
    document = _document(nurse_membership)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberDocument.objects.filter(pk=document.pk).update(status="provided")  # no file hash
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberDocument.objects.filter(pk=document.pk).update(status="refused", sha256="a" * 64)  # no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberDocument.objects.create(membership=nurse_membership, kind=DocumentKind.IDENTITY)


def test_the_employer_accord_is_required_only_of_salaried_professionals(msp, nurse_membership):
    employer = _document(nurse_membership, DocumentKind.EMPLOYER)
    assert not employer.is_required
    professional = msp.pro(msp.nurse)
    professional.is_salaried = True
    professional.save()
    employer = _document(nurse_membership, DocumentKind.EMPLOYER)
    assert employer.is_required


# --- Training ----------------------------------------------------------------------------------------------------


def test_training_completion_rules(time_machine, msp, nurse_membership):
    time_machine.move_to("2025-06-10 09:00+02:00")
    common = {"membership": nurse_membership, "by": msp.nurse, "organisation": "MSP"}
    with pytest.raises(ApplicationError, match="dans le futur"):
        services.training_save(**common, hours=10, completed_on=D(2025, 6, 11), certificate=pdf_file())
    with pytest.raises(ApplicationError, match="exige 10 h de formation : 8 h"):
        services.training_save(**common, hours=8, completed_on=D(2025, 6, 10), certificate=pdf_file())
    with pytest.raises(ApplicationError, match="Joignez l'attestation"):
        services.training_save(**common, hours=10, completed_on=D(2025, 6, 10))
    in_progress = services.training_save(**common, hours=4)
    assert in_progress.completed_on is None
    done = services.training_save(**common, hours=10, completed_on=D(2025, 6, 10), certificate=pdf_file())
    assert done.completed_on == D(2025, 6, 10) and done.certificate_sha256
    assert done.certificate.name.startswith("private/formations/")


def test_a_completed_training_without_certificate_is_refused_by_the_database(msp, nurse_membership):
    with pytest.raises(IntegrityError), transaction.atomic():
        Training.objects.create(membership=nurse_membership, hours=10, organisation="x", completed_on=D(2025, 1, 1))


def test_training_is_for_delegates(msp):
    protocol = written_protocol(msp)
    doctor = TeamMembershipFactory(protocol=protocol, professional=msp.pro(msp.doctor), role="delegant")
    with pytest.raises(ApplicationError, match="concerne les délégués"):
        services.training_save(membership=doctor, by=msp.doctor, hours=10, organisation="x")


def test_an_untrained_delegate_is_not_active_for_acts(client, msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    nurse = join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1))
    assert not nurse.may_act_on(D(2025, 3, 2))
    client.force_login(msp.coordinator)
    page = client.get(reverse("protocols:team_page", kwargs={"protocol_id": protocol.pk})).content.decode()
    assert "Pas encore" in page and "Formation non renseignée" in page
    services.training_save(
        membership=nurse,
        by=msp.nurse,
        hours=10,
        organisation="MSP",
        completed_on=D(2025, 4, 1),
        certificate=pdf_file(),
    )
    nurse.refresh_from_db()
    assert not nurse.may_act_on(D(2025, 3, 31))
    assert nurse.may_act_on(D(2025, 4, 1))


def test_training_certificate_is_served_to_the_member_not_to_colleagues(client, msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    nurse = join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 1))
    url = reverse("protocols:training_certificate", kwargs={"team_membership_id": nurse.pk})
    client.force_login(msp.nurse)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(msp.doctor)
    assert client.get(url).status_code == 404
