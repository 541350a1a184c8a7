"""The bounded retries of an import task (issue 16): each delivery of the task is counted on the batch, in the
database, before any work; past ``IMPORT_MAX_ATTEMPTS`` the batch is failed with a message for the coordinator and
never runs again, so an import that kills its worker cannot loop."""

import logging

from django.conf import settings
from django.db.models import F

from portal.jobs import JobStatus
from protocols.models import ImportBatch

logger = logging.getLogger(__name__)


def import_max_attempts() -> int:
    return settings.IMPORT_MAX_ATTEMPTS


def interrupted_message(attempts: int) -> str:
    return (
        f"L'import a été interrompu {attempts} fois avant de finir (le fichier demande sans doute plus de mémoire ou "
        "de temps que le serveur ne lui en accorde) : il a été abandonné et rien n'a été enregistré. Découpez le "
        "fichier (par exemple par trimestre) et importez chaque partie ; si cela se reproduit, contactez l'ARS."
    )


def import_batch_attempt(*, batch_id: int) -> bool:
    """Count one delivery of the batch's task; False once the batch has had its ``IMPORT_MAX_ATTEMPTS`` runs (it is
    then marked failed, with a message for the coordinator, and must not run again).

    Called by the task before any work, outside any transaction: the count is committed at once, so a worker that
    dies during the import (killed for its memory, or otherwise) cannot roll it back. The ``UPDATE … attempts + 1``
    is atomic: two deliveries of the same message count twice."""
    ImportBatch.objects.filter(pk=batch_id).update(attempts=F("attempts") + 1)
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return False
    finished_or_failed = batch.outcome != ImportBatch.Outcome.PENDING or batch.status == JobStatus.FAILED
    if finished_or_failed or batch.attempts <= import_max_attempts():
        return True  # a finished batch is only finished off by ``import_batch_run``
    logger.error("Import %s abandoned after %s interrupted runs", batch.pk, batch.attempts - 1)
    batch.mark_failed(interrupted_message(batch.attempts - 1))
    return False
