"""Celery tasks of the protocols area (thin wrappers over services)."""

import logging

from celery import shared_task

from portal.pdf import PdfUnavailable

logger = logging.getLogger(__name__)


@shared_task(name="protocols.declaration_receipt")
def declaration_receipt_task(declaration_id: int) -> None:
    """Render the receipt of a deposited declaration (idempotent: a receipt already stored is kept)."""
    from protocols.models import Declaration
    from protocols.services.declarations import declaration_receipt_ensure

    declaration = Declaration.objects.filter(pk=declaration_id).first()
    if declaration is None:
        return
    try:
        declaration_receipt_ensure(declaration=declaration)
    except PdfUnavailable:
        # The deposit stands; the receipt page renders it on demand once the PDF libraries are installed.
        logger.warning("Récépissé %s non généré : bibliothèques PDF absentes.", declaration_id)


@shared_task(name="protocols.protocol_end_letter")
def protocol_end_letter_task(ending_id: int, notify: bool = True) -> None:
    """Store and send the letter of an ended protocol (idempotent: sent once)."""
    from protocols.services.endings import protocol_end_letter_send

    try:
        protocol_end_letter_send(ending_id=ending_id, notify=notify)
    except PdfUnavailable:
        logger.warning("Courrier de fin de mise en œuvre %s non généré : bibliothèques PDF absentes.", ending_id)
