"""Statements computed from the eligibility table, on hand-computed cases (€25 within €7,000 a year)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from funding.models import PaidIntervention, Statement, StatementItem, StatementLine, StatementStatus
from funding.periods import Period
from funding.services.statements import statements_compute, statements_issue
from portal.errors import ApplicationError
from tests.funding.factories import GrantFactory
from tests.funding.statement_scenarios import GrantScenario, compute, lines_of
from tests.portal.factories import UserFactory


@pytest.fixture
def scenario():
    return GrantScenario()


def test_h1_counts_eligible_and_excluded_of_the_period_only(scenario):
    scenario.add("2025-01-01", 3)
    scenario.add("2025-06-30", 2)
    scenario.add("2025-03-10", 4, eligible=False, reason="delegue_non_forme")
    scenario.add("2025-07-01", 5)  # H2: not in H1
    scenario.add("2024-12-31", 1)  # previous year: not in H1
    compute(scenario.region, "2025-H1")
    statement = scenario.statement("2025-H1")
    assert statement.status == StatementStatus.DRAFT
    assert (statement.eligible_count, statement.excluded_count) == (5, 4)
    assert (statement.period_amount, statement.total_amount) == (Decimal("125.00"), Decimal("125.00"))
    assert (statement.year_cumulative, statement.cap_remaining) == (Decimal("125.00"), Decimal("6875.00"))
    assert statement.reference == f"EV-2025-H1-{scenario.grant.reference}"
    assert lines_of(statement) == [("period", 2025, 5, 0, 0, Decimal("125.00"))]


def test_cap_reached_in_h1_gives_zero_in_h2(scenario):
    scenario.add("2025-05-01", 300)
    compute(scenario.region, "2025-H1", issue=True)
    h1 = scenario.statement("2025-H1")
    assert (h1.status, h1.total_amount, h1.cap_remaining) == (StatementStatus.ISSUED, Decimal("7000.00"), 0)
    scenario.add("2025-09-01", 50)
    compute(scenario.region, "2025-H2")
    h2 = scenario.statement("2025-H2")
    assert (h2.eligible_count, h2.total_amount, h2.year_cumulative, h2.cap_remaining) == (50, 0, 7000, 0)
    assert lines_of(h2) == [("period", 2025, 50, 0, 0, Decimal("0.00"))]


def test_cap_crossed_in_h2(scenario):
    scenario.add("2025-02-01", 200)
    compute(scenario.region, "2025-H1", issue=True)
    assert scenario.statement("2025-H1").total_amount == Decimal("5000.00")
    scenario.add("2025-10-01", 100)
    compute(scenario.region, "2025-H2", issue=True)
    h2 = scenario.statement("2025-H2")
    assert (h2.total_amount, h2.year_cumulative, h2.cap_remaining) == (Decimal("2000.00"), 7000, 0)


def test_late_h1_interventions_are_paid_in_h2_as_a_regularisation(scenario):
    scenario.add("2025-03-01", 200)
    compute(scenario.region, "2025-H1", issue=True)
    late = scenario.add("2025-06-30", 10)  # imported after the H1 statement was issued
    scenario.add("2025-08-01", 40)
    compute(scenario.region, "2025-H2")
    h2 = scenario.statement("2025-H2")
    assert lines_of(h2) == [
        ("period", 2025, 40, 0, 0, Decimal("1000.00")),
        ("regularisation", 2025, 210, 10, 0, Decimal("250.00")),
    ]
    assert (h2.period_amount, h2.regularisation_amount, h2.total_amount) == (1000, 250, 1250)
    assert (h2.eligible_count, h2.year_cumulative, h2.cap_remaining) == (40, 6250, 750)
    # Issuing freezes the late ones apart from the period's own interventions.
    compute(scenario.region, "2025-H2", issue=True)
    items = StatementItem.objects.filter(statement=h2)
    assert set(items.filter(is_regularisation=True).values_list("intervention_id", flat=True)) == {i.pk for i in late}
    assert items.filter(is_regularisation=False, is_eligible=True).count() == 40
    assert PaidIntervention.objects.filter(grant=scenario.grant, year=2025).count() == 250


def test_retroactive_suspension_gives_a_negative_regularisation(scenario):
    paid = scenario.add("2025-04-01", 200)
    compute(scenario.region, "2025-H1", issue=True)
    scenario.exclude(paid[:30], reason="protocole_suspendu")
    scenario.add("2025-11-01", 3, eligible=False, reason="protocole_suspendu")
    compute(scenario.region, "2025-H2", issue=True)
    h2 = scenario.statement("2025-H2")
    assert lines_of(h2) == [
        ("period", 2025, 0, 0, 0, Decimal("0.00")),
        ("regularisation", 2025, 170, 0, 30, Decimal("-750.00")),
    ]
    assert (h2.total_amount, h2.excluded_count, h2.year_cumulative, h2.cap_remaining) == (-750, 3, 4250, 2750)
    removed = StatementItem.objects.filter(statement=h2, is_regularisation=True)
    assert {(item.is_eligible, item.reason) for item in removed} == {(False, "protocole_suspendu")}
    assert removed.count() == 30
    assert PaidIntervention.objects.filter(grant=scenario.grant).count() == 170


def test_a_lifted_suspension_pays_the_interventions_again(scenario):
    paid = scenario.add("2025-04-01", 20)
    compute(scenario.region, "2025-H1", issue=True)
    scenario.exclude(paid[:5])
    compute(scenario.region, "2025-H2", issue=True)
    assert scenario.statement("2025-H2").total_amount == Decimal("-125.00")
    scenario.include(paid[:5])
    compute(scenario.region, "2026-H1", today=datetime.date(2026, 7, 1))
    y2026 = scenario.statement("2026-H1")
    assert lines_of(y2026) == [
        ("period", 2026, 0, 0, 0, Decimal("0.00")),
        ("regularisation", 2025, 20, 5, 0, Decimal("125.00")),
    ]


def test_a_new_year_resets_the_cap(scenario):
    scenario.add("2025-02-01", 300)
    compute(scenario.region, "2025-H1", issue=True)
    compute(scenario.region, "2025-H2", issue=True)
    scenario.add("2026-02-01", 100)
    compute(scenario.region, "2026-H1", issue=True, today=datetime.date(2026, 7, 1))
    y2026 = scenario.statement("2026-H1")
    assert lines_of(y2026) == [("period", 2026, 100, 0, 0, Decimal("2500.00"))]
    assert (y2026.year_cumulative, y2026.cap_remaining) == (2500, 4500)


def test_a_late_intervention_of_last_year_is_a_regularisation_of_that_year(scenario):
    scenario.add("2025-02-01", 200)
    compute(scenario.region, "2025-H1", issue=True)
    scenario.add("2025-08-01", 20)
    compute(scenario.region, "2025-H2", issue=True)
    scenario.add("2025-12-31", 10)  # arrives in 2026
    scenario.add("2026-01-02", 4)
    compute(scenario.region, "2026-H1", today=datetime.date(2026, 7, 1))
    y2026 = scenario.statement("2026-H1")
    assert lines_of(y2026) == [
        ("period", 2026, 4, 0, 0, Decimal("100.00")),
        ("regularisation", 2025, 230, 10, 0, Decimal("250.00")),
    ]
    assert (y2026.total_amount, y2026.year_cumulative) == (Decimal("350.00"), Decimal("100.00"))
    assert y2026.regularisation_from == datetime.date(2025, 1, 1)


def test_issued_statements_are_frozen_and_recomputing_them_changes_nothing(scenario):
    scenario.add("2025-03-01", 10)
    scenario.add("2025-03-02", 2, eligible=False)
    compute(scenario.region, "2025-H1", issue=True)
    h1 = scenario.statement("2025-H1")
    before = (
        Statement.objects.filter(pk=h1.pk).values().get(),
        list(StatementLine.objects.filter(statement=h1).values()),
        sorted(StatementItem.objects.filter(statement=h1).values_list("intervention_id", "is_eligible", "reason")),
    )
    scenario.add("2025-04-01", 5)  # arrives after the issue
    result = compute(scenario.region, "2025-H1")
    assert (result.drafts, result.already_issued) == ([], 1)
    after = (
        Statement.objects.filter(pk=h1.pk).values().get(),
        list(StatementLine.objects.filter(statement=h1).values()),
        sorted(StatementItem.objects.filter(statement=h1).values_list("intervention_id", "is_eligible", "reason")),
    )
    assert after == before
    assert len(before[2]) == 12
    assert h1.history.filter(status=StatementStatus.ISSUED).count() == 1


def test_drafts_are_recomputed_in_place(scenario):
    scenario.add("2025-03-01", 10)
    first = compute(scenario.region, "2025-H1").drafts[0]
    line = StatementLine.objects.get(statement=first)
    again = compute(scenario.region, "2025-H1").drafts[0]
    # Nothing changed: same draft, same line, same date of the figures: nothing was rewritten.
    assert again.pk == first.pk and StatementLine.objects.get(statement=first).pk == line.pk
    assert Statement.objects.get(pk=first.pk).computed_at == first.computed_at
    scenario.add("2025-03-02", 2)
    compute(scenario.region, "2025-H1")
    statement = scenario.statement("2025-H1")
    assert (statement.pk, statement.eligible_count, statement.total_amount) == (first.pk, 12, Decimal("300.00"))
    assert statement.lines.count() == 1
    assert not StatementItem.objects.filter(statement=statement).exists()  # drafts link to the live rows


def test_the_campaign_rate_changed_after_the_grant_changes_nothing():
    scenario = GrantScenario()
    campaign = scenario.grant.dossier.campaign
    campaign.rate_per_intervention, campaign.yearly_cap = Decimal("40.00"), Decimal("9000.00")
    campaign.save()
    scenario.add("2025-03-01", 300)
    compute(scenario.region, "2025-H1")
    statement = scenario.statement("2025-H1")
    assert (statement.rate, statement.yearly_cap, statement.total_amount) == (25, 7000, Decimal("7000.00"))


def test_the_grant_rate_is_frozen_on_each_statement():
    scenario = GrantScenario(rate=Decimal("30.00"), yearly_cap=Decimal("1000.00"))
    scenario.add("2025-03-01", 10)
    compute(scenario.region, "2025-H1")
    assert scenario.statement("2025-H1").total_amount == Decimal("300.00")


def test_one_region_at_a_time_and_grants_outside_the_period_are_left_out():
    paca = GrantScenario()
    ended = GrantScenario(
        dossier__structure=paca.grant.structure,
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2024, 12, 31),
    )
    future = GrantScenario(dossier__structure=paca.grant.structure, starts_on=datetime.date(2025, 7, 1))
    other = GrantScenario(dossier__structure__region__code="CVL")
    paca.add("2025-03-01", 2)
    other.add("2025-03-01", 7)
    result = compute(paca.region, "2025-H1")
    assert [s.grant_id for s in result.drafts] == [paca.grant.pk]
    assert not Statement.objects.filter(grant__in=[ended.grant, future.grant, other.grant]).exists()


def test_a_grant_with_a_later_issued_statement_is_left_aside(scenario):
    scenario.add("2025-08-01", 3)
    compute(scenario.region, "2025-H2", issue=True)
    result = compute(scenario.region, "2025-H1")
    assert result.drafts == []
    assert result.skipped == [
        {"grant": scenario.grant.reference, "reason": "Un état d'une période postérieure est déjà émis."}
    ]


def test_an_intervention_moved_from_h1_to_h2_is_removed_from_h1_and_paid_in_h2(scenario):
    moved = scenario.add("2025-06-15", 1)[0]
    scenario.add("2025-06-16", 3)
    compute(scenario.region, "2025-H1", issue=True)
    moved.performed_on = datetime.date(2025, 7, 2)
    moved.save()
    moved.eligibility.performed_on = moved.performed_on
    moved.eligibility.save()
    compute(scenario.region, "2025-H2", issue=True)
    h2 = scenario.statement("2025-H2")
    assert lines_of(h2) == [
        ("period", 2025, 1, 0, 0, Decimal("25.00")),
        ("regularisation", 2025, 3, 0, 1, Decimal("-25.00")),
    ]
    removed = StatementItem.objects.get(statement=h2, is_regularisation=True)
    assert (removed.intervention_id, removed.reason) == (moved.pk, "reaffectee")
    assert PaidIntervention.objects.get(intervention=moved).statement == h2


def test_issue_is_refused_before_the_end_of_the_period(scenario):
    scenario.add("2025-03-01", 1)
    with pytest.raises(ApplicationError, match="n'est pas terminé"):
        compute(scenario.region, "2025-H1", issue=True, today=datetime.date(2025, 6, 30))
    assert not Statement.objects.filter(status=StatementStatus.ISSUED).exists()
    compute(scenario.region, "2025-H1", issue=True, today=datetime.date(2025, 7, 1))
    assert scenario.statement("2025-H1").issued_at is not None


def test_issue_is_refused_while_an_earlier_period_is_a_draft(scenario):
    scenario.add("2025-03-01", 1)
    compute(scenario.region, "2025-H1")
    with pytest.raises(ApplicationError, match="encore des brouillons"):
        compute(scenario.region, "2025-H2", issue=True)
    assert not Statement.objects.filter(grant=scenario.grant, half=2).exists()  # rolled back


def test_issue_records_who_and_when(scenario):
    scenario.add("2025-03-01", 1)
    officer = UserFactory()
    compute(scenario.region, "2025-H1", issue=True, by=officer)
    statement = scenario.statement("2025-H1")
    assert statement.issued_by == officer
    assert statement.history.latest().history_user == officer


def test_issue_with_nothing_to_issue_is_refused():
    grant = GrantFactory(starts_on=datetime.date(2030, 1, 1), ends_on=datetime.date(2030, 12, 31))
    with pytest.raises(ApplicationError, match="Aucun brouillon"), transaction.atomic():
        result = statements_compute(region=grant.structure.region, period=Period(2025, 1))
        statements_issue(result=result, today=datetime.date(2026, 1, 1))


def test_the_worked_example_of_docs_funding_md(scenario):
    h1 = scenario.add("2025-03-01", 200)
    scenario.add("2025-03-02", 12, eligible=False, reason="doublon")
    compute(scenario.region, "2025-H1", issue=True)
    assert scenario.statement("2025-H1").total_amount == Decimal("5000.00")
    scenario.add("2025-05-05", 10)  # imported after the H1 statement
    scenario.exclude(h1[:4], reason="protocole_suspendu")
    scenario.add("2025-10-01", 90)
    compute(scenario.region, "2025-H2", issue=True)
    h2 = scenario.statement("2025-H2")
    assert lines_of(h2) == [
        ("period", 2025, 90, 0, 0, Decimal("1850.00")),
        ("regularisation", 2025, 206, 10, 4, Decimal("150.00")),
    ]
    assert (h2.total_amount, h2.year_cumulative, h2.cap_remaining) == (Decimal("2000.00"), 7000, 0)
    scenario.add("2025-12-20", 1)  # arrives in 2026
    scenario.add("2026-02-01", 100)
    compute(scenario.region, "2026-H1", issue=True, today=datetime.date(2026, 7, 1))
    y2026 = scenario.statement("2026-H1")
    assert lines_of(y2026) == [
        ("period", 2026, 100, 0, 0, Decimal("2500.00")),
        ("regularisation", 2025, 297, 1, 0, Decimal("0.00")),
    ]
    assert y2026.total_amount == Decimal("2500.00")


def test_a_swap_that_keeps_the_count_is_still_seen(scenario):
    paid = scenario.add("2025-03-01", 10)
    compute(scenario.region, "2025-H1", issue=True)
    scenario.exclude(paid[:1], reason="delegue_hors_equipe")
    scenario.add("2025-03-05", 1)  # same count as before, another intervention
    compute(scenario.region, "2025-H2")
    assert lines_of(scenario.statement("2025-H2")) == [
        ("period", 2025, 0, 0, 0, Decimal("0.00")),
        ("regularisation", 2025, 10, 1, 1, Decimal("0.00")),
    ]


def test_unchanged_grants_are_not_matched_row_by_row(scenario):
    other = GrantScenario(dossier__structure__region=scenario.region)
    scenario.add("2025-03-01", 5)
    late = other.add("2025-03-01", 5)
    compute(scenario.region, "2025-H1", issue=True)
    other.exclude(late[:2])
    with CaptureQueriesContext(connection) as queries:
        compute(scenario.region, "2025-H2")
    joined = [q["sql"] for q in queries.captured_queries if "FROM funding_paidintervention p" in q["sql"]]
    assert len(joined) == 1
    assert f"IN ({other.grant.pk})" in joined[0]  # only the grant whose paid set changed
    assert lines_of(other.statement("2025-H2"))[1] == ("regularisation", 2025, 3, 0, 2, Decimal("-50.00"))
    assert len(lines_of(scenario.statement("2025-H2"))) == 1


def test_a_recomputed_draft_reuses_its_matching_until_the_interventions_change(scenario):
    paid = scenario.add("2025-03-01", 6)
    compute(scenario.region, "2025-H1", issue=True)
    scenario.exclude(paid[:1])

    def matched_row_by_row():
        with CaptureQueriesContext(connection) as queries:
            compute(scenario.region, "2025-H2")
        return any("FROM funding_paidintervention p" in q["sql"] for q in queries.captured_queries)

    assert matched_row_by_row()
    assert not matched_row_by_row()  # same counts and checksums: the draft's line already knows
    assert lines_of(scenario.statement("2025-H2"))[1] == ("regularisation", 2025, 5, 0, 1, Decimal("-25.00"))
    scenario.exclude(paid[1:2])
    assert matched_row_by_row()
    assert lines_of(scenario.statement("2025-H2"))[1] == ("regularisation", 2025, 4, 0, 2, Decimal("-50.00"))
