"""Celery tasks of the eligibility area (thin wrappers over services)."""

from celery import shared_task


@shared_task(name="funding.recompute_eligibility")
def recompute_eligibility_task(protocol_ids=None, structure_ids=None, region_ids=None) -> int:
    """Recompute a large scope (a region, all structures) off the request. Idempotent: recomputing twice writes
    nothing the second time."""
    from funding.services.eligibility import recompute_eligibility

    return recompute_eligibility(protocol_ids=protocol_ids, structure_ids=structure_ids, region_ids=region_ids)


@shared_task(name="funding.eligibility_refresh_due")
def eligibility_refresh_due_task() -> int:
    """Every night: interventions whose date has come are no longer "in the future"."""
    from funding.services.eligibility import eligibility_refresh_due

    return eligibility_refresh_due()
