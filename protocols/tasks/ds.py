"""Reading démarches-simplifiées dossiers (thin tasks over ``protocols.services.ds``; idempotent: a reading
overwrites the previous one)."""

from celery import shared_task


@shared_task(name="protocols.declaration_ds_check")
def declaration_ds_check_task(declaration_id: int) -> None:
    from protocols.models import Declaration
    from protocols.services.ds import declaration_ds_check

    declaration = Declaration.objects.filter(pk=declaration_id).first()
    if declaration is not None:
        declaration_ds_check(declaration=declaration)


@shared_task(name="protocols.ds_checks_refresh")
def ds_checks_refresh_task() -> None:
    """Beat: queue a reading for every DS version awaiting confirmation that was never read, failed (DS down) or is
    stale. Each reading is its own task, so one slow dossier does not hold the others."""
    from protocols.services.ds import ds_checks_due

    for declaration_id in ds_checks_due().values_list("pk", flat=True)[:500]:
        declaration_ds_check_task.delay(declaration_id)
