"""Long work is a row: the view creates it, a Celery task fills it, an htmx fragment polls it.

Apps subclass ``BackgroundJob`` (an abstract model) for their runs (import, computation, report generation) and
render ``includes/job_progress.html`` for the progress bar.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class BackgroundJob(models.Model):
    status = models.CharField("état", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField("éléments à traiter", default=0)
    processed = models.PositiveIntegerField("éléments traités", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("demandé le", default=timezone.now)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    error = models.TextField("erreur", blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.processed * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def mark_running(self, total: int | None = None) -> None:
        self.status, self.started_at, self.error = JobStatus.RUNNING, timezone.now(), ""
        fields = ["status", "started_at", "error"]
        if total is not None:
            self.total, self.processed = total, 0
            fields += ["total", "processed"]
        self.save(update_fields=fields)

    def advance(self, processed: int) -> None:
        """Record progress without touching other fields (called from inside the task)."""
        type(self).objects.filter(pk=self.pk).update(processed=processed)
        self.processed = processed

    def mark_done(self) -> None:
        self.status, self.finished_at, self.processed = JobStatus.DONE, timezone.now(), self.total
        self.save(update_fields=["status", "finished_at", "processed"])

    def mark_failed(self, message: str) -> None:
        self.status, self.finished_at, self.error = JobStatus.FAILED, timezone.now(), message[:2000]
        self.save(update_fields=["status", "finished_at", "error"])


class JobNotSent(Exception):
    """The broker could not take the job's task: the job is saved, still queued and unsent, and goes out with the
    next sweep (``jobs_resend_unsent``) or the next click. ``ServiceUnavailableMiddleware`` renders it as a 503."""


def _broker_errors() -> tuple:
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (BrokerError, RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


def job_send(job: BackgroundJob, task, *args, **kwargs) -> bool:
    """Send ``task`` for a queued job that was never sent; ``task_id`` set means "handed to the broker".

    The job row is claimed first (``UPDATE … WHERE task_id = ''``) so that a click and the sweep never send it twice;
    a broker failure gives the claim back and raises ``JobNotSent``. Returns False when there was nothing to send.
    """
    import uuid

    model = type(job)
    task_id = str(uuid.uuid4())
    if not model.objects.filter(pk=job.pk, status=JobStatus.QUEUED, task_id="").update(task_id=task_id):
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs, task_id=task_id)
    except _broker_errors() as error:
        model.objects.filter(pk=job.pk, task_id=task_id).update(task_id="")
        raise JobNotSent(f"{model.__name__} {job.pk} : {error!r}") from error
    job.task_id = task_id
    return True


def job_send_on_commit(job: BackgroundJob, task, *args, **kwargs) -> None:
    """``job_send`` once the transaction that created the job commits (the worker must be able to read it)."""
    from django.db import transaction

    transaction.on_commit(lambda: job_send(job, task, *args, **kwargs))


def jobs_resend_unsent(queryset, send, *, older_than_seconds: int = 30) -> int:
    """Send again the queued jobs of ``queryset`` the broker never took (it was down when they were created).

    ``send(job)`` calls ``job_send`` with the job's task and arguments. Stops at the first broker failure (it is
    still down: the next sweep tries again). Returns how many were sent."""
    import datetime

    cutoff = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    sent = 0
    for job in queryset.filter(status=JobStatus.QUEUED, task_id="", requested_at__lt=cutoff).order_by("pk"):
        try:
            sent += bool(send(job))
        except JobNotSent:
            break
    return sent
