"""Celery tasks of the committee area (thin wrappers over services, idempotent, queued with delay_on_commit)."""

from celery import shared_task


@shared_task(name="funding.decision_letter")
def decision_letter_task(decision_id: int) -> None:
    from funding.services.committee import decision_letter_send

    decision_letter_send(decision_id=decision_id)


@shared_task(name="funding.grants_sync_protocol")
def grants_sync_protocol_task(protocol_id: int) -> None:
    from funding.services.grants import grants_sync_protocol

    grants_sync_protocol(protocol_id=protocol_id)


@shared_task(name="funding.grants_sync_states")
def grants_sync_states_task() -> int:
    """Nightly (see ``FundingConfig.ready``): grants follow suspensions that start or end on the day."""
    from funding.services.grants import grants_sync_states

    return grants_sync_states()
