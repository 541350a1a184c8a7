"""Celery tasks of the statements area (thin wrappers over services)."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.utils.log import get_task_logger
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = get_task_logger(__name__)

# Transient failures: the run's transaction rolled back, so running it again from the start is safe.
RETRYABLE = (OperationalError, InterfaceError, BrokerOperationalError, RedisConnectionError, RedisTimeoutError)


def _mark_failed(run_id, message: str) -> None:
    from funding.models import ComputationRun
    from portal.jobs import JobStatus

    try:
        run = ComputationRun.objects.get(pk=run_id)
    except (ComputationRun.DoesNotExist, DatabaseError):  # the database may be the thing that is down
        logger.exception("Calcul %s : impossible d'enregistrer l'échec", run_id)
        return
    if run.status != JobStatus.DONE:
        run.mark_failed(message)


class ComputeStatementsTask(DjangoTask):
    """Marks the run failed once Celery gives up (retries exhausted or an unexpected error), so the progress bar
    never polls forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = kwargs.get("run_id") or (args[2] if len(args) > 2 else None)
        if run_id:
            _mark_failed(run_id, "Le calcul a échoué ; l'équipe technique est prévenue. Vous pouvez le relancer.")
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
    bind=True,
    base=ComputeStatementsTask,
    autoretry_for=RETRYABLE,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def compute_statements(self, region: str, period: str, run_id: int | None = None) -> dict:
    """Compute the statements of ``region`` (its code, e.g. "PACA") for ``period`` ("2025-H1").

    Idempotent: a run already done returns its summary; a run interrupted (worker killed, database down) left no
    trace of its work and starts again from the beginning."""
    from funding.models import ComputationRun
    from funding.periods import Period
    from funding.services.statement_runs import computation_run_execute
    from portal.models import Region

    if run_id is None:
        parsed = Period.parse(period)
        run = ComputationRun.objects.create(region=Region.objects.get(code=region), year=parsed.year, half=parsed.half)
    else:
        run = ComputationRun.objects.select_related("region", "requested_by").get(pk=run_id)
    if self.request.id and run.task_id != self.request.id:
        run.task_id = self.request.id
        run.save(update_fields=["task_id"])
    run = computation_run_execute(run=run)
    return {"run_id": run.pk, "status": run.status, **run.summary}


@shared_task(name="funding.computation_runs_resend", acks_late=True)
def computation_runs_resend() -> int:
    """Send the computation runs created while the broker was down (every minute, from beat)."""
    from funding.services.statement_runs import computation_runs_resend as resend

    return resend()
