"""Builders of the statement tests: a grant, its interventions on chosen dates, their eligibility as the
interventions area would have computed it, and shortcuts to compute and issue a region's period."""

import datetime
from decimal import Decimal

from django.db import transaction

from funding.models import InterventionEligibility, Statement
from funding.periods import Period
from funding.services.statements import statements_compute, statements_issue
from tests.funding.factories import GrantFactory, InterventionEligibilityFactory
from tests.portal.factories import ProfessionalFactory
from tests.protocols.factories import InterventionFactory

AFTER_2025 = datetime.date(2026, 1, 15)


class GrantScenario:
    """One grant (€25 within €7,000 a year unless told otherwise) with one delegate and one delegant."""

    def __init__(self, **grant_kwargs):
        grant_kwargs.setdefault("rate", Decimal("25.00"))
        grant_kwargs.setdefault("yearly_cap", Decimal("7000.00"))
        grant_kwargs.setdefault("starts_on", datetime.date(2025, 1, 1))
        self.grant = GrantFactory(**grant_kwargs)
        self.region = self.grant.structure.region
        self.delegate = ProfessionalFactory()
        self.delegant = ProfessionalFactory(profession="medecin")

    def add(self, day, count=1, *, eligible=True, reason=""):
        """``count`` interventions on ``day`` (a date or "2025-04-15") with their eligibility row."""
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        interventions = InterventionFactory.create_batch(
            count, protocol=self.grant.protocol, performed_on=day, delegate=self.delegate, delegant=self.delegant
        )
        for intervention in interventions:
            InterventionEligibilityFactory(
                intervention=intervention,
                grant=self.grant,
                is_eligible=eligible,
                reason="" if eligible else (reason or "delegue_non_forme"),
            )
        return interventions

    def exclude(self, interventions, reason="protocole_suspendu"):
        """A retroactive change: the interventions are no longer eligible (as a recomputation would say)."""
        InterventionEligibility.objects.filter(intervention__in=interventions).update(is_eligible=False, reason=reason)

    def include(self, interventions):
        InterventionEligibility.objects.filter(intervention__in=interventions).update(is_eligible=True, reason="")

    def statement(self, period: str) -> Statement:
        parsed = Period.parse(period)
        return Statement.objects.get(grant=self.grant, year=parsed.year, half=parsed.half)


def compute(region, period: str, *, issue=False, by=None, today=AFTER_2025):
    """Compute (and issue) a region's period in one transaction, as a run does; returns the result."""
    with transaction.atomic():
        result = statements_compute(region=region, period=Period.parse(period), lock_grants=issue)
        if issue:
            statements_issue(result=result, by=by, today=today)
    return result


def lines_of(statement: Statement) -> list[tuple]:
    return [
        (line.kind, line.year, line.eligible_count, line.added_count, line.removed_count, line.amount)
        for line in statement.lines.order_by("kind", "year")
    ]
