from django.db import models
from django.db.models import Q

from portal.access import ScopedQuerySet
from portal.jobs import BackgroundJob, JobStatus
from portal.uploads import private_upload_to


class OpenDataReleaseQuerySet(ScopedQuerySet):
    """Published releases are open data: everybody, even anonymous, reads them."""

    def visible_to(self, user, roles=None):
        return self.published()

    def published(self):
        return self.filter(status=JobStatus.DONE)


class OpenDataRelease(BackgroundJob):
    """One publication of the open-data file (CSV, JSON): the national aggregates up to the last half-year with
    issued statements. ``source_stamp`` identifies the issued statements it was made from: a new release is made
    only when they change (``reporting.services.opendata``)."""

    source_stamp = models.CharField("état des émissions", max_length=80)
    year = models.PositiveSmallIntegerField("jusqu'à l'année")
    half = models.PositiveSmallIntegerField("jusqu'au semestre")
    csv = models.FileField(upload_to=private_upload_to("donnees-ouvertes"), blank=True)
    json = models.FileField(upload_to=private_upload_to("donnees-ouvertes"), blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField("lignes", default=0)

    objects = OpenDataReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = "publication des données ouvertes"
        verbose_name_plural = "publications des données ouvertes"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="open_data_half_valid"),
            # Two beats (or a beat and a retry) never make two releases of the same issued statements.
            models.UniqueConstraint(
                fields=["source_stamp"], condition=~Q(status=JobStatus.FAILED), name="open_data_one_per_stamp"
            ),
        ]

    def __str__(self):
        return f"Données ouvertes jusqu'à {self.year}-H{self.half}"

    @property
    def period_label(self) -> str:
        return f"{'1er' if self.half == 1 else '2nd'} semestre {self.year}"
