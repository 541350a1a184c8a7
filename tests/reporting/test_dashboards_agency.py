"""The ARS dashboard: funnel, interventions per month, money against the budget, late reports, open adverse events;
filters, scoping, caching and query counts."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from funding.models import DossierState, Payment, Statement
from portal.roles import Role
from reporting.models import ReportState
from tests.funding.factories import WaveFactory
from tests.portal.factories import RegionFactory, agent_of, coordinator_of, professional_of
from tests.protocols.factories import AdverseEventFactory
from tests.reporting.dashboard_world import D, dossier_in, issue, pay, report, scenario_in

URL = "/ars/tableau-de-bord/"
TODAY = datetime.datetime(2026, 1, 25, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def paca(db):
    """Two grants of one campaign (Bouches-du-Rhône and Var), H1 2025 issued, one payment, two more dossiers."""
    region = RegionFactory(code="PACA")
    wave = WaveFactory(campaign__region=region, campaign__budget=Decimal("10000.00"))
    marseille = scenario_in(wave, departement="13")
    toulon = scenario_in(wave, departement="83")
    marseille.add("2025-03-10", 3)
    marseille.add("2025-03-12", 1, eligible=False, reason="delegue_non_forme")
    marseille.add("2025-07-01", 2)
    toulon.add("2025-05-05", 4)
    dossier_in(wave, DossierState.INADMISSIBLE)
    dossier_in(wave, DossierState.TO_COMMITTEE, departement="83")
    dossier_in(wave, DossierState.DRAFT)
    issue(region, "2025-H1")
    pay(marseille.statement("2025-H1"), "50.00")
    return {"region": region, "wave": wave, "marseille": marseille, "toulon": toulon}


def rows(chart) -> dict:
    return dict(chart.rows)


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_figures_for_the_instructor(client, paca):
    marseille, toulon = paca["marseille"], paca["toulon"]
    report(marseille.grant, state=ReportState.DRAFT, due_on=D(2025, 9, 30))  # late
    report(toulon.grant, state=ReportState.ACCEPTED, due_on=D(2025, 9, 30))  # done
    report(toulon.grant, half=2, state=ReportState.TODO, due_on=D(2026, 2, 28))  # not due yet
    AdverseEventFactory(protocol=marseille.grant.protocol, severity="eig")
    AdverseEventFactory(protocol=toulon.grant.protocol, closed_at=TODAY)

    response = get(client, agent_of(paca["region"]), annee=2025)

    assert response.status_code == 200
    context = response.context
    # 2 selected + 1 inadmissible + 1 at the committee; the draft is not a candidacy yet
    assert rows(context["funnel"]) == {"Déposées": ("4",), "Recevables": ("3",), "Retenues": ("2",)}
    months = rows(context["interventions"])
    assert months["mars"] == ("3", "1") and months["mai"] == ("4", "0") and months["juil."] == ("2", "0")
    assert sum(int(eligible) + int(other) for eligible, other in months.values()) == 10
    money = context["money"]
    issued = Statement.objects.filter(status="issued").aggregate(total=Sum("total_amount"))["total"]
    assert issued == Decimal("175.00")  # (3 + 4) eligible × €25: the engine's figure
    [campaign] = money["rows"]
    assert (campaign["budget"], campaign["issued"], campaign["paid"]) == (Decimal("10000.00"), issued, Decimal("50"))
    assert campaign["remaining"] == Decimal("9825.00")
    assert context["late_reports"]["count"] == 1
    assert [r.grant for r in context["late_reports"]["items"]] == [marseille.grant]
    assert context["adverse_events"] == {"total": 1, "serious": 1}
    html = response.content.decode()
    assert html.count("<svg") == 3 and html.count("Voir les données") == 3
    assert "10\u00a0000,00\u00a0€" in html


def test_finance_officer_sees_the_same_page(client, paca):
    response = get(client, agent_of(paca["region"], Role.FINANCE_OFFICER), annee=2025)
    assert response.status_code == 200
    assert rows(response.context["funnel"])["Retenues"] == ("2",)


@pytest.mark.parametrize(
    ("params", "funnel", "march", "issued"),
    [
        ({"departement": "83"}, ("2", "2", "1"), ("0", "0"), Decimal("100.00")),
        ({"departement": "13"}, ("2", "1", "1"), ("3", "1"), Decimal("75.00")),
        ({"departement": "06"}, None, None, None),  # not a département of the region: refused (400)
    ],
)
def test_filter_by_departement(client, paca, params, funnel, march, issued):
    response = get(client, agent_of(paca["region"]), annee=2025, **params)
    if funnel is None:
        assert response.status_code == 400
        assert "Le formulaire contient des erreurs" in response.content.decode()
        return
    assert response.status_code == 200
    context = response.context
    assert tuple(v[0] for v in rows(context["funnel"]).values()) == funnel
    assert rows(context["interventions"])["mars"] == march
    assert context["money"]["rows"][0]["issued"] == issued


def test_filter_by_protocol(client, paca):
    toulon = paca["toulon"]
    response = get(client, agent_of(paca["region"]), annee=2025, protocole=toulon.grant.protocol_id)
    context = response.context
    assert rows(context["funnel"]) == {"Déposées": ("1",), "Recevables": ("1",), "Retenues": ("1",)}
    assert rows(context["interventions"])["mai"] == ("4", "0")
    assert rows(context["interventions"])["mars"] == ("0", "0")
    assert context["money"]["rows"][0]["issued"] == Decimal("100.00")
    assert context["money"]["rows"][0]["paid"] == Decimal("0")


def test_invalid_year_is_a_400_not_a_500(client, paca):
    response = get(client, agent_of(paca["region"]), annee="deux-mille")
    assert response.status_code == 400
    # the page still shows the default figures: the year of the latest intervention (2025; today is in 2026)
    assert response.context["filters"].year == 2025


def test_another_region_sees_nothing_of_this_one(client, paca):
    other = agent_of(RegionFactory(code="CVL"))
    AdverseEventFactory(protocol=paca["marseille"].grant.protocol)
    report(paca["marseille"].grant)
    response = get(client, other, annee=2025)
    assert response.status_code == 200
    context = response.context
    assert context["funnel"].is_empty and context["interventions"].is_empty
    assert context["money"]["rows"] == []
    assert context["late_reports"]["count"] == 0 and context["adverse_events"]["total"] == 0
    assert paca["marseille"].grant.structure.name not in response.content.decode()
    # a département or protocol of PACA is not even a valid choice
    assert get(client, other, protocole=paca["marseille"].grant.protocol_id).status_code == 400


@pytest.mark.parametrize("role", ["coordinator", "professional", Role.COMMITTEE_MEMBER, Role.REGION_ADMIN])
def test_other_roles_are_refused(client, paca, role):
    structure = paca["marseille"].grant.structure
    user = {
        "coordinator": lambda: coordinator_of(structure),
        "professional": lambda: professional_of(structure),
    }.get(role, lambda: agent_of(paca["region"], role))()
    assert get(client, user).status_code == 403


def test_empty_region(client, db):
    response = get(client, agent_of(RegionFactory(code="NA")))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aucune donnée pour cette période" in html
    assert "Aucune campagne n'a encore de subvention." in html


def test_statement_changes_invalidate_the_cache(client, paca, django_capture_on_commit_callbacks):
    instructor = agent_of(paca["region"])
    first = get(client, instructor, annee=2025).context["money"]["rows"][0]
    assert first["paid"] == Decimal("50")
    # A write that bypasses the services announces nothing: the cached figures stay (the cache is really used).
    Payment.objects.update(amount=Decimal("60.00"))
    assert get(client, instructor, annee=2025).context["money"]["rows"][0]["paid"] == Decimal("50")
    # A payment recorded by the service announces statements_changed once committed: the figures are recomputed.
    with django_capture_on_commit_callbacks(execute=True):
        pay(paca["toulon"].statement("2025-H1"), "30.00", reference="OP-2")
    assert get(client, instructor, annee=2025).context["money"]["rows"][0]["paid"] == Decimal("90.00")


def test_issuing_statements_invalidates_the_cache(client, paca, django_capture_on_commit_callbacks):
    instructor = agent_of(paca["region"])
    assert get(client, instructor, annee=2025).context["money"]["rows"][0]["issued"] == Decimal("175.00")
    with django_capture_on_commit_callbacks(execute=True):
        issue(paca["region"], "2025-H2")
    assert get(client, instructor, annee=2025).context["money"]["rows"][0]["issued"] == Decimal("225.00")


def _grow(paca, extra: int):
    """More of everything: grants, interventions, dossiers, reports, events (in both départements)."""
    for index in range(extra):
        scenario = scenario_in(paca["wave"], departement="83" if index % 2 else "13")
        scenario.add("2025-04-01", 3)
        scenario.add("2025-08-01", 2, eligible=False)
        report(scenario.grant)
        AdverseEventFactory(protocol=scenario.grant.protocol)
        dossier_in(paca["wave"], DossierState.ADMISSIBLE)


@pytest.mark.parametrize("cached", [False, True])
def test_query_count_does_not_grow_with_the_data(client, paca, django_assert_num_queries, cached):
    from django.core.cache import cache

    client.force_login(agent_of(paca["region"]))
    client.get("/")  # the first request after login also checks MFA and saves the session
    # session, user, scope (2), savepoints (2), latest activity day, filter choices (2), funnel, late reports
    # (count + list), adverse events; and when not cached, the two aggregates (interventions per month, money
    # per campaign) and the FIR forecast (grants, eligible interventions per grant and month, the year's
    # statements per campaign, the campaigns and their waves)
    expected = 13 if cached else 20
    for extra in (0, 4):
        _grow(paca, extra)
        cache.clear()
        if cached:
            client.get(URL, {"annee": 2025, "departement": "13"})
        with django_assert_num_queries(expected):
            response = client.get(URL, {"annee": 2025, "departement": "13"})
        assert response.status_code == 200
        assert response.context["late_reports"]["count"] == extra // 2


def test_the_dashboard_opens_on_the_year_of_the_latest_activity(client, paca):
    """Today is in 2026 and every intervention is from 2025: the page opens on 2025, not on empty figures."""
    response = get(client, agent_of(paca["region"]))
    assert response.status_code == 200
    assert response.context["filters"].year == 2025
    assert response.context["form"]["annee"].value() == 2025


def test_one_rule_of_late_dashboard_filter_and_email_agree(client, paca, django_capture_on_commit_callbacks):
    """« En retard » is ``BiannualReportQuerySet.overdue``: the ARS dashboard's count, the report list's « en
    retard » filter, the overdue e-mail and the badge on each row name the same reports."""
    from django.core import mail

    from reporting.services.notifications import reports_notify_overdue

    marseille, toulon = paca["marseille"].grant, paca["toulon"].grant
    today = TODAY.date()
    late = {
        report(marseille, state=ReportState.TODO, due_on=D(2025, 9, 30)),
        report(toulon, state=ReportState.DRAFT, due_on=D(2025, 9, 30)),
    }
    report(marseille, half=2, state=ReportState.CHANGES_REQUESTED, due_on=D(2026, 1, 10))  # back with the team
    report(toulon, half=2, state=ReportState.TODO, due_on=today)  # due today: not late yet
    report(toulon, year=2024, half=2, state=ReportState.SUBMITTED, due_on=D(2025, 1, 31))  # transmitted

    instructor = agent_of(paca["region"])
    dashboard = get(client, instructor).context["late_reports"]
    listed = client.get("/ars/rapports/", {"etat": "retard"}).context["page"].object_list
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notified = reports_notify_overdue(today=today)

    assert dashboard["count"] == len(listed) == notified == 2
    assert set(dashboard["items"]) == set(listed) == late
    assert all(r.is_overdue() for r in late)
    (message,) = mail.outbox
    assert all(r.grant.reference in message.body for r in late)
    html = client.get("/ars/rapports/").content.decode()
    assert html.count("En retard</span>") == 2
