"""The follow-up indicators of a campaign (issue 17, point 5; seed 000 "L'ARS déterminera des indicateurs de
suivi"): the region's administrator defines them, the funded teams fill them in, nobody else sees them."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from funding.models import CampaignIndicator, CampaignIndicatorValue, Periodicity
from funding.services import indicators as services
from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import IndicatorValue
from tests.funding.factories import GrantFactory
from tests.funding.indicator_world import TODAY, build_indicator_world, funded_structure
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world(db):
    return build_indicator_world()


def definitions_url(world):
    return reverse("funding:campaign_indicators", kwargs={"campaign_id": world.campaign.pk})


def values_url(grant, year=2025):
    return reverse("funding:grant_indicators", kwargs={"grant_id": grant.pk}) + f"?annee={year}"


DEFINITION = {
    "name": "Actes délégués",
    "unit": "actes",
    "definition": "Actes réalisés par les délégués.",
    "periodicity": "yearly",
    "position": "",
}


def test_the_region_admin_defines_an_indicator(client, world):
    client.force_login(world.admin)
    response = client.post(definitions_url(world), DEFINITION)
    assert response.status_code == 302
    indicator = CampaignIndicator.objects.get(campaign=world.campaign, name="Actes délégués")
    assert (indicator.unit, indicator.periodicity, indicator.position) == ("actes", Periodicity.YEARLY, 2)
    assert indicator.created_by == world.admin
    page = client.get(definitions_url(world)).content.decode()
    assert "Actes délégués" in page and "Patients pris en charge" in page


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.COMMITTEE_MEMBER])
def test_only_the_region_admin_defines_them(client, world, role):
    agent = agent_of(world.campaign.region, role)
    client.force_login(agent)
    assert client.post(definitions_url(world), DEFINITION).status_code == 403
    with pytest.raises(ApplicationError, match="Seul un administrateur"):
        services.campaign_indicator_create(campaign=world.campaign, by=agent, **{**DEFINITION, "position": None})
    assert not CampaignIndicator.objects.filter(name="Actes délégués").exists()


def test_the_admin_of_another_region_does_not_reach_them(client, world):
    client.force_login(agent_of(RegionFactory(code="CVL"), Role.REGION_ADMIN))
    assert client.get(definitions_url(world)).status_code == 404
    assert client.post(definitions_url(world), DEFINITION).status_code == 404
    edit = reverse("funding:campaign_indicator_edit", kwargs={"indicator_id": world.patients.pk})
    assert client.post(edit, DEFINITION).status_code == 404
    assert CampaignIndicator.objects.filter(campaign=world.campaign).count() == 2


def test_form_errors_are_in_french_and_nothing_is_saved(client, world):
    client.force_login(world.admin)
    response = client.post(definitions_url(world), {"name": " ", "unit": "", "definition": "", "periodicity": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Donnez un nom à l&#x27;indicateur." in page
    assert "Indiquez l&#x27;unité de l&#x27;indicateur." in page
    assert "Définissez l&#x27;indicateur" in page
    assert "Sélectionnez un choix valide" in page
    duplicate = {**DEFINITION, "name": "Patients pris en charge"}
    response = client.post(definitions_url(world), duplicate)
    assert response.status_code == 400
    assert "Cette campagne a déjà un indicateur de ce nom." in response.content.decode()
    assert CampaignIndicator.objects.filter(campaign=world.campaign).count() == 2


def test_the_database_refuses_a_duplicate_name_and_an_unknown_period(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignIndicator.objects.create(
            campaign=world.campaign,
            name="Patients pris en charge",
            unit="patients",
            definition="Doublon",
            periodicity=Periodicity.YEARLY,
            created_by=world.admin,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignIndicatorValue.objects.create(
            indicator=world.patients, grant=world.grants[0], year=2025, half=3, value=1, entered_by=world.admin
        )


def test_a_team_fills_the_values_of_its_campaign(client, world):
    grant, coordinator = world.grants[0], world.coordinators[0]
    client.force_login(coordinator)
    page = client.get(values_url(grant))
    assert page.status_code == 200
    fields = set(page.context["form"].fields)
    yearly, first, second = (
        f"valeur_{world.patients.pk}_0",
        f"valeur_{world.delay.pk}_1",
        f"valeur_{world.delay.pk}_2",
    )
    assert fields == {yearly, first, second}
    response = client.post(values_url(grant), {yearly: "212", first: "4,5", second: "3"})
    assert response.status_code == 302
    rows = CampaignIndicatorValue.objects.filter(grant=grant, year=2025)
    stored = {(row.indicator_id, row.half): row.value for row in rows}
    assert stored == {
        (world.patients.pk, 0): Decimal("212"),
        (world.delay.pk, 1): Decimal("4.5"),
        (world.delay.pk, 2): Decimal("3"),
    }
    # An empty field removes the value; the history keeps it.
    client.post(values_url(grant), {yearly: "212", first: "4,5", second: ""})
    assert not CampaignIndicatorValue.objects.filter(grant=grant, indicator=world.delay, half=2).exists()
    assert CampaignIndicatorValue.history.filter(half=2, history_type="-").count() == 1


def test_a_wrong_value_is_a_french_error_and_nothing_is_half_saved(client, world):
    grant = world.grants[0]
    client.force_login(world.coordinators[0])
    yearly, first = f"valeur_{world.patients.pk}_0", f"valeur_{world.delay.pk}_1"
    response = client.post(values_url(grant), {yearly: "212", first: "quatre"})
    assert response.status_code == 400
    assert "Saisissez un nombre (ex. 212 ou 12,5)." in response.content.decode()
    response = client.post(values_url(grant), {yearly: "12345678901", first: "4"})
    assert response.status_code == 400
    assert "Ce nombre est trop grand" in response.content.decode()
    assert not CampaignIndicatorValue.objects.exists()


def test_a_period_not_begun_cannot_be_filled(world):
    grant, coordinator = world.grants[0], world.coordinators[0]
    # 2026-H2 has not begun on 10 February 2026.
    with pytest.raises(ApplicationError, match="la période n'a pas commencé"):
        services.indicator_values_save(
            grant=grant, by=coordinator, year=2026, values={(world.delay.pk, 2): Decimal(3)}
        )
    with pytest.raises(ApplicationError, match="se mesure par année"):
        services.indicator_values_save(
            grant=grant, by=coordinator, year=2025, values={(world.patients.pk, 1): Decimal(3)}
        )
    assert not CampaignIndicatorValue.objects.exists()


def test_a_team_fills_only_its_own_grant(client, world):
    client.force_login(world.coordinators[1])
    assert client.get(values_url(world.grants[0])).status_code == 404
    with pytest.raises(ApplicationError, match="Seul un coordinateur de la structure"):
        services.indicator_values_save(
            grant=world.grants[0], by=world.coordinators[1], year=2025, values={(world.patients.pk, 0): Decimal(1)}
        )
    # The ARS reads the values but does not type them for the team.
    client.force_login(world.admin)
    assert client.get(values_url(world.grants[0])).status_code == 200
    assert client.post(values_url(world.grants[0]), {}).status_code == 403


def test_teams_of_another_region_never_see_them(client, world):
    cvl_grant, cvl_coordinator = funded_structure(
        GrantFactory(dossier__structure=StructureFactory(region=RegionFactory(code="CVL"))).dossier.wave, "MSP du Cher"
    )
    assert not CampaignIndicator.objects.visible_to(cvl_coordinator).exists()
    client.force_login(cvl_coordinator)
    assert client.get(values_url(world.grants[0])).status_code == 404
    page = client.get(values_url(cvl_grant)).content.decode()
    assert "Patients pris en charge" not in page
    assert "pas encore défini" in page
    # Nor a PACA team the campaign does not fund; the funded teams see their campaign's indicators only.
    unfunded = coordinator_of(StructureFactory(region=world.campaign.region))
    assert not CampaignIndicator.objects.visible_to(unfunded).exists()
    assert set(CampaignIndicator.objects.visible_to(world.coordinators[0])) == {world.patients, world.delay}


def test_a_measured_indicator_keeps_its_periodicity_and_cannot_be_deleted(client, world):
    services.indicator_values_save(
        grant=world.grants[0], by=world.coordinators[0], year=2025, values={(world.patients.pk, 0): Decimal(10)}
    )
    client.force_login(world.admin)
    edit = reverse("funding:campaign_indicator_edit", kwargs={"indicator_id": world.patients.pk})
    response = client.post(edit, {**DEFINITION, "name": "Patients suivis", "periodicity": "half_yearly"})
    assert response.status_code == 400
    assert "sa périodicité ne change plus" in response.content.decode()
    response = client.post(edit, {**DEFINITION, "name": "Patients suivis", "periodicity": "yearly"})
    assert response.status_code == 302
    world.patients.refresh_from_db()
    assert world.patients.name == "Patients suivis"
    delete = reverse("funding:campaign_indicator_delete", kwargs={"indicator_id": world.patients.pk})
    client.post(delete)
    assert CampaignIndicator.objects.filter(pk=world.patients.pk).exists()
    delete = reverse("funding:campaign_indicator_delete", kwargs={"indicator_id": world.delay.pk})
    client.post(delete)
    assert not CampaignIndicator.objects.filter(pk=world.delay.pk).exists()


def test_the_free_indicators_of_a_team_stay_apart(world):
    """The protocol's own indicators (free labels) are untouched by the campaign's."""
    grant, coordinator = world.grants[0], world.coordinators[0]
    free = IndicatorValue.objects.create(
        protocol=grant.protocol, year=2025, label="Patients satisfaits", value=Decimal(40), entered_by=coordinator
    )
    services.indicator_values_save(grant=grant, by=coordinator, year=2025, values={(world.patients.pk, 0): Decimal(9)})
    assert list(IndicatorValue.objects.filter(protocol=grant.protocol)) == [free]
    assert CampaignIndicatorValue.objects.get().value == Decimal(9)
    assert datetime.date(2025, 1, 1) < grant.starts_on


def test_a_grant_not_yet_begun_has_no_period_to_fill(client, world):
    later, coordinator = funded_structure(world.grants[0].dossier.wave, "MSP de demain")
    type(later).objects.filter(pk=later.pk).update(starts_on=datetime.date(2026, 6, 1))
    client.force_login(coordinator)
    page = client.get(reverse("funding:grant_indicators", kwargs={"grant_id": later.pk}))
    assert page.status_code == 200
    assert "pas encore commencé" in page.content.decode()
    assert not page.context["form"].fields
    response = client.post(reverse("funding:grant_indicators", kwargs={"grant_id": later.pk}), {})
    assert response.status_code == 400
    assert "aucune période à renseigner" in response.content.decode()
    later.refresh_from_db()
    with pytest.raises(ApplicationError, match="la période n'a pas commencé"):
        services.indicator_values_save(
            grant=later, by=coordinator, year=2026, values={(world.patients.pk, 0): Decimal(1)}
        )
