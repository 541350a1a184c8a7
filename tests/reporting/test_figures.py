"""A report's figures are the funding engine's: counts, reasons, amounts issued and paid, cap consumed; plus the
team, trainings, adverse events and suspensions of the half-year."""

import datetime
from decimal import Decimal

from funding.selectors.statements import exclusion_counts
from protocols.models import AdverseEvent
from reporting.models import BiannualReport
from reporting.services.reports import report_refresh_figures
from tests.protocols.factories import AdverseEventFactory, SuspensionFactory, TeamMembershipFactory, TrainingFactory
from tests.reporting.conftest import H2


def test_figures_of_an_issued_statement_equal_the_statement(world):
    statement = world.issue()
    world.pay(statement, "1000.00")
    (report,) = world.open()
    figures = report.figures
    assert figures["interventions"]["eligible"] == statement.eligible_count == 100
    assert figures["interventions"]["excluded"] == statement.excluded_count == 6
    monthly = {row["month"]: (row["eligible"], row["excluded"]) for row in figures["interventions"]["monthly"]}
    assert monthly == {
        "2025-01": (30, 0),
        "2025-02": (0, 0),
        "2025-03": (50, 4),
        "2025-04": (0, 0),
        "2025-05": (0, 2),
        "2025-06": (20, 0),
    }
    reasons = [(row["reason"], row["count"]) for row in figures["interventions"]["exclusions"]]
    assert reasons == [(code, count) for code, _label, count in exclusion_counts([statement])[statement.pk]]
    assert reasons == [("delegue_non_forme", 4), ("doublon", 2)]
    assert Decimal(figures["total_amount"]) == statement.total_amount == Decimal("2500.00")
    assert Decimal(figures["issued_amount"]) == statement.total_amount
    assert Decimal(figures["paid_amount"]) == Decimal("1000.00")
    assert Decimal(figures["year_cumulative"]) == statement.year_cumulative
    assert Decimal(figures["cap_remaining"]) == statement.cap_remaining == Decimal("4500.00")
    assert figures["cap_consumed_percent"] == round(2500 * 100 / 7000, 1)
    assert figures["statement"]["reference"] == statement.reference


def test_an_issued_statement_keeps_its_frozen_counts_when_eligibility_changes_later(world):
    statement = world.issue()
    world.scenario.add("2025-06-29", 5)  # imported after the issue: a régularisation of H2, not H1's figures
    (report,) = world.open()
    assert report.figures["interventions"]["eligible"] == statement.eligible_count == 100


def test_figures_of_a_draft_statement_are_live_and_not_issued(world):
    world.issue()
    world.scenario.add("2025-09-15", 12)
    world.scenario.add("2025-09-16", 3, eligible=False, reason="delegue_non_forme")
    from tests.funding.statement_scenarios import compute

    compute(world.region, "2025-H2")
    draft = world.scenario.statement("2025-H2")
    (report,) = world.open(period=H2)
    figures = report.figures
    assert (figures["interventions"]["eligible"], figures["interventions"]["excluded"]) == (12, 3)
    assert (draft.eligible_count, draft.excluded_count) == (12, 3)
    assert figures["issued_amount"] is None and figures["paid_amount"] is None
    assert Decimal(figures["total_amount"]) == draft.total_amount == Decimal("300.00")
    assert figures["statement"]["status"] == "draft"


def test_without_a_statement_counts_come_from_eligibility_and_there_is_no_money(world):
    (report,) = world.open()
    assert report.figures["statement"] is None
    assert "total_amount" not in report.figures
    assert (report.figures["interventions"]["eligible"], report.figures["interventions"]["excluded"]) == (100, 6)


def test_team_trainings_adverse_events_and_suspensions_of_the_half_year(world):
    protocol = world.grant.protocol
    joined = TeamMembershipFactory(protocol=protocol, joined_on=datetime.date(2025, 2, 1))
    TeamMembershipFactory(protocol=protocol, joined_on=datetime.date(2024, 9, 1), left_on=datetime.date(2025, 6, 30))
    TeamMembershipFactory(protocol=protocol, joined_on=datetime.date(2025, 7, 1))  # next half-year
    TrainingFactory(membership=joined, completed_on=datetime.date(2025, 3, 1))
    TrainingFactory(
        membership__protocol=protocol,
        membership__joined_on=datetime.date(2024, 1, 1),
        completed_on=datetime.date(2024, 12, 31),
    )  # before the half-year
    AdverseEventFactory(protocol=protocol, occurred_on=datetime.date(2025, 4, 1), severity=AdverseEvent.Severity.EIG)
    AdverseEventFactory(protocol=protocol, occurred_on=datetime.date(2025, 1, 1))
    AdverseEventFactory(protocol=protocol, occurred_on=datetime.date(2025, 7, 1))  # next half-year
    SuspensionFactory(protocol=protocol, starts_on=datetime.date(2025, 5, 1), lifted_on=datetime.date(2025, 5, 15))
    SuspensionFactory(protocol=protocol, starts_on=datetime.date(2024, 1, 1), lifted_on=datetime.date(2025, 1, 1))
    (report,) = world.open()
    figures = report.figures
    changes = [(change["on"], change["change"]) for change in figures["team_changes"]]
    assert changes == [("2025-02-01", "arrivée"), ("2025-06-30", "départ")]
    assert [training["on"] for training in figures["trainings"]] == ["2025-03-01"]
    assert figures["adverse_events"] == {"total": 2, "serious": 1, "open": 2}
    assert [s["starts_on"] for s in figures["suspensions"]] == ["2025-05-01"]  # lifted 1 January: not in H1


def test_refresh_follows_the_engine_until_submission(world):
    (report,) = world.open()
    assert report.figures["statement"] is None
    statement = world.issue()
    report = report_refresh_figures(report=BiannualReport.objects.get(pk=report.pk))
    assert report.figures["statement"]["reference"] == statement.reference
    BiannualReport.objects.filter(pk=report.pk).update(
        state="accepted", submitted_at=report.opened_at, sworn_statement=True
    )
    world.pay(statement, "10.00")
    accepted = report_refresh_figures(report=BiannualReport.objects.get(pk=report.pk))
    assert accepted.figures["paid_amount"] == "0.00"  # what was submitted stays what the ARS reads
