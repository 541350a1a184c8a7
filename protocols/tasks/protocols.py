"""Celery tasks of the protocols area (thin wrappers over services)."""

from celery import shared_task


@shared_task(name="protocols.declaration_receipt")
def declaration_receipt_task(declaration_id: int) -> None:
    """Render the receipt of a deposited declaration (idempotent: a receipt already stored is kept)."""
    from protocols.models import Declaration
    from protocols.services.declarations import declaration_receipt_ensure

    declaration = Declaration.objects.filter(pk=declaration_id).first()
    if declaration is not None:
        declaration_receipt_ensure(declaration=declaration)
