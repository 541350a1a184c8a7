"""Celery tasks of the interventions area (thin wrappers over services)."""

from celery import shared_task


@shared_task(name="protocols.import_interventions", acks_late=True)
def import_interventions_task(batch_id: int) -> None:
    """Import a stored batch. Idempotent: a batch already imported, refused or failed is left as it is."""
    from protocols.services.imports import import_batch_run

    import_batch_run(batch_id=batch_id)


@shared_task(name="protocols.import_batches_resend", acks_late=True)
def import_batches_resend() -> int:
    """Send the import batches created while the broker was down (every minute, from beat)."""
    from protocols.services.imports import import_batches_resend as resend

    return resend()
