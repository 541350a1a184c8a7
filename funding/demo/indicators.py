"""Demo follow-up indicators: three indicators on the PACA campaign, with the 2025 values of the MSP des Oliviers.

Which indicators the demo defines is the portal's proposal (seed 000 says only that "L'ARS déterminera des
indicateurs de suivi"): each definition says so on screen. ``define`` and ``fill`` are shared with the demo of the
other regions (Occitanie: two funded structures to compare). Idempotent: an indicator is looked up by its name, and
a value the team already gave is written again only if it differs (the service skips it).
"""

import datetime
from decimal import Decimal

from funding.demo.keys import OLIVIERS_GRANT, PACA_CAMPAIGN_TITLE
from funding.models import Campaign, CampaignIndicator, Grant, Periodicity
from funding.services import indicators as services
from portal.models import User

PROPOSAL = " Indicateur proposé par le portail pour la démonstration : l'ARS fixe les siens."
# (name, unit, definition, periodicity): the portal's proposal, see docs/decisions.md.
DEMO_INDICATORS = [
    (
        "Patients pris en charge par les délégués",
        "patients",
        "Nombre de patients distincts pris en charge au moins une fois par un délégué dans le cadre du protocole "
        "au cours de l'année.",
        Periodicity.YEARLY,
    ),
    (
        "Temps médical libéré",
        "heures",
        "Interventions des délégués du semestre multipliées par la durée de consultation médicale évitée que "
        "déclare le protocole.",
        Periodicity.HALF_YEARLY,
    ),
    (
        "Patients réorientés vers le médecin",
        "%",
        "Part des patients vus par un délégué au cours du semestre et réorientés vers le médecin délégant "
        "(critère d'exclusion, signe d'alerte).",
        Periodicity.HALF_YEARLY,
    ),
]
# Values are typed "today" in the demo's story: every 2025 period is open.
ENTERED_ON = datetime.date(2026, 1, 20)
OLIVIERS_2025 = {"patients": 212, "hours": (28, 41), "referred": (Decimal("5.2"), Decimal("3.8"))}


def define(campaign: Campaign, admin: User) -> list[CampaignIndicator]:
    indicators = []
    for position, (name, unit, definition, periodicity) in enumerate(DEMO_INDICATORS):
        indicator = CampaignIndicator.objects.filter(campaign=campaign, name=name).first()
        if indicator is None:
            indicator = services.campaign_indicator_create(
                campaign=campaign,
                by=admin,
                name=name,
                unit=unit,
                definition=definition + PROPOSAL,
                periodicity=periodicity,
                position=position,
            )
        indicators.append(indicator)
    return indicators


def fill(grant: Grant, coordinator: User, indicators: list[CampaignIndicator], year: int, figures: dict) -> None:
    """``figures``: patients (a number for the year), hours and referred (a pair, one per half-year)."""
    patients, hours, referred = indicators
    values = {(patients.pk, 0): Decimal(figures["patients"])}
    for half in (1, 2):
        values[(hours.pk, half)] = Decimal(figures["hours"][half - 1])
        values[(referred.pk, half)] = Decimal(figures["referred"][half - 1])
    services.indicator_values_save(grant=grant, by=coordinator, year=year, values=values, today=ENTERED_ON)


def seed(context: dict) -> dict:
    campaign = Campaign.objects.filter(title=PACA_CAMPAIGN_TITLE).first()
    admin = User.objects.filter(email="admin.paca@demo.fr").first()
    if campaign is None or admin is None:
        return {}
    indicators = define(campaign, admin)
    grant = Grant.objects.filter(reference=OLIVIERS_GRANT).first()
    coordinator = User.objects.filter(email="coordinateur.msp@demo.fr").first()
    if grant is not None and coordinator is not None:
        fill(grant, coordinator, indicators, 2025, OLIVIERS_2025)
    return {"campaign_indicators": indicators}
