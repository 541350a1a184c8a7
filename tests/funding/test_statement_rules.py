"""The money rules as pure arithmetic, on hand-computed cases (€25 per intervention within €7,000 a year)."""

from decimal import Decimal

import pytest

from funding.periods import Period
from funding.services.statement_rules import YearCounts, capped, statement_figures

RATE, CAP = Decimal("25.00"), Decimal("7000.00")


def figures(period, period_eligible, years=None, excluded=0):
    return statement_figures(
        rate=RATE,
        yearly_cap=CAP,
        period=Period.parse(period),
        period_eligible=period_eligible,
        period_excluded=excluded,
        years=years or {},
    )


def amounts(result):
    return [(line.kind, line.year, line.amount) for line in result.lines]


def test_capped_is_exact_and_never_above_the_cap():
    assert capped(RATE, 0, CAP) == Decimal("0.00")
    assert capped(RATE, 279, CAP) == Decimal("6975.00")
    assert capped(RATE, 280, CAP) == Decimal("7000.00")
    assert capped(RATE, 281, CAP) == Decimal("7000.00")
    assert capped(Decimal("33.33"), 3, Decimal("100.00")) == Decimal("99.99")


def test_h1_below_the_cap():
    result = figures("2025-H1", 200, {2025: YearCounts(2025)}, excluded=12)
    assert amounts(result) == [("period", 2025, Decimal("5000.00"))]
    assert (result.total_amount, result.year_cumulative, result.cap_remaining) == (5000, 5000, 2000)
    assert (result.eligible_count, result.excluded_count) == (200, 12)


def test_cap_reached_in_h1_leaves_nothing_for_h2():
    h1 = figures("2025-H1", 300, {2025: YearCounts(2025)})
    assert h1.total_amount == Decimal("7000.00") and h1.cap_remaining == 0
    h2 = figures("2025-H2", 50, {2025: YearCounts(2025, eligible=300, paid=300, still_paid=300, issued=Decimal(7000))})
    assert amounts(h2) == [("period", 2025, Decimal("0.00"))]
    assert (h2.total_amount, h2.year_cumulative, h2.cap_remaining) == (0, 7000, 0)


def test_cap_crossed_in_h2():
    h2 = figures(
        "2025-H2", 100, {2025: YearCounts(2025, eligible=200, paid=200, still_paid=200, issued=Decimal(5000))}
    )
    # 300 × 25 = 7,500 is capped at 7,000; 5,000 were issued for H1: H2 gets 2,000, not 2,500.
    assert amounts(h2) == [("period", 2025, Decimal("2000.00"))]
    assert h2.cap_remaining == 0


def test_late_h1_interventions_are_a_regularisation_line_of_h2():
    # H1 was issued with 200 interventions (5,000 €); 10 more H1 interventions arrived after; H2 has 40 of its own.
    h2 = figures("2025-H2", 40, {2025: YearCounts(2025, eligible=210, paid=200, still_paid=200, issued=Decimal(5000))})
    period, regularisation = h2.lines
    assert (period.amount, period.entitled_amount, period.deducted_amount) == (1000, 6250, 5250)
    assert (regularisation.kind, regularisation.year, regularisation.added_count) == ("regularisation", 2025, 10)
    assert (regularisation.amount, regularisation.entitled_amount, regularisation.deducted_amount) == (250, 5250, 5000)
    assert regularisation.label == "Régularisation du 1er semestre 2025"
    assert (h2.period_amount, h2.regularisation_amount, h2.total_amount) == (1000, 250, 1250)


def test_retroactive_exclusion_gives_a_negative_regularisation():
    # H1 paid 200 (5,000 €); a suspension later excludes 30 of them; H2 has no eligible intervention.
    h2 = figures("2025-H2", 0, {2025: YearCounts(2025, eligible=170, paid=200, still_paid=170, issued=Decimal(5000))})
    period, regularisation = h2.lines
    assert period.amount == 0
    assert (regularisation.amount, regularisation.removed_count, regularisation.added_count) == (-750, 30, 0)
    assert h2.total_amount == Decimal("-750.00")
    assert (h2.year_cumulative, h2.cap_remaining) == (4250, 2750)


def test_an_exclusion_under_a_reached_cap_changes_the_list_but_not_the_money():
    h2 = figures("2025-H2", 0, {2025: YearCounts(2025, eligible=290, paid=300, still_paid=290, issued=Decimal(7000))})
    assert [(line.kind, line.amount, line.removed_count) for line in h2.lines] == [
        ("period", 0, 0),
        ("regularisation", 0, 10),
    ]


def test_a_new_year_resets_the_cap():
    y2026 = figures(
        "2026-H1",
        100,
        {
            2025: YearCounts(2025, eligible=320, paid=320, still_paid=320, issued=Decimal(7000)),
            2026: YearCounts(2026),
        },
    )
    # 2025 is unchanged: no line for it; 2026 starts from zero.
    assert amounts(y2026) == [("period", 2026, Decimal("2500.00"))]
    assert (y2026.year_cumulative, y2026.cap_remaining) == (2500, 4500)


def test_an_earlier_year_correction_is_a_regularisation_of_that_year():
    y2026 = figures(
        "2026-H1",
        100,
        {
            2025: YearCounts(2025, eligible=230, paid=220, still_paid=220, issued=Decimal(5500)),
            2026: YearCounts(2026),
        },
    )
    assert amounts(y2026) == [("period", 2026, Decimal("2500.00")), ("regularisation", 2025, Decimal("250.00"))]
    assert y2026.lines[1].label == "Régularisation 2025"
    # The 2025 correction does not use the 2026 cap.
    assert (y2026.year_cumulative, y2026.cap_remaining) == (2500, 4500)


def test_a_year_after_the_period_cannot_be_regularised():
    with pytest.raises(ValueError):
        figures("2025-H1", 1, {2026: YearCounts(2026)})


def test_the_fingerprint_changes_with_any_amount_or_count():
    base = figures("2025-H1", 10, {2025: YearCounts(2025)})
    assert base.fingerprint() == figures("2025-H1", 10, {2025: YearCounts(2025)}).fingerprint()
    assert base.fingerprint() != figures("2025-H1", 11, {2025: YearCounts(2025)}).fingerprint()
    assert base.fingerprint() != figures("2025-H1", 10, {2025: YearCounts(2025)}, excluded=1).fingerprint()
