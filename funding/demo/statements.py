"""Demo statements: PACA 2025-H1 issued, 2025-H2 as a draft, one payment of the H1 statement recorded.

Runs after the committee seeder (grant ``SUB-PACA-2025-001`` of the MSP des Oliviers) and the eligibility seeder
(the interventions' eligibility rows); without the grant it does nothing. Idempotent: each step looks for what it
would create (the statements of the grant, the payment's reference) and a second run writes nothing.
"""

from django.utils import timezone

from funding.demo.keys import OLIVIERS_GRANT
from funding.models import ComputationRun, Grant, Payment, Statement, StatementStatus
from funding.periods import Period
from funding.services.payments import payment_record
from funding.services.statement_runs import computation_run_execute
from portal.models import User

FINANCE_OFFICER_EMAIL = "finance.paca@demo.fr"
PAYMENT_REFERENCE = "OP-PACA-2025-0001"
H1, H2 = Period(2025, 1), Period(2025, 2)


def seed(context: dict) -> dict:
    grant = Grant.objects.filter(reference=OLIVIERS_GRANT).select_related("structure__region").first()
    if grant is None:
        return {}
    region = grant.structure.region
    officer = User.objects.filter(email=FINANCE_OFFICER_EMAIL).first()
    statements = Statement.objects.filter(grant=grant, year=2025)
    if not statements.filter(half=1, status=StatementStatus.ISSUED).exists():
        _run(region, H1, officer, issue=True)
    if not statements.filter(half=2).exists():
        _run(region, H2, officer, issue=False)
    h1 = statements.get(half=1)
    if (
        officer
        and h1.total_amount > 0
        and not Payment.objects.filter(statement=h1, reference=PAYMENT_REFERENCE).exists()
    ):
        payment_record(
            statement=h1,
            paid_on=timezone.localdate(),
            amount=h1.total_amount,
            reference=PAYMENT_REFERENCE,
            comment="Versement du 1er semestre 2025 (démonstration)",
            by=officer,
        )
    return {"statements": {"2025-H1": h1, "2025-H2": statements.get(half=2)}}


def _run(region, period: Period, officer, *, issue: bool) -> None:
    run = ComputationRun.objects.create(
        region=region, year=period.year, half=period.half, issue_after=issue, requested_by=officer
    )
    run = computation_run_execute(run=run)
    if run.error:
        raise RuntimeError(f"Démonstration : le calcul {period} a échoué : {run.error}")
