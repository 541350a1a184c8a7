"""Committee objects of the foreign region (CVL) for the tenant matrix: campaign with its grid, wave, dossiers
before and after the committee, assignment, submitted review, sitting, decision, grant."""

import datetime

from funding.models import DossierState
from funding.services import committee as committee_services
from funding.services import grid as grid_services
from funding.services import reviews as review_services
from portal.roles import Role
from tests.funding.factories import CampaignFactory, DecisionFactory, DossierFactory, GrantFactory, WaveFactory
from tests.portal.factories import agent_of
from tests.tenant import FOREIGN_MARKER

ORDER = 60


def build(world):
    region, structure = world.objects["region"], world.objects["structure"]
    admin = world.objects["region_admin"]
    member = agent_of(region, Role.COMMITTEE_MEMBER)
    campaign = CampaignFactory(region=region, title=f"AMI {FOREIGN_MARKER}", created_by=admin)
    wave = WaveFactory(campaign=campaign)
    grid_services.grid_load_paca_model(campaign=campaign, by=admin)
    reviewed = DossierFactory(
        structure=structure,
        wave=wave,
        campaign=campaign,
        reference=f"AMI-{FOREIGN_MARKER}-1",
        submitted=True,
        state=DossierState.TO_COMMITTEE,
    )
    assignment = review_services.assignment_create(dossier=reviewed, reviewer=member, by=admin)
    review = review_services.review_declare_conflict(assignment=assignment, by=member, conflict=False)
    notes = {criterion.pk: review_services.Note(3) for criterion in campaign.criteria.filter(parent__isnull=False)}
    review_services.review_submit(review=review, by=member, notes=notes)
    meeting = committee_services.meeting_save(
        wave=wave, by=admin, held_on=datetime.date(2025, 2, 13), members_present=[admin, member]
    )
    decided = DossierFactory(
        structure=structure,
        wave=wave,
        campaign=campaign,
        reference=f"AMI-{FOREIGN_MARKER}-2",
        submitted=True,
        state=DossierState.SELECTED,
        protocol__declared=True,
    )
    decision = DecisionFactory(dossier=decided, meeting=meeting, decided_by=admin, motive=f"Motif {FOREIGN_MARKER}")
    grant = GrantFactory(dossier=decided, reference=f"SUB-{FOREIGN_MARKER}-1")
    world.objects.update(committee_member=member, campaign=campaign, wave=wave)
    for name, value in {"campaign_id": campaign.pk, "wave_id": wave.pk, "dossier_id": reviewed.pk}.items():
        world.kwargs.setdefault(name, value)
    world.kwargs.update(
        criterion_id=campaign.criteria.first().pk,
        assignment_id=assignment.pk,
        review_id=review.pk,
        meeting_id=meeting.pk,
        decision_id=decision.pk,
        grant_id=grant.pk,
    )
