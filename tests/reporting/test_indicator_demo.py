"""The demo's follow-up indicators: the portal's proposal, defined on the PACA and Occitanie campaigns; Occitanie's
administrator compares its two funded structures (idempotency: ``tests/test_seed_demo.py``)."""

from decimal import Decimal

from django.core.management import call_command
from django.urls import reverse

from funding.models import Campaign, CampaignIndicator
from portal.models import User


def test_the_demo_compares_two_structures_on_the_proposed_indicators(client):
    call_command("seed_demo", quiet_accounts=True)
    paca_title = "AMI protocoles de coopération locaux 2025"
    for title in (paca_title, f"{paca_title} — Occitanie"):
        indicators = CampaignIndicator.objects.filter(campaign__title=title)
        assert indicators.count() == 3
        assert all("proposé par le portail" in indicator.definition for indicator in indicators)
    occitanie = Campaign.objects.get(title="AMI protocoles de coopération locaux 2025 — Occitanie")
    client.force_login(User.objects.get(email="admin.occ@demo.fr"))
    response = client.get(reverse("reporting:indicator_comparison", kwargs={"campaign_id": occitanie.pk}))
    assert response.status_code == 200
    assert response.context["year"] == 2025
    rows = {row.grant.structure.name: row.cells for row in response.context["rows"]}
    assert rows == {
        "Centre de santé de Lunel": [Decimal(96), Decimal(9), Decimal(27), Decimal("11.5"), Decimal("7.2")],
        "MSP du Lauragais": [Decimal(148), Decimal(31), Decimal(44), Decimal("6.1"), Decimal("4.3")],
    }
    # PACA's administrator sees the MSP des Oliviers, never Occitanie's campaign.
    client.force_login(User.objects.get(email="admin.paca@demo.fr"))
    assert (
        client.get(reverse("reporting:indicator_comparison", kwargs={"campaign_id": occitanie.pk})).status_code == 404
    )
    paca = Campaign.objects.get(title="AMI protocoles de coopération locaux 2025")
    response = client.get(reverse("reporting:indicator_comparison", kwargs={"campaign_id": paca.pk}))
    assert [row.grant.structure.name for row in response.context["rows"]] == ["MSP des Oliviers"]
    assert response.context["rows"][0].cells[0] == Decimal(212)
