"""The shared factories build valid objects (database constraints included) in one region."""

from funding.models import DossierState
from tests.funding.factories import (
    DecisionFactory,
    DossierFactory,
    GrantFactory,
    ReviewFactory,
    ScoreFactory,
    StatementFactory,
)
from tests.protocols.factories import (
    AdverseEventFactory,
    DeclarationFactory,
    InterventionFactory,
    SuspensionFactory,
    TeamMembershipFactory,
    TrainingFactory,
)


def test_protocol_side_factories():
    training = TrainingFactory()
    assert training.membership.joined_on
    TeamMembershipFactory(invited=True)
    TeamMembershipFactory(delegant=True)
    DeclarationFactory()
    SuspensionFactory()
    AdverseEventFactory()
    intervention = InterventionFactory()
    assert intervention.structure == intervention.protocol.structure


def test_funding_side_factories_stay_in_one_region():
    dossier = DossierFactory()
    assert dossier.campaign.region == dossier.structure.region == dossier.protocol.structure.region
    assert DossierFactory(submitted=True).state == DossierState.SUBMITTED
    grant = GrantFactory()
    assert grant.structure == grant.dossier.structure
    ScoreFactory()
    ReviewFactory(conflict_of_interest=True)
    DecisionFactory()
    StatementFactory()
