"""Protocols objects of the foreign region (CVL) for the tenant matrix: a declared local protocol with its team,
documents, a version, a suspension, an adverse event and an indicator; a second protocol whose implementation the ARS
ended, with the decision (its letter)."""

import datetime

from protocols.models import DocumentKind, MemberDocument
from tests.protocols.factories import (
    AdverseEventFactory,
    DeclarationFactory,
    NationalProtocolFactory,
    ProtocolEndingFactory,
    ProtocolFactory,
    SuspensionFactory,
    TeamMembershipFactory,
    TrainingFactory,
)
from tests.tenant import FOREIGN_MARKER

ORDER = 10
# The national catalogue is the same for every region: its pages are meant for every logged-in user.
# The national catalogue and its history are the same for every region (no region's object).
PUBLIC_ROUTES = {"protocols:national_protocol_detail", "protocols:national_protocol_versions"}


def build(world):
    structure, coordinator = world.objects["structure"], world.objects["coordinator"]
    protocol = ProtocolFactory(
        structure=structure,
        created_by=coordinator,
        code="LOC-CVL-ETRANGER",
        title=f"Protocole {FOREIGN_MARKER}",
        declared=True,
    )
    delegant = TeamMembershipFactory(protocol=protocol, professional=world.objects["delegant"], role="delegant")
    delegate = TeamMembershipFactory(protocol=protocol, professional=world.objects["professional"])
    TrainingFactory(membership=delegate, organisation=FOREIGN_MARKER)
    for membership in (delegant, delegate):
        for kind in DocumentKind:
            MemberDocument.objects.create(membership=membership, kind=kind)
    document = MemberDocument.objects.get(membership=delegate, kind=DocumentKind.IDENTITY)
    declaration = DeclarationFactory(
        protocol=protocol,
        version=1,
        deposited_by=coordinator,
        team_snapshot=[{"membership_id": delegate.pk, "name": FOREIGN_MARKER}],
        documents_snapshot=[
            {"membership_id": delegate.pk, "member_document_id": document.pk, "file": "private/x.pdf", "sha256": "0"}
        ],
    )
    suspension = SuspensionFactory(
        protocol=protocol, suspended_by=world.objects["instructor"], starts_on=datetime.date(2025, 6, 1)
    )
    event = AdverseEventFactory(protocol=protocol, reported_by=coordinator, description=FOREIGN_MARKER)
    ended = ProtocolFactory(
        structure=structure, created_by=coordinator, code="LOC-CVL-FIN", title=f"Fin {FOREIGN_MARKER}", ended=True
    )
    ending = ProtocolEndingFactory(protocol=ended, decided_by=world.objects["instructor"], motive=FOREIGN_MARKER)
    world.objects.update(protocol=protocol, team_membership=delegate, declaration=declaration)
    world.kwargs.update(
        protocol_id=protocol.pk,
        team_membership_id=delegate.pk,
        member_document_id=document.pk,
        declaration_id=declaration.pk,
        suspension_id=suspension.pk,
        adverse_event_id=event.pk,
        ending_id=ending.pk,
        national_protocol_id=NationalProtocolFactory().pk,
    )
