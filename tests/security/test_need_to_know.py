"""Need-to-know inside one region (docs/security.md, "Qui voit quoi dans une région").

Identity documents and training certificates: the professional, the coordinators of his structure, the instructors
and the region admins; never the committee nor the finance officers, not even through a declaration version's link.
Committee members: the dossiers assigned to them, never one where they declared a conflict of interest (pages,
downloads, API). Finance officers: what the money needs (grants, statements, the structures, protocols and
interventions behind them; the dossiers a grant was opened on), no application file of another dossier.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from funding.models import Decision, Dossier, DossierAttachment, DossierState, Grant, Statement
from portal.models import Structure
from portal.roles import Role
from portal.tokens import api_token_create
from protocols.models import DocumentKind, DocumentStatus, Intervention, MemberDocument, Protocol, Training
from tests.funding.factories import (
    MINIMAL_PDF,
    DossierAttachmentFactory,
    DossierFactory,
    GrantFactory,
    ReviewAssignmentFactory,
    ReviewFactory,
    StatementFactory,
)
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of
from tests.protocols.factories import (
    DeclarationFactory,
    InterventionFactory,
    ProtocolFactory,
    TeamMembershipFactory,
    TrainingFactory,
)


@pytest.fixture
def region_world(db):
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region)
    other_structure = StructureFactory(region=region)
    nurse = professional_of(structure)
    protocol = ProtocolFactory(structure=structure, declared=True)
    membership = TeamMembershipFactory(protocol=protocol, professional=nurse.professional)
    TrainingFactory(membership=membership)
    identity = MemberDocument.objects.create(membership=membership, kind=DocumentKind.IDENTITY)
    identity.file.save("identite.pdf", ContentFile(MINIMAL_PDF), save=False)
    identity.status, identity.original_name, identity.sha256 = DocumentStatus.PROVIDED, "identite.pdf", "1" * 64
    identity.save()
    declaration = DeclarationFactory(
        protocol=protocol,
        version=1,
        documents_snapshot=[
            {
                "membership_id": membership.pk,
                "member_document_id": identity.pk,
                "file": identity.file.name,
                "original_name": "identite.pdf",
                "kind_label": "Pièce d'identité",
                "sha256": identity.sha256,
            }
        ],
    )
    assigned = DossierFactory(structure=structure, protocol=protocol, submitted=True, state=DossierState.TO_COMMITTEE)
    conflicted = DossierFactory(structure=other_structure, submitted=True, state=DossierState.TO_COMMITTEE)
    unassigned = DossierFactory(structure=other_structure, submitted=True, state=DossierState.TO_COMMITTEE)
    for dossier in (assigned, conflicted, unassigned):
        DossierAttachmentFactory(dossier=dossier)
    member = agent_of(region, Role.COMMITTEE_MEMBER)
    ReviewFactory(assignment=ReviewAssignmentFactory(dossier=assigned, reviewer=member))
    ReviewFactory(
        assignment=ReviewAssignmentFactory(dossier=conflicted, reviewer=member),
        conflict_of_interest=True,
        conflict_details="Associé de la structure",
    )
    # Another member reviews the unassigned dossier (and declared a conflict on the assigned one: his conflict is his).
    other_member = agent_of(region, Role.COMMITTEE_MEMBER)
    ReviewAssignmentFactory(dossier=unassigned, reviewer=other_member)
    ReviewFactory(
        assignment=ReviewAssignmentFactory(dossier=assigned, reviewer=other_member), conflict_of_interest=True
    )
    funded = GrantFactory(dossier__structure=structure, dossier__protocol=protocol, protocol=protocol)
    statement = StatementFactory(grant=funded)
    intervention = InterventionFactory(protocol=protocol, delegate=nurse.professional)
    return {
        "region": region,
        "structure": structure,
        "nurse": nurse,
        "coordinator": coordinator_of(structure),
        "instructor": agent_of(region, Role.INSTRUCTOR),
        "admin": agent_of(region, Role.REGION_ADMIN),
        "finance": agent_of(region, Role.FINANCE_OFFICER),
        "member": member,
        "identity": identity,
        "declaration": declaration,
        "membership": membership,
        "assigned": assigned,
        "conflicted": conflicted,
        "unassigned": unassigned,
        "funded": funded,
        "statement": statement,
        "intervention": intervention,
    }


def _status(client, user, url, **headers):
    client.force_login(user)
    response = client.get(url, headers=headers)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def test_identity_documents_and_certificates_through_the_querysets(region_world):
    w = region_world
    for who in ("nurse", "coordinator", "instructor", "admin"):
        assert list(MemberDocument.objects.visible_to(w[who])) == [w["identity"]], who
        assert Training.objects.visible_to(w[who]).count() == 1, who
    for who in ("member", "finance"):
        assert not MemberDocument.objects.visible_to(w[who]).exists(), who
        assert not Training.objects.visible_to(w[who]).exists(), who


def test_a_declaration_version_does_not_lead_to_an_identity_document(client, region_world):
    """The version page is readable by the finance officer; the file of its identity document is not."""
    w = region_world
    url = reverse(
        "protocols:declaration_document_file",
        kwargs={"declaration_id": w["declaration"].pk, "member_document_id": w["identity"].pk},
    )
    detail = reverse("protocols:declaration_detail", kwargs={"declaration_id": w["declaration"].pk})
    for who in ("nurse", "coordinator", "instructor", "admin"):
        assert _status(client, w[who], url) == 200, who
    assert _status(client, w["finance"], detail) == 200
    assert url not in client.get(detail).content.decode()
    assert _status(client, w["finance"], url) == 404
    # The committee member reviews the protocol's dossier: he reads the version, never the identity card.
    assert _status(client, w["member"], detail) == 200
    assert url not in client.get(detail).content.decode()
    assert _status(client, w["member"], url) == 404


def test_certificate_and_document_pages_refuse_committee_and_finance(client, region_world):
    w = region_world
    certificate = reverse("protocols:training_certificate", kwargs={"team_membership_id": w["membership"].pk})
    documents = reverse("protocols:member_documents", kwargs={"team_membership_id": w["membership"].pk})
    file_url = reverse("protocols:member_document_file", kwargs={"member_document_id": w["identity"].pk})
    for who in ("member", "finance"):
        for url in (certificate, documents, file_url, reverse("protocols:agency_documents")):
            assert _status(client, w[who], url) == 403, (who, url)
    assert _status(client, w["admin"], documents) == 200


def test_a_committee_member_reads_his_assigned_dossiers_only(region_world):
    w = region_world
    member = w["member"]
    assert list(Dossier.objects.visible_to(member)) == [w["assigned"]]
    assert list(DossierAttachment.objects.visible_to(member).values_list("dossier_id", flat=True)) == [
        w["assigned"].pk
    ]
    assert list(Protocol.objects.visible_to(member)) == [w["assigned"].protocol]
    assert list(Structure.objects.visible_to(member)) == [w["structure"]]
    assert not Grant.objects.visible_to(member).exists()
    assert not Statement.objects.visible_to(member).exists()
    assert not Intervention.objects.visible_to(member).exists()
    # Instructors and region admins read every submitted dossier of the region.
    assert Dossier.objects.visible_to(w["instructor"]).count() == Dossier.objects.count()


def test_a_committee_member_never_downloads_an_unassigned_or_conflicted_dossier(client, region_world):
    w = region_world
    for dossier, expected in ((w["assigned"], 200), (w["conflicted"], 404), (w["unassigned"], 404)):
        attachment = dossier.attachments.get()
        url = reverse("funding:dossier_attachment_download", kwargs={"dossier_attachment_id": attachment.pk})
        assert _status(client, w["member"], url) == expected, dossier.reference
        receipt = reverse("funding:dossier_receipt_status", kwargs={"dossier_id": dossier.pk})
        assert _status(client, w["member"], receipt) in ({200} if expected == 200 else {404}), dossier.reference


def test_the_api_follows_the_same_rule(client, region_world):
    w = region_world
    _token, key = api_token_create(user=w["member"], name="commission", scope="read")
    headers = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/v1/dossiers", headers=headers)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["items"]] == [w["assigned"].pk]
    for dossier, expected in ((w["assigned"], 200), (w["conflicted"], 404), (w["unassigned"], 404)):
        assert client.get(f"/api/v1/dossiers/{dossier.pk}", headers=headers).status_code == expected
    assert client.get(f"/api/v1/statements/{w['statement'].pk}", headers=headers).status_code == 404


def test_a_conflict_declared_after_the_assignment_closes_the_dossier(region_world):
    w = region_world
    review = w["assigned"].assignments.get(reviewer=w["member"]).review
    review.conflict_of_interest = True
    review.save()
    assert not Dossier.objects.visible_to(w["member"]).exists()
    assert not Decision.objects.visible_to(w["member"]).exists()


def test_before_his_declaration_of_interests_a_member_reaches_nothing_of_the_dossier(client, region_world):
    """His review page hides the dossier until he declares; downloads and querysets must not show it earlier."""
    w = region_world
    w["assigned"].assignments.get(reviewer=w["member"]).review.delete()
    assert not Dossier.objects.visible_to(w["member"]).exists()
    assert not DossierAttachment.objects.visible_to(w["member"]).exists()
    attachment = w["assigned"].attachments.get()
    url = reverse("funding:dossier_attachment_download", kwargs={"dossier_attachment_id": attachment.pk})
    assert _status(client, w["member"], url) == 404


def test_the_finance_officer_reads_what_the_money_needs(region_world):
    w = region_world
    finance = w["finance"]
    assert list(Grant.objects.visible_to(finance)) == [w["funded"]]
    assert list(Statement.objects.visible_to(finance)) == [w["statement"]]
    assert list(Intervention.objects.visible_to(finance)) == [w["intervention"]]
    assert w["structure"] in Structure.objects.visible_to(finance)
    assert Protocol.objects.visible_to(finance).filter(pk=w["funded"].protocol_id).exists()
    # The dossier a grant was opened on, not the applications still in selection.
    assert list(Dossier.objects.visible_to(finance)) == [w["funded"].dossier]
    assert not DossierAttachment.objects.visible_to(finance).exists()


def test_the_documents_tab_is_shown_to_who_may_open_it(client, region_world):
    w = region_world
    documents = reverse("protocols:agency_documents")
    client.force_login(w["instructor"])
    assert documents in client.get(reverse("protocols:agency_declarations")).content.decode()
    client.force_login(w["finance"])
    assert documents not in client.get(reverse("protocols:agency_declarations")).content.decode()
