"""Demo eligibility: once the committee's seeder has created the grant SUB-PACA-2025-001 (2025-03-01 → 2027-12-31),
the eligibility of the demo interventions is recomputed (it was computed without a grant when they were seeded).
Idempotent: a recomputation that changes nothing writes nothing."""

from funding.demo.keys import OLIVIERS_GRANT
from funding.models import Grant
from funding.services.eligibility import recompute_eligibility
from portal.models import Structure
from protocols.demo.keys import OLIVIERS_FINESS, PAYS_D_AIX_FINESS


def seed(context: dict) -> dict:
    structure_ids = list(
        Structure.objects.filter(finess__in=[OLIVIERS_FINESS, PAYS_D_AIX_FINESS]).values_list("pk", flat=True)
    )
    grant = Grant.objects.filter(reference=OLIVIERS_GRANT).first()
    if grant is not None and grant.structure_id not in structure_ids:
        structure_ids.append(grant.structure_id)
    return {"demo_eligibility_rows_written": recompute_eligibility(structure_ids=structure_ids)}
