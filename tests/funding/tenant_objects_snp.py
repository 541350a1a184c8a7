"""An SNP forfait line of the foreign region (CVL) and its issued statement, for the tenant matrix: the foreign
structure's adhesion to a national protocol funded by a forfait, paid by a CPAM whose name carries the marker."""

from decimal import Decimal

from django.utils import timezone

from funding.models import StatementStatus
from tests.funding.factories import GrantFactory, StatementFactory
from tests.tenant import FOREIGN_MARKER

ORDER = 65


def build(world):
    structure = world.objects["structure"]
    structure.cpam = f"CPAM {FOREIGN_MARKER}"
    structure.save(update_fields=["cpam"])
    line = GrantFactory(
        snp=True, structure=structure, reference=f"SNP-{FOREIGN_MARKER}-1", protocol__code="SNP-ETRANGER"
    )
    statement = StatementFactory(
        grant=line,
        status=StatementStatus.ISSUED,
        issued_at=timezone.now(),
        reference=f"EV-2025-H1-SNP-{FOREIGN_MARKER}",
        eligible_count=300,
        period_amount=Decimal("7500.00"),
        total_amount=Decimal("7500.00"),
        year_cumulative=Decimal("7500.00"),
    )
    # Detail routes take one object per argument: test_tenant_matrix runs them again with these.
    world.objects.update(snp_kwargs={"grant_id": line.pk, "statement_id": statement.pk})
