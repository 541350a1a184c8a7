"""Every screen of the protocols area renders for the roles it is meant for, on the demo data."""

import pytest
from django.urls import reverse

from portal.models import User
from protocols.demo import keys
from protocols.models import AdverseEvent, Declaration, MemberDocument, Protocol, Suspension, TeamMembership


@pytest.fixture
def hta(demo):
    return Protocol.objects.get(code=keys.HTA_CODE)


def _get(client, email, name, **kwargs):
    client.force_login(User.objects.get(email=email))
    response = client.get(reverse(f"protocols:{name}", kwargs=kwargs))
    assert response.status_code == 200, (email, name, response.status_code)
    return response


def test_coordinator_screens(client, hta):
    email = "coordinateur.msp@demo.fr"
    assert "LOC-PACA-HTA" in _get(client, email, "protocol_list").content.decode()
    for name in (
        "protocol_detail",
        "protocol_edit",
        "protocol_checklist",
        "team_page",
        "declaration_list",
        "declaration_new",
        "protocol_adverse_events",
        "protocol_indicators",
    ):
        _get(client, email, name, protocol_id=hta.pk)
    for declaration in hta.declarations.all():
        page = _get(client, email, "declaration_detail", declaration_id=declaration.pk).content.decode()
        assert f"v{declaration.version}" in page
    membership = hta.team.get(professional__user__email="ide2.msp@demo.fr")
    page = _get(client, email, "member_documents", team_membership_id=membership.pk).content.decode()
    assert "Attestation non signée" in page
    _get(client, email, "training_edit", team_membership_id=membership.pk)
    _get(client, email, "team_member_leave", team_membership_id=membership.pk)
    _get(client, email, "protocol_create")
    _get(client, email, "national_protocol_list")


def test_professional_screens(client, hta):
    email = "pharmacien.msp@demo.fr"
    page = _get(client, email, "my_protocols").content.decode()
    assert "LOC-PACA-HTA" in page
    membership = TeamMembership.objects.get(protocol=hta, professional__user__email=email)
    page = _get(client, email, "member_documents", team_membership_id=membership.pk).content.decode()
    assert "Manquante" in page
    _get(client, email, "protocol_detail", protocol_id=hta.pk)
    _get(client, email, "team_page", protocol_id=hta.pk)


def test_instructor_screens(client, hta):
    email = "instructeur.paca@demo.fr"
    page = _get(client, email, "agency_declarations").content.decode()
    assert "LOC-PACA-HTA" in page and "SNP-POLLAKIURIE" in page
    assert "LOC-CVL-BPCO" not in page
    assert "LOC-PACA-VACCIN" not in page  # a draft is not declared
    documents = _get(client, email, "agency_documents").content.decode()
    assert "Roux" in documents  # the pharmacist's documents await review
    client.force_login(User.objects.get(email=email))
    assert client.get(reverse("protocols:agency_adverse_events"), {"etat": "tous"}).status_code == 200
    event = AdverseEvent.objects.get(protocol=hta)
    _get(client, email, "adverse_event_detail", adverse_event_id=event.pk)
    document = MemberDocument.objects.filter(membership__protocol=hta, status="provided").first()
    _get(client, email, "member_document_review", member_document_id=document.pk)
    _get(client, email, "protocol_suspend", protocol_id=hta.pk)
    suspension = Suspension.objects.get(protocol=hta)
    assert suspension.lifted_on is not None
    declaration = Declaration.objects.get(protocol=hta, version=3)
    page = _get(client, email, "declaration_detail", declaration_id=declaration.pk).content.decode()
    assert "Arrivée" in page and "Roux" in page
