"""Funding periods: half-years, written ``2025-H1`` (1 January–30 June) and ``2025-H2`` (1 July–31 December).

Dates are calendar dates in Europe/Paris: an intervention belongs to the half-year of its ``performed_on`` date,
and a period is over once ``timezone.localdate()`` (Paris) is past its last day.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

PERIOD_PATTERN = r"[0-9]{4}-H[12]"
_PERIOD_RE = re.compile(r"^([0-9]{4})-H([12])$")


class InvalidPeriod(ValueError):
    """The text is not a half-year such as 2025-H1 (the message is French, for the user)."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    half: int

    def __post_init__(self):
        if self.half not in (1, 2):
            raise InvalidPeriod("Le semestre est 1 ou 2.")
        if not 2000 <= self.year <= 2100:
            raise InvalidPeriod("L'année doit être comprise entre 2000 et 2100.")

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match((text or "").strip().upper())
        if not match:
            raise InvalidPeriod(f"« {text} » n'est pas une période : écrivez l'année et le semestre, ex. 2025-H1.")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: datetime.date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def last_ended(cls, today: datetime.date | None = None) -> Period:
        """The most recent half-year already over (the one a finance officer usually computes)."""
        return cls.containing(today or timezone.localdate()).previous()

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def label(self) -> str:
        return f"{'1er' if self.half == 1 else '2nd'} semestre {self.year}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)

    @property
    def months(self) -> list[datetime.date]:
        """The first day of each of the six months."""
        return [datetime.date(self.year, month, 1) for month in range(self.start.month, self.start.month + 6)]

    @property
    def year_start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def next(self) -> Period:
        return Period(self.year, 2) if self.half == 1 else Period(self.year + 1, 1)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def is_over(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.end


def recent_periods(count: int = 6, today: datetime.date | None = None) -> list[Period]:
    """The current half-year and the ``count - 1`` before it, most recent first (choices of the compute form)."""
    period = Period.containing(today or timezone.localdate())
    periods = []
    for _ in range(count):
        periods.append(period)
        period = period.previous()
    return periods
