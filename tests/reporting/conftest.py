import datetime
from decimal import Decimal

import pytest

from funding.models import Payment
from funding.periods import Period
from portal.roles import Role
from reporting.services.reports import reports_open
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import agent_of, coordinator_of

H1, H2 = Period(2025, 1), Period(2025, 2)
OPENED_H1 = datetime.datetime(2025, 7, 1, 6, 30, tzinfo=datetime.UTC)


class ReportWorld:
    """A grant (€25 within €7,000) with H1 activity: issued H1 statement, one payment; its coordinator and an
    instructor of the region."""

    def __init__(self):
        self.scenario = GrantScenario(dossier__structure__name="MSP des Tests")
        self.grant, self.region = self.scenario.grant, self.scenario.region
        self.scenario.add("2025-01-20", 30)
        self.scenario.add("2025-03-05", 50)
        self.scenario.add("2025-03-06", 4, eligible=False, reason="delegue_non_forme")
        self.scenario.add("2025-05-10", 2, eligible=False, reason="doublon")
        self.scenario.add("2025-06-30", 20)
        self.coordinator = coordinator_of(self.grant.structure)
        self.instructor = agent_of(self.region, Role.INSTRUCTOR)
        self.finance = agent_of(self.region, Role.FINANCE_OFFICER)

    def issue(self, period="2025-H1"):
        compute(self.region, period, issue=True, by=self.finance)
        return self.scenario.statement(period)

    def pay(self, statement, amount):
        return Payment.objects.create(
            statement=statement,
            paid_on=datetime.date(2025, 8, 1),
            amount=Decimal(amount),
            reference=f"OP-{statement.pk}-{amount}",
            recorded_by=self.finance,
        )

    def open(self, period=H1, now=OPENED_H1):
        return reports_open(region=self.region, period=period, now=now)


@pytest.fixture
def world(db):
    return ReportWorld()
