"""AMI campaigns: the region administrator's forms (rich text cleaned, Paris times, waves), publication, the public
pages and the coordinators' home."""

import datetime
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from funding.models import Campaign, Wave
from funding.services.campaigns import campaign_publish, wave_create
from portal.errors import ApplicationError
from portal.roles import Role
from tests.funding.factories import CampaignFactory, CriterionFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC
HOSTILE = (
    '<h3>Contexte</h3><p onclick="steal()">Texte <strong>important</strong></p><script>alert(1)</script>'
    '<a href="javascript:alert(2)">piège</a> <a href="https://www.paca.ars.sante.fr">ARS</a>'
    '<img src="x" onerror="alert(3)">'
)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def paca():
    return RegionFactory(code="PACA")


@pytest.fixture
def admin(paca):
    return agent_of(paca, Role.REGION_ADMIN)


def _campaign_data(**changes):
    data = {
        "title": "AMI protocoles de coopération locaux 2025",
        "description": HOSTILE,
        "rules": "<ol><li>Pertinence</li><li>Conditions de réalisation</li></ol>",
        "eligible_structure_kinds": ["MSP", "CDS", "CPTS", "ESP"],
        "committee_date": "2025-02-18",
        "answer_expected_on": "2025-03-31",
        "rate_per_intervention": "25.00",
        "yearly_cap": "7000.00",
        "budget": "",
    }
    data.update(changes)
    return data


def test_admin_creates_a_campaign_with_cleaned_rich_text(client, paca, admin):
    client.force_login(admin)
    response = client.post(reverse("funding:campaign_create"), {"region": paca.pk, **_campaign_data()})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.region == paca and campaign.created_by == admin
    assert (campaign.rate_per_intervention, campaign.yearly_cap) == (Decimal("25.00"), Decimal("7000.00"))
    for dangerous in ("<script", "onclick", "javascript:", "onerror", "<img"):
        assert dangerous not in campaign.description
    assert "<strong>important</strong>" in campaign.description
    assert 'href="https://www.paca.ars.sante.fr"' in campaign.description
    assert not campaign.is_published
    # The form has no scoring grid: the committee screens own it.
    assert "criteria" not in client.get(reverse("funding:campaign_create")).context["form"].fields


def test_stored_html_is_cleaned_again_when_rendered(client, paca):
    campaign = CampaignFactory(region=paca)
    WaveFactory(campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(description=HOSTILE)  # a path that bypassed the service
    page = client.get(reverse("funding:public_campaign", kwargs={"campaign_id": campaign.pk}))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<script>alert(1)</script>" not in content and "onclick" not in content and "onerror" not in content
    assert "<strong>important</strong>" in content


def test_invalid_campaign_input_is_a_form_error(client, paca, admin):
    client.force_login(admin)
    response = client.post(
        reverse("funding:campaign_create"),
        {"region": paca.pk, **_campaign_data(rate_per_intervention="-5", eligible_structure_kinds=["XYZ"])},
    )
    assert response.status_code == 400
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored_utc"),
    [
        ("2025-01-15T08:00", datetime.datetime(2025, 1, 15, 7, 0, tzinfo=UTC)),  # winter, UTC+1
        ("2025-07-01T08:00", datetime.datetime(2025, 7, 1, 6, 0, tzinfo=UTC)),  # summer, UTC+2
    ],
)
def test_wave_times_are_typed_in_paris_time(client, paca, admin, typed, stored_utc):
    campaign = CampaignFactory(region=paca, created_by=admin)
    client.force_login(admin)
    response = client.post(
        reverse("funding:wave_create", kwargs={"campaign_id": campaign.pk}),
        {"opens_at": "2024-11-04T09:00", "deadline": typed, "projects_funded": 5, "committee_date": ""},
    )
    assert response.status_code == 302
    wave = Wave.objects.get()
    assert wave.deadline == stored_utc
    assert wave.number == 1
    edit = client.get(reverse("funding:wave_edit", kwargs={"wave_id": wave.pk}))
    assert typed in edit.content.decode()  # shown back in Paris time


def test_a_time_that_does_not_exist_in_paris_is_refused(client, paca, admin):
    campaign = CampaignFactory(region=paca, created_by=admin)
    client.force_login(admin)
    response = client.post(
        reverse("funding:wave_create", kwargs={"campaign_id": campaign.pk}),
        {"opens_at": "2025-03-01T09:00", "deadline": "2025-03-30T02:30", "projects_funded": 5},
    )
    assert response.status_code == 400
    assert not Wave.objects.exists()


def test_waves_of_a_campaign_do_not_overlap(client, paca, admin):
    campaign = CampaignFactory(region=paca, created_by=admin)
    first = WaveFactory(campaign=campaign)  # 1 Nov 2024 → 15 Jan 2025
    client.force_login(admin)
    response = client.post(
        reverse("funding:wave_create", kwargs={"campaign_id": campaign.pk}),
        {"opens_at": "2025-01-10T09:00", "deadline": "2025-06-30T08:00", "projects_funded": 3},
    )
    assert response.status_code == 400
    assert "ne peuvent pas se chevaucher" in text(response)
    overlapping = Wave(
        campaign=campaign, number=2, opens_at=first.opens_at, deadline=first.deadline, projects_funded=1
    )
    with pytest.raises(ValidationError):
        overlapping.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        overlapping.save()
    # A second wave after the first reopens the campaign.
    second = wave_create(
        campaign=campaign,
        by=admin,
        opens_at=datetime.datetime(2025, 9, 1, 9, 0, tzinfo=PARIS),
        deadline=datetime.datetime(2026, 1, 15, 8, 0, tzinfo=PARIS),
        projects_funded=3,
    )
    assert second.number == 2
    backwards = Wave(
        campaign=campaign, number=3, opens_at=second.deadline, deadline=second.opens_at, projects_funded=1
    )
    with pytest.raises(ValidationError, match="La date limite doit suivre l'ouverture"):
        backwards.full_clean()


def test_publication(client, paca, admin):
    campaign = CampaignFactory(region=paca, created_by=admin, published_at=None, description="<p>AMI</p>")
    with pytest.raises(ApplicationError) as refused:
        campaign_publish(campaign=campaign, by=admin)
    assert refused.value.code == "no_wave"
    WaveFactory(campaign=campaign)
    public = reverse("funding:public_region_campaigns", kwargs={"region_code": "PACA"})
    detail = reverse("funding:public_campaign", kwargs={"campaign_id": campaign.pk})
    assert campaign.title not in text(client.get(public))
    assert client.get(detail).status_code == 404
    client.force_login(admin)
    assert client.post(reverse("funding:campaign_publish", kwargs={"campaign_id": campaign.pk})).status_code == 302
    campaign.refresh_from_db()
    assert campaign.is_published
    client.logout()
    assert campaign.title in text(client.get(public))
    assert campaign.title in text(client.get(reverse("funding:public_campaigns")))
    page = client.get(detail)
    assert page.status_code == 200
    assert "15 janvier 2025 à 08:00" in text(page)
    assert client.get(reverse("funding:public_region_campaigns", kwargs={"region_code": "XX"})).status_code == 404


def test_campaign_pages_are_scoped(client, paca, admin):
    campaign = CampaignFactory(region=paca, created_by=admin)
    WaveFactory(campaign=campaign)
    CriterionFactory(campaign=campaign, code="1", label="Pertinence du protocole local")
    edit = reverse("funding:campaign_edit", kwargs={"campaign_id": campaign.pk})
    detail = reverse("funding:campaign_detail", kwargs={"campaign_id": campaign.pk})
    client.force_login(agent_of(paca, Role.INSTRUCTOR))
    page = client.get(detail)
    assert page.status_code == 200
    assert "Pertinence du protocole local" in text(page)  # the grid, read-only
    assert client.get(edit).status_code == 403
    client.force_login(agent_of(RegionFactory(code="CVL"), Role.REGION_ADMIN))
    assert client.get(edit).status_code == 404
    assert client.get(detail).status_code == 404
    client.force_login(coordinator_of(StructureFactory(region=paca)))
    assert client.get(reverse("funding:campaign_list")).status_code == 403
    client.force_login(admin)
    assert client.post(edit, _campaign_data(title="AMI 2025 (modifié)")).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).title == "AMI 2025 (modifié)"


def test_coordinators_home_lists_the_published_campaigns_of_their_region(client, paca):
    published = CampaignFactory(region=paca, title="AMI PACA publié")
    WaveFactory(campaign=published)
    CampaignFactory(region=paca, title="AMI PACA en préparation", published_at=None)
    CampaignFactory(region=RegionFactory(code="CVL"), title="AMI Centre-Val de Loire")
    client.force_login(coordinator_of(StructureFactory(region=paca)))
    home = text(client.get(reverse("reporting:home")))
    assert "AMI PACA publié" in home
    assert "AMI PACA en préparation" not in home
    assert "AMI Centre-Val de Loire" not in home
    assert "Mes candidatures" in home


def test_publication_can_be_scheduled_not_backdated(client, paca, admin):
    campaign = CampaignFactory(region=paca, created_by=admin, published_at=None, description="<p>AMI</p>")
    WaveFactory(campaign=campaign)
    client.force_login(admin)
    publish = reverse("funding:campaign_publish", kwargs={"campaign_id": campaign.pk})
    client.post(publish, {"published_at": "2020-01-01T09:00"})
    campaign.refresh_from_db()
    assert campaign.published_at is None
    client.post(publish, {"published_at": "2099-01-04T09:00"})
    campaign.refresh_from_db()
    assert campaign.published_at == datetime.datetime(2099, 1, 4, 9, 0, tzinfo=PARIS)
    assert not campaign.is_published
    assert client.get(reverse("funding:public_campaign", kwargs={"campaign_id": campaign.pk})).status_code == 404
