"""Builders shared by the committee tests: a PACA campaign with the seed-000 grid, its admin, committee members,
dossiers before the committee, and reviews scored through the services."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from funding.models import Campaign, Criterion, DossierState, Wave
from funding.services import committee as committee_services
from funding.services import grid as grid_services
from funding.services import reviews as review_services
from portal.models import Region
from portal.roles import Role
from tests.funding.factories import CampaignFactory, DossierFactory, ReviewAssignmentFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

LETTERHEAD = {
    "address": "132 boulevard de Paris\nCS 50039\n13331 Marseille Cedex 03",
    "contact_email": "ars-paca-protocoles@ars.sante.fr",
    "signatory_name": "Le directeur général de l'ARS Provence-Alpes-Côte d'Azur",
    "signatory_title": "Par délégation, la directrice des soins de proximité",
}


@dataclass
class CommitteeWorld:
    region: Region
    campaign: Campaign
    wave: Wave
    admin: object
    members: list = field(default_factory=list)

    def criteria(self) -> dict[str, Criterion]:
        return {criterion.code: criterion for criterion in Criterion.objects.filter(campaign=self.campaign)}

    def dossier(self, **kwargs):
        kwargs.setdefault("structure", StructureFactory(region=self.region))
        kwargs.setdefault("state", DossierState.TO_COMMITTEE)
        kwargs.setdefault("wave", self.wave)
        return DossierFactory(submitted=True, campaign=kwargs["wave"].campaign, **kwargs)

    def assign(self, dossier, reviewer):
        return ReviewAssignmentFactory(dossier=dossier, reviewer=reviewer, assigned_by=self.admin)

    def score(self, dossier, reviewer, notes: dict[str, int], *, submit=True, comment="Commentaire"):
        """Assign ``reviewer`` (if needed), declare no conflict and note the criteria by code."""
        assignment = dossier.assignments.filter(reviewer=reviewer).first() or self.assign(dossier, reviewer)
        review = getattr(assignment, "review", None) or review_services.review_declare_conflict(
            assignment=assignment, by=reviewer, conflict=False
        )
        criteria = self.criteria()
        prepared = {criteria[code].pk: review_services.Note(value, comment) for code, value in notes.items()}
        if submit:
            return review_services.review_submit(review=review, by=reviewer, notes=prepared)
        return review_services.review_save_draft(review=review, by=reviewer, notes=prepared)

    def meeting(self, held_on=datetime.date(2025, 2, 13)):
        return committee_services.meeting_save(
            wave=self.wave, by=self.admin, held_on=held_on, members_present=[self.admin, *self.members]
        )


def committee_world(*, members=2, projects_funded=5, priority_rule="bonus", code="PACA") -> CommitteeWorld:
    region = RegionFactory(code=code)
    for name, value in LETTERHEAD.items():
        setattr(region, name, value)
    region.save()
    campaign = CampaignFactory(region=region, priority_rule=priority_rule, priority_bonus=Decimal("1.00"))
    wave = WaveFactory(campaign=campaign, projects_funded=projects_funded)
    admin = agent_of(region, Role.REGION_ADMIN)
    grid_services.grid_load_paca_model(campaign=campaign, by=admin)
    world = CommitteeWorld(region=region, campaign=campaign, wave=wave, admin=admin)
    world.members = [agent_of(region, Role.COMMITTEE_MEMBER) for _ in range(members)]
    return world


# Every sub-criterion of the PACA grid at the same note.
def flat(value: int) -> dict[str, int]:
    return {code: value for code in ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5")}


WORKED_EXAMPLE = {"1.1": 3, "1.2": 4, "1.3": 2, "1.4": 3, "2.1": 3, "2.2": 4, "2.3": 2, "2.4": 3, "2.5": 1}


def with_coordinator(dossier):
    return coordinator_of(dossier.structure)
