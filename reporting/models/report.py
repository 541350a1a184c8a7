import datetime

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


# The coordinator writes while the report is not in the ARS's hands; figures follow the engine until submission.
EDITABLE_STATES = frozenset({ReportState.TODO, ReportState.DRAFT, ReportState.CHANGES_REQUESTED})
# Not yet transmitted: reminders before the due date, overdue notices after it.
PENDING_STATES = frozenset({ReportState.TODO, ReportState.DRAFT})
# Who reads a report: the coordinators of its structure and the ARS staff who follow grants (not the committee).
READER_AGENCY_ROLES = frozenset({Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN})


class BiannualReportQuerySet(ScopedQuerySet):
    """Read: coordinators of the grant's structure, instructors, finance officers and admins of its region.

    Write rules, next to the read rule so both are read together (the services enforce them again, under lock):
    ``editable_by`` — a coordinator of the structure, while the report is to do, a draft or sent back for changes;
    ``reviewable_by`` — an instructor of the region, once the report is submitted.
    """

    region_path = "grant__structure__region"
    structure_path = "grant__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = READER_AGENCY_ROLES

    def editable_by(self, user):
        return self.visible_to(user, roles=[Role.COORDINATOR]).filter(state__in=EDITABLE_STATES)

    def reviewable_by(self, user):
        return self.visible_to(user, roles=[Role.INSTRUCTOR]).filter(state=ReportState.SUBMITTED)

    def of_period(self, year: int, half: int):
        return self.filter(year=year, half=half)

    def pending(self):
        return self.filter(state__in=PENDING_STATES)

    def overdue(self, today):
        """Late on ``today``: not yet transmitted (to do or draft) and past the due date. The one rule of "late"
        (the model's ``is_overdue``, the overdue notices, the dashboards and the national view all use it)."""
        return self.pending().filter(due_on__lt=today)


class BiannualReport(models.Model):
    """The half-yearly account of a grant's use of the funds: figures prefilled from the funding engine, sections
    written by the coordinator, reviewed by the ARS."""

    audit_region_paths = ("grant__structure__region",)

    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField("semestre", choices=[(1, "1er semestre"), (2, "2nd semestre")])
    state = models.CharField("état", max_length=20, choices=ReportState.choices, default=ReportState.TODO)
    opened_at = models.DateTimeField("ouvert le", default=timezone.now)
    due_on = models.DateField("à transmettre avant le")
    figures = models.JSONField("chiffres du semestre", default=dict, blank=True)
    figures_refreshed_at = models.DateTimeField("chiffres mis à jour le", null=True, blank=True)
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
    history = HistoricalRecords(excluded_fields=["pdf", "pdf_sha256", "pdf_source_hash"])

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
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="report_half_valid"),
            models.CheckConstraint(
                condition=~Q(state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED]) | Q(sworn_statement=True),
                name="report_submitted_is_sworn",
                violation_error_message="Un rapport transmis porte l'attestation sur l'honneur.",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"], name="report_state_due_idx")]

    def __str__(self):
        return f"Rapport {self.year}-H{self.half} — {self.grant.reference}"

    @property
    def period(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def period_label(self) -> str:
        return f"{'1er' if self.half == 1 else '2nd'} semestre {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """The row form of ``BiannualReportQuerySet.overdue`` (same rule); templates call it without argument."""
        return self.state in PENDING_STATES and self.due_on < (today or timezone.localdate())


class ReportTransitionQuerySet(ScopedQuerySet):
    region_path = "report__grant__structure__region"
    structure_path = "report__grant__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = READER_AGENCY_ROLES


class ReportTransition(models.Model):
    """The business story of a report: every state change, who made it, when, and the ARS's comment."""

    report = models.ForeignKey(BiannualReport, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=ReportState.choices)
    to_state = models.CharField(max_length=20, choices=ReportState.choices)
    by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField("commentaire", blank=True)

    objects = ReportTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = "changement d'état d'un rapport"
        ordering = ["report", "at", "id"]

    def __str__(self):
        return f"{self.report_id} : {self.from_state} → {self.to_state}"


class ConsolidatedReportQuerySet(ScopedQuerySet):
    region_path = "region"
    agency_roles = READER_AGENCY_ROLES


class ConsolidatedReport(BackgroundJob):
    """The region's consolidation of a half-year (PDF and XLSX), generated in the background."""

    region = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="consolidated_reports")
    year = models.PositiveSmallIntegerField()
    half = models.PositiveSmallIntegerField()
    pdf = models.FileField(upload_to=private_upload_to("consolidations"), blank=True)
    xlsx = models.FileField(upload_to=private_upload_to("consolidations"), blank=True)
    summary = models.JSONField("totaux", default=dict, blank=True)

    objects = ConsolidatedReportQuerySet.as_manager()

    class Meta:
        verbose_name = "consolidation régionale"
        verbose_name_plural = "consolidations régionales"
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=Q(half__in=[1, 2]), name="consolidation_half_valid")]

    def __str__(self):
        return f"Consolidation {self.region.code} {self.year}-H{self.half}"

    @property
    def period(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def period_label(self) -> str:
        return f"{'1er' if self.half == 1 else '2nd'} semestre {self.year}"
