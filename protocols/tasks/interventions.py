"""Celery tasks of the interventions area (thin wrappers over services)."""

from celery import shared_task


@shared_task(name="protocols.import_interventions", acks_late=True)
def import_interventions_task(batch_id: int) -> None:
    """Import a stored batch. Idempotent: a batch already imported, refused or failed is left as it is."""
    from protocols.services.imports import import_batch_run

    import_batch_run(batch_id=batch_id)
