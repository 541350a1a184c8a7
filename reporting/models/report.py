from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.jobs import BackgroundJob
from portal.roles import Role
from portal.uploads import private_upload_to


class ReportState(models.TextChoices):
    TODO = "todo", "À faire"
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis à l'ARS"
    CHANGES_REQUESTED = "changes_requested", "Modifications demandées"
    ACCEPTED = "accepted", "Accepté"


class BiannualReportQuerySet(ScopedQuerySet):
    region_path = "grant__structure__region"
    structure_path = "grant__structure"
    structure_roles = frozenset({Role.COORDINATOR})


class BiannualReport(models.Model):
    """The half-yearly account of a grant's use of the funds: figures prefilled from the funding engine, sections
    written by the coordinator, reviewed by the ARS."""

    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField("semestre", choices=[(1, "1er semestre"), (2, "2nd semestre")])
    state = models.CharField("état", max_length=20, choices=ReportState.choices, default=ReportState.TODO)
    opened_at = models.DateTimeField("ouvert le", default=timezone.now)
    due_on = models.DateField("à transmettre avant le")
    figures = models.JSONField("chiffres du semestre", default=dict, blank=True)
    use_of_funds = models.TextField("utilisation des fonds", blank=True)
    sharing = models.TextField("répartition entre délégants et délégués", blank=True)
    difficulties = models.TextField("difficultés rencontrées", blank=True)
    indicator_values = models.JSONField("indicateurs du protocole", default=list, blank=True)
    next_steps = models.TextField("perspectives", blank=True)
    sworn_statement = models.BooleanField("attestation sur l'honneur", default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ars_comment = models.TextField("commentaires de l'ARS", blank=True)
    pdf = models.FileField(upload_to=private_upload_to("rapports"), blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_source_hash = models.CharField(max_length=64, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    objects = BiannualReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rapport semestriel"
        verbose_name_plural = "rapports semestriels"
        ordering = ["-year", "-half", "grant"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "year", "half"], name="report_one_per_grant_period"),
            models.CheckConstraint(
                condition=Q(state__in=[ReportState.TODO, ReportState.DRAFT]) | Q(submitted_at__isnull=False),
                name="report_submitted_has_date",
            ),
        ]

    def __str__(self):
        return f"Rapport {self.year}-H{self.half} — {self.grant.reference}"

    @property
    def period(self) -> str:
        return f"{self.year}-H{self.half}"


class ConsolidatedReportQuerySet(ScopedQuerySet):
    region_path = "region"


class ConsolidatedReport(BackgroundJob):
    """The region's consolidation of a half-year (PDF and XLSX), generated in the background."""

    region = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="consolidated_reports")
    year = models.PositiveSmallIntegerField()
    half = models.PositiveSmallIntegerField()
    pdf = models.FileField(upload_to=private_upload_to("consolidations"), blank=True)
    xlsx = models.FileField(upload_to=private_upload_to("consolidations"), blank=True)

    objects = ConsolidatedReportQuerySet.as_manager()

    class Meta:
        verbose_name = "consolidation régionale"
        verbose_name_plural = "consolidations régionales"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Consolidation {self.region.code} {self.year}-H{self.half}"
