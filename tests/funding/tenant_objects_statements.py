"""Statements, computation runs and payments of the foreign region (CVL) for the tenant matrix."""

import datetime
from decimal import Decimal

from django.utils import timezone

from funding.models import ComputationRun, Payment, StatementStatus
from portal.jobs import JobStatus
from tests.funding.factories import GrantFactory, StatementFactory

ORDER = 60


def build(world):
    region, structure = world.objects["region"], world.objects["structure"]
    grant = GrantFactory(dossier__structure=structure)
    statement = StatementFactory(
        grant=grant,
        status=StatementStatus.ISSUED,
        issued_at=timezone.now(),
        eligible_count=4,
        period_amount=Decimal("100.00"),
        total_amount=Decimal("100.00"),
        year_cumulative=Decimal("100.00"),
        cap_remaining=grant.yearly_cap - Decimal("100.00"),
    )
    Payment.objects.create(
        statement=statement,
        paid_on=datetime.date(2025, 9, 1),
        amount=Decimal("50.00"),
        reference="OP-ETRANGER",
        recorded_by=world.objects["region_admin"],
    )
    run = ComputationRun.objects.create(region=region, year=2025, half=1, status=JobStatus.DONE, result_digest="0")
    world.objects.update(grant_statements=grant, statement=statement)
    world.kwargs.update(statement_id=statement.pk, computation_run_id=run.pk, period="2025-H1")
