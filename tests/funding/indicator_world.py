"""A campaign of PACA with its follow-up indicators and two funded structures (shared by the funding and reporting
tests of the indicators)."""

import datetime
from dataclasses import dataclass

from funding.models import Campaign, CampaignIndicator, Grant, Periodicity
from funding.services import indicators as services
from portal.models import User
from portal.roles import Role
from tests.funding.factories import GrantFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

TODAY = datetime.datetime(2026, 2, 10, 10, 0, tzinfo=datetime.UTC)


@dataclass
class IndicatorWorld:
    campaign: Campaign
    admin: User
    patients: CampaignIndicator  # yearly
    delay: CampaignIndicator  # half-yearly
    grants: list[Grant]
    coordinators: list[User]


def funded_structure(wave, name: str) -> tuple[Grant, User]:
    structure = StructureFactory(region=wave.campaign.region, name=name)
    grant = GrantFactory(dossier__structure=structure, dossier__wave=wave, dossier__submitted=True)
    return grant, coordinator_of(structure)


def build_indicator_world() -> IndicatorWorld:
    region = RegionFactory(code="PACA")
    admin = agent_of(region, Role.REGION_ADMIN)
    wave = WaveFactory(campaign__region=region, campaign__title="AMI indicateurs 2025")
    campaign = wave.campaign
    patients = services.campaign_indicator_create(
        campaign=campaign,
        by=admin,
        name="Patients pris en charge",
        unit="patients",
        definition="Patients distincts vus par un délégué dans le cadre du protocole.",
        periodicity=Periodicity.YEARLY,
    )
    delay = services.campaign_indicator_create(
        campaign=campaign,
        by=admin,
        name="Délai d'accès au soin",
        unit="jours",
        definition="Délai médian entre la demande et la consultation du délégué.",
        periodicity=Periodicity.HALF_YEARLY,
    )
    oliviers, oliviers_coordinator = funded_structure(wave, "MSP des Oliviers")
    aix, aix_coordinator = funded_structure(wave, "CPTS du Pays d'Aix")
    return IndicatorWorld(campaign, admin, patients, delay, [oliviers, aix], [oliviers_coordinator, aix_coordinator])
