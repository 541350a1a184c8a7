"""Celery tasks of the dossiers area (thin wrappers over services)."""

from smtplib import SMTPException

from celery import shared_task


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=True, max_retries=6)
def dossier_receipt_task(dossier_id: int) -> None:
    """Generate and e-mail the deposit receipt of a submitted dossier (idempotent: done steps are skipped)."""
    from funding.services.documents import dossier_receipt_issue

    dossier_receipt_issue(dossier_id=dossier_id)
