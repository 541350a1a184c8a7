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
