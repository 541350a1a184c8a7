"""Follow-up indicators of the foreign region (CVL) for the tenant matrices: an indicator of the campaign that funds
the foreign grant (``grant_id``), with the value its team gave, and one of the campaign of ``campaign_id``."""

import datetime
from decimal import Decimal

from funding.models import CampaignIndicator, CampaignIndicatorValue, Grant, Periodicity
from tests.tenant import FOREIGN_MARKER

ORDER = 70


def _indicator(campaign, admin, name):
    return CampaignIndicator.objects.create(
        campaign=campaign,
        name=name,
        unit="patients",
        definition=f"Définition {FOREIGN_MARKER}",
        periodicity=Periodicity.YEARLY,
        created_by=admin,
    )


def build(world):
    admin, coordinator = world.objects["region_admin"], world.objects["coordinator"]
    grant = Grant.objects.select_related("dossier__campaign").get(pk=world.kwargs["grant_id"])
    indicator = _indicator(grant.dossier.campaign, admin, f"Indicateur {FOREIGN_MARKER}")
    CampaignIndicatorValue.objects.create(
        indicator=indicator,
        grant=grant,
        year=2025,
        value=Decimal("4242.00"),
        entered_by=coordinator,
        entered_at=datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC),
    )
    if world.kwargs["campaign_id"] != grant.dossier.campaign_id:
        _indicator(grant.dossier.campaign.__class__.objects.get(pk=world.kwargs["campaign_id"]), admin, "Suivi")
    world.objects.update(indicator=indicator)
    world.kwargs.update(indicator_id=indicator.pk)
