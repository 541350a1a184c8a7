"""The money rules of a statement, as pure functions of counts (see docs/funding.md for the worked example).

For a grant with rate r and yearly cap c, a year Y and a period P of Y, with E the interventions of the grant
dated in Y up to the end of P that are eligible now:

    entitled(Y, P) = min(r × E, c)          statement(P) = entitled(Y, P) − issued(Y)

A line without a cap (an SNP forfait, ``c`` = None) is worth ``r × E``: the same formula with c = +∞.

The statement is split into lines that each explain themselves (``amount = entitled − deducted``):

* the period line: ``entitled(Y, P)`` minus what the earlier periods of Y are worth now, ``min(r × E_before, c)``;
* the régularisation of Y: what the earlier periods of Y are worth now minus ``issued(Y)`` (late interventions
  add, retroactive exclusions subtract: a negative amount is to recover, never clamped);
* the régularisation of each earlier year Y′ since the first issued one: ``min(r × E(Y′), c) − issued(Y′)``.

The counts come from two aggregate queries (``funding.services.statements``); nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from funding.periods import Period

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PERIOD = "period"
REGULARISATION = "regularisation"


def capped(rate: Decimal, count: int, cap: Decimal | None) -> Decimal:
    """``min(rate × count, cap)``, exact to the cent; no cap (None) is no limit."""
    amount = Decimal(rate) * count
    return (amount if cap is None else min(amount, Decimal(cap))).quantize(CENT)


@dataclass(frozen=True)
class YearCounts:
    """A year of the régularisation window of a grant, as it stands now.

    ``eligible``: interventions of the grant dated in the year (before the period) and eligible now;
    ``paid``: interventions the issued statements pay for that year (the ledger); ``still_paid``: those of them
    still eligible for the grant and year; ``issued``: the amounts already issued for the year.
    """

    year: int
    eligible: int = 0
    paid: int = 0
    still_paid: int = 0
    issued: Decimal = ZERO
    match_key: str = ""  # what ``still_paid`` was matched on (see ``statement_counts``), kept on the line

    @property
    def added(self) -> int:
        return self.eligible - self.still_paid

    @property
    def removed(self) -> int:
        return self.paid - self.still_paid


@dataclass(frozen=True)
class LineFigures:
    kind: str
    year: int
    label: str
    eligible_count: int
    added_count: int
    removed_count: int
    entitled_amount: Decimal
    deducted_amount: Decimal
    match_key: str = ""

    @property
    def amount(self) -> Decimal:
        return self.entitled_amount - self.deducted_amount


@dataclass(frozen=True)
class StatementFigures:
    period: Period
    rate: Decimal
    yearly_cap: Decimal | None
    eligible_count: int
    excluded_count: int
    lines: list[LineFigures] = field(default_factory=list)

    @property
    def period_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind == PERIOD), ZERO)

    @property
    def regularisation_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind == REGULARISATION), ZERO)

    @property
    def total_amount(self) -> Decimal:
        return self.period_amount + self.regularisation_amount

    @property
    def year_cumulative(self) -> Decimal:
        """What the statement's year adds up to once it is issued: ``entitled(Y, P)``."""
        return next(line.entitled_amount for line in self.lines if line.kind == PERIOD)

    @property
    def cap_remaining(self) -> Decimal | None:
        """None for a line without a cap: the exports leave ``plafond_restant`` empty."""
        if self.yearly_cap is None:
            return None
        return Decimal(self.yearly_cap) - self.year_cumulative

    @property
    def has_activity(self) -> bool:
        """Anything to say besides an empty period line (used for grants that no longer cover the period)."""
        return bool(self.eligible_count or self.excluded_count or self.total_amount or len(self.lines) > 1)

    def fingerprint(self) -> list:
        """What the finance officer reviews: counts and amounts, line by line (the run's digest hashes these)."""
        return [
            self.eligible_count,
            self.excluded_count,
            [
                [line.kind, line.year, line.eligible_count, line.added_count, line.removed_count, line.match_key]
                + [str(line.entitled_amount), str(line.deducted_amount)]
                for line in self.lines
            ],
        ]


def statement_figures(
    *,
    rate: Decimal,
    yearly_cap: Decimal | None,
    period: Period,
    period_eligible: int,
    period_excluded: int,
    years: dict[int, YearCounts],
) -> StatementFigures:
    """The lines of the statement of ``period`` for one grant.

    ``years`` maps every year of the régularisation window (from the first year with an issued statement, up to
    and including the period's year) to its counts; for the period's year, ``eligible`` counts only the
    interventions dated before the period (none for H1).
    """
    current = years.get(period.year, YearCounts(period.year))
    lines = []
    before = capped(rate, current.eligible, yearly_cap)
    lines.append(
        LineFigures(
            kind=PERIOD,
            year=period.year,
            label=f"Interventions du {period.label}",
            eligible_count=period_eligible,
            added_count=0,
            removed_count=0,
            entitled_amount=capped(rate, current.eligible + period_eligible, yearly_cap),
            deducted_amount=before,
        )
    )
    for year in sorted(years):
        counts = years[year]
        if year > period.year:
            raise ValueError(f"Une année postérieure à la période ({year}) ne peut pas être régularisée.")
        if year == period.year:
            entitled = before
            label = f"Régularisation du 1er semestre {year}" if period.half == 2 else f"Régularisation {year}"
        else:
            entitled = capped(rate, counts.eligible, yearly_cap)
            label = f"Régularisation {year}"
        line = LineFigures(
            kind=REGULARISATION,
            year=year,
            label=label,
            eligible_count=counts.eligible,
            added_count=counts.added,
            removed_count=counts.removed,
            entitled_amount=entitled,
            deducted_amount=Decimal(counts.issued).quantize(CENT),
            match_key=counts.match_key,
        )
        # A line appears when money or the list of paid interventions changes; a zero line is not noise then: it
        # says which interventions were added or removed while the cap kept the amount unchanged.
        if line.amount or line.added_count or line.removed_count:
            lines.append(line)
    return StatementFigures(
        period=period,
        rate=Decimal(rate),
        yearly_cap=None if yearly_cap is None else Decimal(yearly_cap),
        eligible_count=period_eligible,
        excluded_count=period_excluded,
        lines=lines,
    )
