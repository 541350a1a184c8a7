"""Shared builders of the protocols tests: a PACA MSP with its coordinator, professionals and instructor."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import Professional, Structure, User
from portal.roles import Role
from protocols.demo.documents import tiny_pdf
from protocols.models import DocumentKind, MemberDocument, Protocol, TeamMembership
from protocols.services import protocols as protocol_services
from protocols.services import teams as team_services
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of

D = datetime.date


def pdf_file(name: str = "piece.pdf", *lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_pdf(*(lines or (name,))), content_type="application/pdf")


@dataclass
class Msp:
    structure: Structure
    coordinator: User
    instructor: User
    doctor: User
    nurse: User
    pharmacist: User

    def pro(self, user: User) -> Professional:
        return Professional.objects.get(user=user)


@pytest.fixture(autouse=True)
def _national_catalogue(db):
    """The data migration fills the catalogue; a transactional test (browser journeys) flushes it from a reused
    test database, so put back what is missing (nothing in a fresh database)."""
    from protocols import national_catalogue

    national_catalogue.ensure_catalogue()


@pytest.fixture
def msp(db) -> Msp:
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region, name="MSP du Panier")
    return Msp(
        structure=structure,
        coordinator=coordinator_of(structure),
        instructor=agent_of(region, Role.INSTRUCTOR),
        doctor=professional_of(structure, profession="medecin"),
        nurse=professional_of(structure, profession="infirmier"),
        pharmacist=professional_of(structure, profession="pharmacien"),
    )


LOCAL_CONTENT = {
    "in_health_project": True,
    "object": "Suivi de l'hypertension par l'infirmier",
    "inclusion_criteria": "Adultes hypertendus stables",
    "exclusion_criteria": "Grossesse",
    "delegated_acts": "Renouvellement du traitement",
    "delegant_professions": ["medecin"],
    "delegate_professions": ["infirmier", "pharmacien"],
    "training_hours": 10,
    "training_program": "10 h en équipe",
    "delegant_availability": "Joignable par téléphone",
    "patient_information": "Information écrite, consentement tracé",
    "quality_safety": "RMM trimestrielle",
    "indicators": "Nombre de patients",
}


def written_protocol(msp: Msp, *, code: str = "LOC-TEST-HTA", checklist: bool = True) -> Protocol:
    """A complete local protocol (every section, checklist answered), still a draft, without a team."""
    protocol = protocol_services.protocol_create(
        structure=msp.structure, by=msp.coordinator, code=code, title="Suivi de l'HTA"
    )
    protocol = protocol_services.protocol_update(protocol=protocol, by=msp.coordinator, **LOCAL_CONTENT)
    if checklist:
        from protocols.checklist import CHECKLIST_CODES

        protocol_services.checklist_save(
            protocol=protocol, by=msp.coordinator, answers={code: ("yes", "") for code in CHECKLIST_CODES}
        )
    return protocol


def provide_documents(membership: TeamMembership, *, skip=()) -> None:
    for document in MemberDocument.objects.filter(membership=membership):
        if document.is_required and document.kind not in skip:
            team_services.member_document_upload(
                document=document,
                by=membership.professional.user,
                uploaded=pdf_file(f"{document.kind}.pdf", document.kind, str(membership.pk)),
            )


def join(
    protocol: Protocol, msp: Msp, user: User, role: str, on: datetime.date, *, documents=True, trained_on=None
) -> TeamMembership:
    """Invite, provide the documents, train (delegates) and accept on ``on``."""
    membership = team_services.team_invite(
        protocol=protocol, professional=msp.pro(user), role=role, by=msp.coordinator
    )
    if documents:
        provide_documents(membership)
    if trained_on:
        team_services.training_save(
            membership=membership,
            by=user,
            hours=10,
            organisation="MSP",
            completed_on=trained_on,
            certificate=pdf_file("attestation.pdf", str(membership.pk)),
        )
    return team_services.team_invitation_accept(membership=membership, by=user, on=on)


__all__ = ["D", "DocumentKind", "Msp", "join", "pdf_file", "provide_documents", "written_protocol"]
