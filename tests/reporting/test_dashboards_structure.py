"""The structure dashboard (/tableau-de-bord/): the coordinator's grants, activity, exclusions and reports; the
professional's interventions, training and documents. Figures against the funding engine, scoping, query counts."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from funding.models import Statement
from portal.roles import Role
from protocols.models import DocumentKind, DocumentStatus, MemberDocument
from reporting.models import ReportState
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import (
    ProfessionalFactory,
    StructureFactory,
    StructureMembershipFactory,
    agent_of,
    coordinator_of,
)
from tests.protocols.factories import TeamMembershipFactory, TrainingFactory
from tests.reporting.dashboard_world import D, report

URL = "/tableau-de-bord/"


def at(day: str):
    return time_machine.travel(datetime.datetime.fromisoformat(day + "T10:00:00+02:00"), tick=False)


@pytest.fixture
def msp(db):
    """A grant with activity in both half-years of 2025; 2025-H1 issued (its interventions are now frozen)."""
    scenario = GrantScenario()
    scenario.add("2025-03-10", 3)
    scenario.add("2025-04-02", 1, eligible=False, reason="delegue_non_forme")
    scenario.add("2025-07-05", 2)
    [suspended] = scenario.add("2025-08-01", 1, eligible=False, reason="protocole_suspendu")
    compute(scenario.region, "2025-H1", issue=True)
    scenario.suspended = suspended
    scenario.coordinator = coordinator_of(scenario.grant.structure)
    return scenario


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_coordinator_figures_match_the_funding_engine(client, msp):
    report(msp.grant, state=ReportState.DRAFT, due_on=D(2025, 9, 30))
    report(msp.grant, year=2024, half=2, state=ReportState.ACCEPTED, due_on=D(2025, 3, 31))
    with at("2025-08-20"):
        response = get(client, msp.coordinator)
    assert response.status_code == 200
    data = response.context["coordinator"]

    activity = data["activity"]
    assert activity["current"] == {"total": 3, "eligible": 2, "excluded": 1}
    assert activity["previous"] == {"total": 4, "eligible": 3, "excluded": 1}
    chart = dict(activity["chart"].rows)
    assert chart["juil. / janv."] == ("2", "0")
    assert chart["sept. / mars"] == ("0", "3")
    assert activity["chart"].columns == ("", "2025-H2", "2025-H1")

    [grant] = data["grants"]
    assert grant["eligible"] == 5 and grant["consumed"] == Decimal("125.00")
    assert grant["issued"] == Decimal("75.00")  # what the issued 2025-H1 statement cumulates
    # The engine's own figure: a 2025-H2 draft computed now cumulates the same amount for the year.
    compute(msp.region, "2025-H2")
    assert Statement.objects.get(grant=msp.grant, year=2025, half=2).year_cumulative == grant["consumed"]

    # The H1 exclusion is frozen by the issued statement; only the H2 one can still be corrected.
    exclusions = data["exclusions"]
    assert exclusions["count"] == 1 and [i.pk for i in exclusions["items"]] == [msp.suspended.pk]
    assert [code for code, _label, _n in exclusions["reasons"]] == ["protocole_suspendu"]
    html = response.content.decode()
    assert reverse("protocols:intervention_edit", kwargs={"intervention_id": msp.suspended.pk}) in html
    assert "Protocole suspendu à cette date" in html

    assert [(r.year, r.half) for r in data["reports"]] == [(2025, 1)]
    assert "En retard" not in html
    assert html.count("<svg") == 2  # the cap gauge and the half-year comparison


def test_cap_consumed_stops_at_the_cap(client, db):
    scenario = GrantScenario(yearly_cap=Decimal("100.00"))
    scenario.add("2025-05-02", 6)
    with at("2025-06-10"):
        response = get(client, coordinator_of(scenario.grant.structure), periode="2025-H1")
    [grant] = response.context["coordinator"]["grants"]
    assert grant["consumed"] == Decimal("100.00") and grant["issued"] is None
    assert "100\u00a0€ sur 100\u00a0€ (100 %)" in response.content.decode()


@pytest.mark.parametrize(
    "state, late",
    [(ReportState.DRAFT, True), (ReportState.TODO, True), (ReportState.CHANGES_REQUESTED, False)],
)
def test_late_report_is_flagged(client, msp, state, late):
    """The one rule of late (BiannualReportQuerySet.overdue): not yet transmitted and past its due date; a report
    the ARS sent back for changes was transmitted on time and is not late (docs/decisions.md)."""
    report(msp.grant, state=state, due_on=D(2025, 9, 30))
    with at("2025-10-02"):
        html = get(client, msp.coordinator).content.decode()
    assert ("En retard" in html) is late


def test_period_filter_and_bad_input(client, msp):
    with at("2025-08-20"):
        response = get(client, msp.coordinator, periode="2025-H1")
        assert response.context["coordinator"]["activity"]["current"]["total"] == 4
        assert response.context["coordinator"]["activity"]["previous"]["total"] == 0
        bad = get(client, msp.coordinator, periode="2031-H7")
    assert bad.status_code == 400
    assert bad.context["period"].half == 2  # the current half-year, next to the error


def test_coordinator_sees_only_their_structures(client, msp):
    neighbour = coordinator_of(StructureFactory(region=msp.region))
    with at("2025-08-20"):
        response = get(client, neighbour)
    data = response.context["coordinator"]
    assert data["grants"] == [] and data["exclusions"]["count"] == 0 and data["reports"] == []
    assert data["activity"]["current"]["total"] == 0 and data["activity"]["chart"].is_empty
    html = response.content.decode()
    assert msp.grant.reference not in html and "Aucune subvention pour vos structures." in html


def test_agency_roles_are_refused(client, msp):
    assert get(client, agent_of(msp.region, Role.INSTRUCTOR)).status_code == 403


@pytest.fixture
def ines(msp):
    """The delegate of the grant, a professional of the structure, training not finished, documents to provide."""
    professional = msp.delegate
    StructureMembershipFactory(user=professional.user, structure=msp.grant.structure, role=Role.PROFESSIONAL)
    membership = TeamMembershipFactory(protocol=msp.grant.protocol, professional=professional)
    TrainingFactory(membership=membership, completed_on=None, certificate_name="", certificate_sha256="")
    MemberDocument.objects.create(membership=membership, kind=DocumentKind.IDENTITY)
    MemberDocument.objects.create(membership=membership, kind=DocumentKind.EMPLOYER)  # not salaried: not required
    MemberDocument.objects.create(
        membership=membership,
        kind=DocumentKind.INSURANCE,
        status=DocumentStatus.REFUSED,
        refusal_reason="Attestation expirée",
        sha256="b" * 64,
    )
    MemberDocument.objects.create(
        membership=membership, kind=DocumentKind.ENGAGEMENT, status=DocumentStatus.VALIDATED, sha256="c" * 64
    )
    professional.membership = membership
    return professional


def test_professional_figures(client, msp, ines):
    other = GrantScenario()  # someone else's interventions in another structure
    other.add("2025-08-03", 5)
    with at("2025-08-20"):
        response = get(client, ines.user)
    assert response.status_code == 200
    assert "coordinator" not in response.context
    data = response.context["professional"]
    assert (data["activity"]["month"], data["activity"]["year"], data["activity"]["year_eligible"]) == (1, 7, 5)
    assert dict(data["activity"]["chart"].rows)["mars"] == ("3",)
    assert data["trainings"] == [ines.membership]
    assert [d.kind for d in data["documents"]] == [DocumentKind.IDENTITY, DocumentKind.INSURANCE]
    html = response.content.decode()
    assert reverse("protocols:training_edit", kwargs={"team_membership_id": ines.membership.pk}) in html
    assert "Attestation expirée" in html


def test_coordinator_and_professional_see_both_blocks(client, msp, ines):
    StructureMembershipFactory(user=ines.user, structure=msp.grant.structure, role=Role.COORDINATOR)
    with at("2025-08-20"):
        response = get(client, ines.user)
    assert "coordinator" in response.context and "professional" in response.context


def test_professional_without_activity(client, db):
    user = ProfessionalFactory().user
    StructureMembershipFactory(user=user, role=Role.PROFESSIONAL)
    html = get(client, user).content.decode()
    assert "Aucune donnée pour cette période" in html
    assert "aucune formation à suivre" in html and "Toutes vos pièces sont fournies." in html


def test_issued_statements_refresh_the_cached_cap(client, db, django_capture_on_commit_callbacks):
    scenario = GrantScenario()
    scenario.add("2025-03-10", 2)
    coordinator = coordinator_of(scenario.grant.structure)
    with at("2025-08-20"):
        assert get(client, coordinator).context["coordinator"]["grants"][0]["issued"] is None
        with django_capture_on_commit_callbacks(execute=True):
            compute(scenario.region, "2025-H1", issue=True)
        assert get(client, coordinator).context["coordinator"]["grants"][0]["issued"] == Decimal("50.00")


def _grow(scenario, extra):
    for _ in range(extra):
        more = GrantScenario(dossier__structure=scenario.grant.structure)
        more.add("2025-07-10", 2)
        more.add("2025-08-10", 1, eligible=False)
        report(more.grant)
    scenario.add("2025-07-20", extra * 3, eligible=False, reason="doublon")


@pytest.mark.parametrize("cached", [False, True])
def test_coordinator_query_count_does_not_grow(client, msp, django_assert_num_queries, cached):
    from django.core.cache import cache

    client.force_login(msp.coordinator)
    client.get("/")  # the first request after login also checks MFA and saves the session
    # session, user, scope (2), savepoints (2), latest activity day, grants, structures' regions, exclusions
    # (monthly counts per reason, régularisations that froze some, the newest ones), reports; and when not cached,
    # the activity and the cap figures (eligible counts, issued statements)
    expected = 13 if cached else 16
    with at("2025-08-20"):
        for extra in (0, 3):
            _grow(msp, extra)
            cache.clear()
            if cached:
                client.get(URL)
            with django_assert_num_queries(expected):
                response = client.get(URL)
            assert len(response.context["coordinator"]["grants"]) == 1 + extra


def test_professional_query_count_does_not_grow(client, msp, ines, django_assert_num_queries):
    client.force_login(ines.user)
    client.get("/")
    # session, user, scope (2), savepoints (2), latest activity day, interventions per month, trainings, documents
    with at("2025-08-20"):
        for extra in (0, 5):
            msp.add("2025-08-05", extra)
            for _ in range(extra):  # more teams, each with a training to finish and a document to provide
                membership = TeamMembershipFactory(professional=ines)
                TrainingFactory(membership=membership, completed_on=None, certificate_name="", certificate_sha256="")
                MemberDocument.objects.create(membership=membership, kind=DocumentKind.IDENTITY)
            with django_assert_num_queries(10):
                response = client.get(URL)
            data = response.context["professional"]
            assert data["activity"]["month"] == 1 + extra
            assert len(data["trainings"]) == len(data["documents"]) - 1 == 1 + extra


def test_exclusions_to_fix_leave_out_those_a_regularisation_froze_and_list_the_newest(client, msp):
    """An excluded intervention of an unfrozen half-year that an issued statement lists (a régularisation) is frozen
    one by one: neither counted nor listed. The newest exclusions come first, across months."""
    from funding.models import StatementItem

    older = msp.add("2025-07-20", 2, eligible=False, reason="doublon")
    newer = msp.add("2025-09-03", 11, eligible=False, reason="delegant_hors_equipe")
    h1 = Statement.objects.get(grant=msp.grant, year=2025, half=1)
    StatementItem.objects.create(
        statement=h1, intervention=older[0], year=2025, is_regularisation=True, is_eligible=False, reason="doublon"
    )
    with at("2025-09-20"):
        exclusions = get(client, msp.coordinator).context["coordinator"]["exclusions"]
    assert exclusions["count"] == 1 + 1 + 11  # the suspended one, one doublon (not the listed one), the newer ones
    assert dict((code, n) for code, _label, n in exclusions["reasons"]) == {
        "protocole_suspendu": 1,
        "delegant_hors_equipe": 11,
        "doublon": 1,
    }
    assert [i.pk for i in exclusions["items"]] == sorted((i.pk for i in newer), reverse=True)[:10]
