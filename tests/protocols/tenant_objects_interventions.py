"""Intervention objects of the foreign region (CVL) for the tenant matrix: an intervention and an import batch."""

import datetime

from tests.protocols.factories import (
    DeclarationFactory,
    ImportBatchFactory,
    InterventionFactory,
    ProtocolFactory,
    TeamMembershipFactory,
    TrainingFactory,
)
from tests.tenant import FOREIGN_MARKER

ORDER = 40


def build(world):
    structure = world.objects["structure"]
    protocol = world.objects.get("protocol") or ProtocolFactory(
        structure=structure, declared=True, code="LOC-CVL-ETRANGER", title=f"Protocole {FOREIGN_MARKER}"
    )
    DeclarationFactory(protocol=protocol, version=99, deposited_on=datetime.date(2025, 3, 1))
    delegate = TeamMembershipFactory(protocol=protocol, professional=world.objects["professional"])
    TrainingFactory(membership=delegate)
    TeamMembershipFactory(protocol=protocol, professional=world.objects["delegant"], delegant=True)
    batch = ImportBatchFactory(structure=structure, original_name=f"{FOREIGN_MARKER}.csv", outcome="rejected")
    intervention = InterventionFactory(
        protocol=protocol,
        delegate=world.objects["professional"],
        delegant=world.objects["delegant"],
        episode_reference=FOREIGN_MARKER,
        import_batch=batch,
    )
    world.objects.update(intervention=intervention, import_batch=batch)
    world.kwargs.update(intervention_id=intervention.pk, import_batch_id=batch.pk)
