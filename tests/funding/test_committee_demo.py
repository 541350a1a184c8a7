"""The committee's demo seeder, on the dossiers the campaigns seeder makes (built here with factories)."""

import datetime
from decimal import Decimal

from django.apps import apps

from funding.demo import committee as committee_demo
from funding.demo import keys
from funding.models import CommitteeMeeting, Decision, DossierState, Grant, Review, ReviewState
from portal import demo as portal_demo
from portal.models import Structure
from protocols.demo import keys as protocol_keys
from tests.funding.factories import CampaignFactory, DossierFactory, WaveFactory
from tests.protocols.factories import ProtocolFactory


def _counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _world():
    context = portal_demo.seed()
    paca = context["regions"]["PACA"]
    campaign = CampaignFactory(
        region=paca, title=keys.PACA_CAMPAIGN_TITLE, created_by=context["users"]["admin.paca@demo.fr"]
    )
    wave = WaveFactory(campaign=campaign)
    for reference, finess in (
        (keys.OLIVIERS_DOSSIER, protocol_keys.OLIVIERS_FINESS),
        (keys.PAYS_D_AIX_DOSSIER, protocol_keys.PAYS_D_AIX_FINESS),
    ):
        structure = Structure.objects.get(finess=finess)
        protocol = ProtocolFactory(structure=structure, declared=True, declared_on=datetime.date(2025, 3, 1))
        DossierFactory(
            structure=structure,
            wave=wave,
            campaign=campaign,
            protocol=protocol,
            reference=reference,
            submitted=True,
            state=DossierState.TO_COMMITTEE,
            in_zip=structure.in_zip,
        )
    return context


def test_demo_committee_content_and_idempotence():
    context = _world()
    result = committee_demo.seed(context)
    first = _counts()
    committee_demo.seed(context)
    assert _counts() == first

    reviews = Review.objects.filter(
        assignment__dossier__reference__in=[keys.OLIVIERS_DOSSIER, keys.PAYS_D_AIX_DOSSIER]
    )
    assert reviews.count() == 4
    assert set(reviews.values_list("state", flat=True)) == {ReviewState.SUBMITTED}
    assert set(reviews.values_list("assignment__reviewer__email", flat=True)) == {
        "commission.paca@demo.fr",
        "commission2.paca@demo.fr",
    }
    meeting = CommitteeMeeting.objects.get()
    # The day the demo campaign announces for its committee (funding.demo.campaigns).
    assert meeting.held_on == datetime.date(2025, 2, 18) and meeting.members_present.count() == 3
    assert meeting.minutes and result["committee_meeting"] == meeting
    oliviers = Decision.objects.get(dossier__reference=keys.OLIVIERS_DOSSIER)
    pays_d_aix = Decision.objects.get(dossier__reference=keys.PAYS_D_AIX_DOSSIER)
    assert (oliviers.outcome, pays_d_aix.outcome) == ("selected", "waiting_list")
    assert oliviers.letter and pays_d_aix.letter
    grant = Grant.objects.get(reference=keys.OLIVIERS_GRANT)
    assert (grant.starts_on, grant.ends_on, grant.rate, grant.yearly_cap) == (
        datetime.date(2025, 3, 1),
        datetime.date(2027, 12, 31),
        Decimal("25.00"),
        Decimal("7000.00"),
    )
    assert grant.dossier.reference == keys.OLIVIERS_DOSSIER and result["oliviers_grant"] == grant


def test_demo_committee_does_nothing_without_the_campaign():
    context = portal_demo.seed()
    before = _counts()
    assert committee_demo.seed(context) == {}
    assert _counts() == before
