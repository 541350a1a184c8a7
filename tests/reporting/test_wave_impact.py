"""The impact of a wave: interventions per delegate and per month since each team's declaration, excluded acts and
why, medical time freed (as declared by the teams), and the change after the first three months."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portal.roles import Role
from tests.funding.factories import WaveFactory
from tests.portal.factories import ProfessionalFactory, RegionFactory, agent_of, coordinator_of
from tests.protocols.factories import TeamMembershipFactory
from tests.reporting.dashboard_world import scenario_in

TODAY = datetime.datetime(2025, 8, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def wave(db):
    """Two teams declared on 1 March 2025. A: two delegates (the second from June), 15 minutes saved per
    intervention; B: one delegate, no time declared."""
    region = RegionFactory(code="PACA")
    wave = WaveFactory(campaign__region=region, campaign__title="AMI 2025")
    a = scenario_in(wave, dossier__protocol__declared=True, dossier__protocol__medical_minutes_saved=15)
    second = ProfessionalFactory()
    TeamMembershipFactory(protocol=a.grant.protocol, professional=a.delegate)
    TeamMembershipFactory(protocol=a.grant.protocol, professional=second, joined_on=datetime.date(2025, 6, 1))
    for day, count in (("2025-03-10", 10), ("2025-04-10", 12), ("2025-05-10", 12), ("2025-06-10", 27)):
        a.add(day, count)
    a.add("2025-05-20", 2, eligible=False, reason="doublon")
    a.add("2025-06-20", 3, eligible=False, reason="delegue_non_forme")
    a.add("2025-07-10", 36)
    a.add("2025-08-05", 50)  # August is not over: not observed
    b = scenario_in(wave, dossier__protocol__declared=True)
    TeamMembershipFactory(protocol=b.grant.protocol, professional=b.delegate)
    for month in range(3, 8):
        b.add(datetime.date(2025, month, 15), 3)
    return {"region": region, "wave": wave, "a": a, "b": b}


def url(wave) -> str:
    return reverse("reporting:wave_impact", kwargs={"campaign_id": wave.campaign_id})


def test_the_impact_of_the_wave(client, wave):
    client.force_login(agent_of(wave["region"]))
    response = client.get(url(wave["wave"]))
    assert response.status_code == 200
    context = response.context
    assert context["until"] == datetime.date(2025, 7, 1)
    # M1 March: (10 + 3) / 2 delegates; … M4 June: (30 + 3) / 3; M5 July: (36 + 3) / 3
    assert dict(context["chart"].rows) == {
        "M1": ("6,50",),
        "M2": ("7,50",),
        "M3": ("8,50",),
        "M4": ("11",),
        "M5": ("13",),
    }
    teams = {team.grant_reference: team for team in context["teams"]}
    a, b = teams[wave["a"].grant.reference], teams[wave["b"].grant.reference]
    assert (a.first_months, a.after, a.change) == (Decimal("12.0"), Decimal("16.5"), 38)
    assert (b.first_months, b.after, b.change) == (Decimal("3.0"), Decimal("3.0"), 0)
    assert a.hours_freed == Decimal("24.3")  # 97 eligible × 15 min
    assert b.hours_freed is None
    totals = context["totals"]
    assert (totals["logged"], totals["excluded"], totals["excluded_share"]) == (117, 5, 4)
    assert totals["hours_freed"] == Decimal("24.3") and totals["teams_without_minutes"] == 1
    assert context["reasons"] == [
        ("delegue_non_forme", "Formation du délégué non terminée à cette date", 3, 60),
        ("doublon", "Doublon : même acte déjà déclaré (même épisode, date et délégué)", 2, 40),
    ]
    page = response.content.decode()
    assert "déclaré par chaque équipe" in page and "+38 %" in page


def test_too_early_for_a_change(client, wave):
    with time_machine.travel(datetime.datetime(2025, 5, 3, tzinfo=datetime.UTC), tick=False):
        client.force_login(agent_of(wave["region"]))
        response = client.get(url(wave["wave"]))
    teams = response.context["teams"]
    assert all(team.after is None and team.change is None for team in teams)
    assert "trop tôt" in response.content.decode()


def test_a_campaign_without_activity(client, db):
    region = RegionFactory(code="PACA")
    wave = WaveFactory(campaign__region=region)
    client.force_login(agent_of(region, Role.REGION_ADMIN))
    response = client.get(reverse("reporting:wave_impact", kwargs={"campaign_id": wave.campaign_id}))
    assert response.status_code == 200
    assert "Aucune intervention" in response.content.decode()


def test_scope_and_roles(client, wave):
    client.force_login(agent_of(RegionFactory(code="CVL")))
    assert client.get(url(wave["wave"])).status_code == 404
    client.force_login(coordinator_of(wave["a"].grant.structure))
    assert client.get(url(wave["wave"])).status_code == 403
    client.force_login(agent_of(wave["region"], Role.FINANCE_OFFICER))
    index = client.get(reverse("reporting:wave_impact_index"))
    assert index.status_code == 200 and "AMI 2025" in index.content.decode()


def test_query_count_is_flat_in_the_number_of_teams(client, wave, django_assert_num_queries):
    client.force_login(agent_of(wave["region"]))
    client.get("/")
    # session, user, savepoint and release, scope (2), campaign, grants, interventions per protocol and month,
    # delegates per protocol and month
    with django_assert_num_queries(10):
        client.get(url(wave["wave"]))
    for _ in range(3):
        extra = scenario_in(wave["wave"], dossier__protocol__declared=True)
        TeamMembershipFactory(protocol=extra.grant.protocol, professional=extra.delegate)
        extra.add("2025-04-02", 4)
    with django_assert_num_queries(10):
        client.get(url(wave["wave"]))
