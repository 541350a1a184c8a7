"""A protocol whose interventions can be eligible: declared, a grant, a trained delegate and a delegant.

Shared by the eligibility, intervention and import tests. Dates follow the demo: grant from 2025-03-01, team from
2025-03-01, delegate trained on 2025-03-10 (unless told otherwise).
"""

import datetime
from dataclasses import dataclass

from funding.models import DossierState, Grant, InterventionEligibility
from funding.services.eligibility import recompute_eligibility
from portal.models import Professional, Structure
from protocols.models import Intervention, Protocol, TeamMembership
from tests.funding.factories import DossierFactory, GrantFactory
from tests.portal.factories import StructureFactory, StructureMembershipFactory, coordinator_of
from tests.protocols.factories import (
    DeclarationFactory,
    InterventionFactory,
    ProtocolFactory,
    TeamMembershipFactory,
    TrainingFactory,
)

D = datetime.date
MARCH_1, MARCH_10, END_2027 = D(2025, 3, 1), D(2025, 3, 10), D(2027, 12, 31)


@dataclass
class EligibilityWorld:
    structure: Structure
    protocol: Protocol
    grant: Grant | None
    delegate: Professional
    delegant: Professional
    delegate_membership: TeamMembership
    delegant_membership: TeamMembership
    coordinator: object

    def intervention(self, performed_on, **kwargs) -> Intervention:
        kwargs.setdefault("delegate", self.delegate)
        kwargs.setdefault("delegant", self.delegant)
        return InterventionFactory(protocol=self.protocol, performed_on=performed_on, **kwargs)

    def recompute(self, **kwargs) -> int:
        return recompute_eligibility(protocol_ids=[self.protocol.pk], **kwargs)

    def reason_of(self, intervention: Intervention) -> str:
        row = InterventionEligibility.objects.get(intervention=intervention)
        assert row.is_eligible == (row.reason == "")
        return row.reason or "eligible"

    def reason_on(self, performed_on, **kwargs) -> str:
        intervention = self.intervention(performed_on, **kwargs)
        self.recompute()
        return self.reason_of(intervention)

    def add_delegate(self, *, joined_on=MARCH_1, trained_on=MARCH_10, profession="infirmier"):
        membership = TeamMembershipFactory(
            protocol=self.protocol, joined_on=joined_on, professional__profession=profession
        )
        if trained_on is not None:
            TrainingFactory(membership=membership, completed_on=trained_on)
        StructureMembershipFactory(structure=self.structure, user=membership.professional.user, role="professional")
        return membership.professional


def build_world(
    *,
    structure=None,
    grant_starts_on=MARCH_1,
    grant_ends_on=END_2027,
    with_grant=True,
    declared_on=MARCH_1,
    team_joined_on=MARCH_1,
    trained_on=MARCH_10,
    code=None,
    counting_unit="intervention",
    national=False,
) -> EligibilityWorld:
    structure = structure or StructureFactory()
    protocol_kwargs = {"code": code} if code else {}
    if national:
        protocol_kwargs["national"] = True
    protocol = ProtocolFactory(structure=structure, declared=True, declared_on=declared_on, **protocol_kwargs)
    DeclarationFactory(protocol=protocol, version=1, deposited_on=declared_on)
    grant = None
    if with_grant and counting_unit == "patient":
        # Per patient is an SNP line's unit (constraint grant_regime_coherent): no dossier, no cap.
        grant = GrantFactory(
            snp=True, structure=structure, protocol=protocol, starts_on=grant_starts_on, ends_on=grant_ends_on
        )
    elif with_grant:
        dossier = DossierFactory(structure=structure, protocol=protocol, submitted=True, state=DossierState.SELECTED)
        grant = GrantFactory(
            dossier=dossier, starts_on=grant_starts_on, ends_on=grant_ends_on, counting_unit=counting_unit
        )
    delegant_membership = TeamMembershipFactory(protocol=protocol, delegant=True, joined_on=team_joined_on)
    delegate_membership = TeamMembershipFactory(protocol=protocol, joined_on=team_joined_on)
    TrainingFactory(membership=delegate_membership, completed_on=trained_on)
    for membership in (delegant_membership, delegate_membership):
        StructureMembershipFactory(structure=structure, user=membership.professional.user, role="professional")
    return EligibilityWorld(
        structure=structure,
        protocol=protocol,
        grant=grant,
        delegate=delegate_membership.professional,
        delegant=delegant_membership.professional,
        delegate_membership=delegate_membership,
        delegant_membership=delegant_membership,
        coordinator=coordinator_of(structure),
    )
