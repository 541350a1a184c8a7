"""The statements seeder: PACA 2025-H1 issued, 2025-H2 a draft, one payment; twice is once."""

from django.apps import apps

from funding.demo import statements as statements_demo
from funding.demo.keys import OLIVIERS_GRANT
from funding.models import ComputationRun, Payment, StatementStatus
from portal.roles import Role
from tests.funding.statement_scenarios import GrantScenario
from tests.portal.factories import RegionMembershipFactory, UserFactory


def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_without_the_committee_grant_the_seeder_does_nothing():
    before = _row_counts()
    assert statements_demo.seed({}) == {}
    assert _row_counts() == before


def test_seeds_h1_issued_h2_draft_and_one_payment_then_nothing_more():
    scenario = GrantScenario(reference=OLIVIERS_GRANT)
    scenario.add("2025-03-15", 30)
    scenario.add("2025-04-02", 3, eligible=False, reason="delegue_non_forme")
    scenario.add("2025-09-10", 12)
    officer = UserFactory(email="finance.paca@demo.fr", with_totp=True)
    RegionMembershipFactory(user=officer, region=scenario.region, role=Role.FINANCE_OFFICER)

    context = statements_demo.seed({})
    h1, h2 = context["statements"]["2025-H1"], context["statements"]["2025-H2"]
    assert (h1.status, h1.total_amount, h1.issued_by) == (StatementStatus.ISSUED, 750, officer)
    assert (h2.status, h2.total_amount) == (StatementStatus.DRAFT, 300)
    payment = Payment.objects.get()
    assert (payment.statement, payment.amount, payment.recorded_by) == (h1, h1.total_amount, officer)
    assert ComputationRun.objects.count() == 2

    first = _row_counts()
    statements_demo.seed({})
    assert _row_counts() == first
