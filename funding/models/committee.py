from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import DOSSIER_AGENCY_ROLES, Role
from portal.uploads import private_upload_to


def reviewer_assignments(user_id, region_ids):
    """A committee member's assignments in ``region_ids`` on which he has declared that he has no conflict of
    interest: the only way he reaches a dossier and what hangs on it (registered with ``portal.access`` by
    ``FundingConfig.ready``). Before his declaration he reaches nothing of the dossier, as on his review page."""
    return ReviewAssignment.objects.filter(
        reviewer_id=user_id, dossier__campaign__region__in=region_ids, review__conflict_of_interest=False
    )


class ReviewAssignmentQuerySet(ScopedQuerySet):
    """Region admins see every assignment of their region; a committee member sees their own."""

    region_path = "dossier__campaign__region"
    agency_roles = frozenset({Role.REGION_ADMIN, Role.INSTRUCTOR})

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if scope.user_id and (roles is None or Role.COMMITTEE_MEMBER in roles):
            condition |= Q(
                reviewer_id=scope.user_id, dossier__campaign__region__in=scope.region_ids([Role.COMMITTEE_MEMBER])
            )
        return condition


class ReviewAssignment(models.Model):
    """The region admin asks a committee member to review a dossier (at least two reviewers by default)."""

    dossier = models.ForeignKey("funding.Dossier", on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="review_assignments")
    assigned_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    objects = ReviewAssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "affectation d'évaluateur"
        constraints = [models.UniqueConstraint(fields=["dossier", "reviewer"], name="review_assignment_unique")]

    def __str__(self):
        return f"{self.reviewer} évalue {self.dossier.reference}"


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Soumise"


class ReviewQuerySet(ReviewAssignmentQuerySet):
    region_path = "assignment__dossier__campaign__region"

    def scope_filter(self, scope, roles):
        condition = ScopedQuerySet.scope_filter(self, scope, roles)
        if scope.user_id and (roles is None or Role.COMMITTEE_MEMBER in roles):
            condition |= Q(
                assignment__reviewer_id=scope.user_id,
                assignment__dossier__campaign__region__in=scope.region_ids([Role.COMMITTEE_MEMBER]),
            )
        return condition


class Review(models.Model):
    """A reviewer's evaluation of a dossier. A conflict of interest is declared first; a conflicted reviewer does
    not score. A submitted review is locked; reopening it is an admin action with a reason."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.PROTECT, related_name="review")
    conflict_of_interest = models.BooleanField("conflit d'intérêts", null=True, blank=True)
    conflict_details = models.TextField("nature du conflit d'intérêts", blank=True)
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField("état", max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT)
    general_comment = models.TextField("avis général", blank=True)
    weighted_score = models.DecimalField(
        "score pondéré (sur 20)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reopen_reason = models.TextField("motif de réouverture", blank=True)

    objects = ReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "évaluation"
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ReviewState.DRAFT) | Q(submitted_at__isnull=False),
                name="review_submitted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(conflict_of_interest=True) | Q(weighted_score__isnull=True),
                name="review_conflicted_has_no_score",
                violation_error_message="Un évaluateur en conflit d'intérêts ne note pas le dossier.",
            ),
        ]

    def __str__(self):
        return f"Évaluation de {self.assignment}"


class ReviewReopening(models.Model):
    """The business story of a review: every reopening of a submitted review, by whom, when and why."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reopenings")
    by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField("motif de réouverture")
    previous_score = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = "réouverture d'évaluation"
        ordering = ["review", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="review_reopening_has_reason",
                violation_error_message="Indiquez le motif de la réouverture.",
            ),
        ]

    def __str__(self):
        return f"Réouverture de {self.review}"


class Score(models.Model):
    """The note of one sub-criterion in a review. A draft may hold a comment without a note yet (``value`` null);
    a submitted review has a note for every scored criterion of the grid. The first score row freezes the grid."""

    audit_region_paths = ("review__assignment__dossier__campaign__region",)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey("funding.Criterion", on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField("note", null=True, blank=True)
    comment = models.TextField("commentaire", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "note"
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_unique_per_criterion")]

    def __str__(self):
        return f"{self.criterion.code} : {self.value}"


class CommitteeMeetingQuerySet(ScopedQuerySet):
    region_path = "campaign__region"


class CommitteeMeeting(models.Model):
    """A sitting of the selection committee: members present, and the minutes (PV) generated as a PDF."""

    campaign = models.ForeignKey("funding.Campaign", on_delete=models.PROTECT, related_name="meetings")
    wave = models.ForeignKey("funding.Wave", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("réunie le")
    members_present = models.ManyToManyField("portal.User", related_name="+", verbose_name="membres présents")
    minutes = models.FileField("procès-verbal", upload_to=private_upload_to("pv"), blank=True)
    minutes_sha256 = models.CharField(max_length=64, blank=True)
    minutes_generated_at = models.DateTimeField(null=True, blank=True)

    objects = CommitteeMeetingQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[members_present])

    class Meta:
        verbose_name = "séance de la commission"
        verbose_name_plural = "séances de la commission"
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "wave", "held_on"],
                name="committee_meeting_unique_per_day",
                violation_error_message="Une séance existe déjà à cette date pour cette vague.",
            ),
        ]

    def __str__(self):
        return f"Commission du {self.held_on:%d/%m/%Y}"


class DecisionOutcome(models.TextChoices):
    SELECTED = "selected", "Retenu"
    WAITING_LIST = "waiting_list", "Liste d'attente"
    NOT_SELECTED = "not_selected", "Non retenu"


class DecisionQuerySet(ScopedQuerySet):
    """Instructors and region admins read the region's decisions, committee members those of the dossiers they
    review, finance officers those a grant was opened on (what the money needs), coordinators their own."""

    region_path = "dossier__campaign__region"
    structure_path = "dossier__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = DOSSIER_AGENCY_ROLES
    reviewer_paths = ("dossier_id", "dossier_id")

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if condition == Q():
            return condition
        finance = scope.region_ids([Role.FINANCE_OFFICER] if roles is None else {Role.FINANCE_OFFICER} & roles)
        if finance:
            condition |= Q(dossier__campaign__region__in=finance, dossier__grant__isnull=False)
        return condition


class Decision(models.Model):
    """The committee's decision on a dossier, with its motive and the notification letter sent to the coordinator."""

    dossier = models.OneToOneField("funding.Dossier", on_delete=models.PROTECT, related_name="decision")
    meeting = models.ForeignKey(
        CommitteeMeeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField("décision", max_length=14, choices=DecisionOutcome.choices)
    motive = models.TextField("motif")
    over_quota_reason = models.TextField("justification du dépassement du nombre de projets", blank=True)
    decided_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    letter = models.FileField("courrier de notification", upload_to=private_upload_to("courriers"), blank=True)
    letter_sha256 = models.CharField(max_length=64, blank=True)
    letter_sent_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "décision"
        constraints = [
            models.CheckConstraint(
                condition=~Q(motive=""), name="decision_has_motive", violation_error_message="Motivez la décision."
            ),
        ]

    def __str__(self):
        return f"{self.dossier.reference} : {self.get_outcome_display()}"
