import datetime

import pytest
import time_machine

from funding.periods import InvalidPeriod, Period, recent_periods


def test_half_years_bounds():
    assert (Period.parse("2025-H1").start, Period.parse("2025-H1").end) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 6, 30),
    )
    assert (Period.parse("2025-h2").start, Period.parse("2025-H2").end) == (
        datetime.date(2025, 7, 1),
        datetime.date(2025, 12, 31),
    )
    assert str(Period(2025, 2)) == "2025-H2"
    assert Period(2025, 1).label == "1er semestre 2025"
    assert Period(2025, 2).label == "2nd semestre 2025"


@pytest.mark.parametrize("text", ["2025", "2025-H3", "2025-S1", "H1-2025", "", "25-H1", "2025-H1x"])
def test_invalid_periods_are_refused_in_french(text):
    with pytest.raises(InvalidPeriod, match="période|semestre"):
        Period.parse(text)


def test_day_belongs_to_its_half_year_at_the_boundaries():
    assert Period.containing(datetime.date(2025, 6, 30)) == Period(2025, 1)
    assert Period.containing(datetime.date(2025, 7, 1)) == Period(2025, 2)
    assert Period.containing(datetime.date(2025, 12, 31)) == Period(2025, 2)
    assert Period.containing(datetime.date(2026, 1, 1)) == Period(2026, 1)


def test_navigation_between_periods():
    assert Period(2025, 1).previous() == Period(2024, 2)
    assert Period(2025, 2).previous() == Period(2025, 1)
    assert Period(2025, 2).next() == Period(2026, 1)
    assert Period(2024, 2) < Period(2025, 1) < Period(2025, 2)


def test_a_period_is_over_the_day_after_its_last_day_in_paris():
    h1 = Period(2025, 1)
    assert not h1.is_over(datetime.date(2025, 6, 30))
    assert h1.is_over(datetime.date(2025, 7, 1))
    # 30 June 2025 23:30 UTC is already 1 July in Paris.
    with time_machine.travel(datetime.datetime(2025, 6, 30, 21, 59, tzinfo=datetime.UTC)):
        assert not h1.is_over()
    with time_machine.travel(datetime.datetime(2025, 6, 30, 22, 30, tzinfo=datetime.UTC)):
        assert h1.is_over()
        assert Period.last_ended() == h1


def test_recent_periods_start_with_the_current_one():
    assert recent_periods(3, today=datetime.date(2026, 3, 1)) == [Period(2026, 1), Period(2025, 2), Period(2025, 1)]


def test_months_are_the_first_days_of_the_six_months():
    assert Period(2025, 1).months == [datetime.date(2025, month, 1) for month in range(1, 7)]
    assert Period(2025, 2).months[0] == datetime.date(2025, 7, 1)
    assert Period(2025, 2).months[-1] == datetime.date(2025, 12, 1)
