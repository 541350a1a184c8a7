"""Property-based tests (hypothesis) of the funding rules: a year never pays above its cap, the statements of a year
add up to ``min(rate × eligible, cap)``, and how the year's interventions fall between H1 and H2 (or arrive late,
or are excluded after H1 was issued) never changes that yearly total."""

import datetime
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funding.models import Statement
from funding.periods import Period
from funding.services.statement_rules import YearCounts, capped, statement_figures
from portal.roles import Role
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import agent_of

YEAR = 2025
RATES = st.decimals(min_value="0.01", max_value="500.00", places=2)
CAPS = st.decimals(min_value="0.00", max_value="20000.00", places=2)
COUNTS = st.integers(min_value=0, max_value=2_000)


def _h1(rate, cap, eligible):
    return statement_figures(
        rate=rate,
        yearly_cap=cap,
        period=Period(YEAR, 1),
        period_eligible=eligible,
        period_excluded=0,
        years={YEAR: YearCounts(YEAR)},
    )


def _h2(rate, cap, eligible, *, h1_paid, h1_still, h1_late, issued):
    year = YearCounts(YEAR, eligible=h1_still + h1_late, paid=h1_paid, still_paid=h1_still, issued=issued)
    return statement_figures(
        rate=rate,
        yearly_cap=cap,
        period=Period(YEAR, 2),
        period_eligible=eligible,
        period_excluded=0,
        years={YEAR: year},
    )


@settings(max_examples=300, deadline=None)
@given(rate=RATES, cap=CAPS, h1=COUNTS, h2=COUNTS, late=COUNTS, data=st.data())
def test_the_year_adds_up_to_the_capped_entitlement(rate, cap, h1, h2, late, data):
    removed = data.draw(st.integers(0, h1), label="H1 interventions excluded after H1 was issued")
    first = _h1(rate, cap, h1)
    second = _h2(rate, cap, h2, h1_paid=h1, h1_still=h1 - removed, h1_late=late, issued=first.total_amount)
    eligible = h1 - removed + late + h2
    assert first.total_amount + second.total_amount == capped(rate, eligible, cap) == min(rate * eligible, cap)
    for statement in (first, second):
        assert statement.year_cumulative <= cap and statement.cap_remaining >= 0
    assert first.total_amount <= cap
    assert second.year_cumulative == first.total_amount + second.total_amount


@settings(max_examples=300, deadline=None)
@given(rate=RATES, cap=CAPS, total=COUNTS, data=st.data())
def test_any_split_between_h1_and_h2_gives_the_same_yearly_total(rate, cap, total, data):
    split = data.draw(st.integers(0, total), label="interventions dated in H1")
    first = _h1(rate, cap, split)
    second = _h2(rate, cap, total - split, h1_paid=split, h1_still=split, h1_late=0, issued=first.total_amount)
    assert first.total_amount + second.total_amount == capped(rate, total, cap)
    assert first.total_amount >= 0 and second.total_amount >= 0  # without exclusions nothing is ever recovered


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rate=st.decimals(min_value="1.00", max_value="60.00", places=2),
    cap=st.decimals(min_value="1.00", max_value="400.00", places=2),
    in_h1=st.lists(st.booleans(), max_size=14),
)
def test_computed_and_issued_statements_respect_the_cap_end_to_end(db, rate, cap, in_h1):
    """The same property through the database: compute and issue H1, then compute H2 (each example in a savepoint
    rolled back, so the examples do not see each other)."""
    with transaction.atomic():
        _end_to_end(rate, cap, in_h1)
        transaction.set_rollback(True)


def _end_to_end(rate, cap, in_h1):
    scenario = GrantScenario(rate=rate, yearly_cap=cap)
    for index, first_half in enumerate(in_h1):
        scenario.add(datetime.date(YEAR, 3 if first_half else 9, 1 + index))
    officer = agent_of(scenario.region, Role.FINANCE_OFFICER)
    compute(scenario.region, f"{YEAR}-H1", issue=True, by=officer)
    compute(scenario.region, f"{YEAR}-H2")
    statements = Statement.objects.filter(grant=scenario.grant, year=YEAR)
    amounts = [statement.total_amount for statement in statements]
    assert len(amounts) == 2
    assert sum(amounts, Decimal(0)) == min(rate * len(in_h1), cap)
    assert all(statement.year_cumulative <= cap for statement in statements)
