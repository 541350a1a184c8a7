"""Celery tasks of the interventions area (thin wrappers over services)."""

from celery import shared_task


# Deliberate delivery semantics (docs/security.md, « Worker tué ou à court de mémoire pendant un import »):
# - acks_late: the message is acknowledged when the task ends, not when it starts, so a worker that dies during the
#   import (the kernel kills it for its memory, an operator kills it, the host restarts) has not consumed it;
# - reject_on_worker_lost: when the pool child dies, the message goes back to the queue at once (Celery's default
#   would acknowledge it and leave the batch "running" forever). Running it again is safe: the import is all or
#   nothing and idempotent.
# The risk of redelivery is a file that kills the worker every time: it would come back forever. So each delivery
# is counted on the batch, in the database, before any work (``import_batch_attempt``); past IMPORT_MAX_ATTEMPTS the
# batch is marked failed with a message for the coordinator and the message is acknowledged: it never loops. An
# exception (MemoryError included) or the soft time limit fails the batch at once: acknowledged, not retried.
@shared_task(name="protocols.import_interventions", acks_late=True, reject_on_worker_lost=True)
def import_interventions_task(batch_id: int) -> None:
    """Import a stored batch. Idempotent: a batch already imported, refused or failed is left as it is."""
    from protocols.services.import_attempts import import_batch_attempt
    from protocols.services.imports import import_batch_run

    if import_batch_attempt(batch_id=batch_id):
        import_batch_run(batch_id=batch_id)


@shared_task(name="protocols.import_batches_resend", acks_late=True)
def import_batches_resend() -> int:
    """Send the import batches created while the broker was down (every minute, from beat)."""
    from protocols.services.imports import import_batches_resend as resend

    return resend()
