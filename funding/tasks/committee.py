"""Celery tasks of the committee area (thin wrappers over services, idempotent, queued with delay_on_commit)."""

import logging

from celery import shared_task

from portal.pdf import PdfUnavailable

logger = logging.getLogger(__name__)


@shared_task(name="funding.decision_letter")
def decision_letter_task(decision_id: int) -> None:
    from funding.services.committee import decision_letter_send

    try:
        decision_letter_send(decision_id=decision_id)
    except PdfUnavailable:
        # The decision stands; the letter is generated and sent once the PDF libraries are installed.
        logger.warning("Courrier de la décision %s non généré : bibliothèques PDF absentes.", decision_id)


@shared_task(name="funding.grants_sync_protocol")
def grants_sync_protocol_task(protocol_id: int) -> None:
    from funding.services.grants import grants_sync_protocol

    grants_sync_protocol(protocol_id=protocol_id)


@shared_task(name="funding.grants_sync_states")
def grants_sync_states_task() -> int:
    """Nightly (see ``FundingConfig.ready``): grants follow suspensions that start or end on the day."""
    from funding.services.grants import grants_sync_states

    return grants_sync_states()
