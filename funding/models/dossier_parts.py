"""What hangs on a dossier: its attachments, its transition log, the instruction (checks, private notes, complement
requests) and the messages between the ARS and the structure."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.models.dossier import AttachmentKind, Dossier, DossierState
from portal.access import ScopedQuerySet
from portal.roles import DOSSIER_AGENCY_ROLES, Role
from portal.uploads import private_upload_to


class DossierChildQuerySet(ScopedQuerySet):
    """Rows of a dossier, scoped like it: instructors and region admins reach them once the dossier is submitted,
    committee members on the dossiers they review; finance officers do not (the grant carries what they need)."""

    region_path = "dossier__campaign__region"
    structure_path = "dossier__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = DOSSIER_AGENCY_ROLES
    reviewer_paths = ("dossier_id", "dossier_id")

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        region_ids = scope.region_ids(self.agency_roles if roles is None else self.agency_roles & roles)
        if region_ids:
            condition &= ~Q(dossier__state=DossierState.DRAFT) | Q(
                dossier__structure__in=scope.structure_ids([Role.COORDINATOR])
            )
        return condition


class DossierAttachment(models.Model):
    """A document joined to the dossier. Its SHA-256 goes into the snapshot; once the dossier is submitted it can no
    longer be removed (a complement may add new ones)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(
        "nature de la pièce", max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    section = models.CharField("rubrique", max_length=40, blank=True)
    label = models.CharField("intitulé", max_length=200)
    file = models.FileField(upload_to=private_upload_to("pieces-ami"))
    original_name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = DossierChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["dossier", "uploaded_at"]

    def __str__(self):
        return self.label


class DossierTransition(models.Model):
    """The business story of a dossier: every state change, who made it, when and why."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=24, choices=DossierState.choices)
    to_state = models.CharField(max_length=24, choices=DossierState.choices)
    by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    motive = models.TextField("motif", blank=True)

    objects = DossierChildQuerySet.as_manager()

    class Meta:
        verbose_name = "changement d'état"
        ordering = ["dossier", "at", "id"]

    def __str__(self):
        return f"{self.dossier.reference} : {self.from_state} → {self.to_state}"


class InstructionNoteQuerySet(DossierChildQuerySet):
    """Private notes: ARS staff only, never the coordinators."""

    structure_path = None


class InstructionNote(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    body = models.TextField("note")
    created_at = models.DateTimeField(default=timezone.now)

    objects = InstructionNoteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "note privée d'instruction"
        ordering = ["dossier", "created_at"]

    def __str__(self):
        return f"Note sur {self.dossier.reference}"


class DossierMessage(models.Model):
    """A message between the ARS and the coordinator, threaded, with an optional attachment."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="messages")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    body = models.TextField("message")
    attachment = models.FileField(upload_to=private_upload_to("messages"), blank=True)
    attachment_name = models.CharField(max_length=150, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DossierChildQuerySet.as_manager()

    class Meta:
        verbose_name = "message"
        ordering = ["dossier", "created_at"]

    def __str__(self):
        return f"Message sur {self.dossier.reference}"


class ComplementRequest(models.Model):
    """The ARS asks for complements: a list of items, a due date; only the named sections reopen."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="complement_requests")
    items = models.JSONField("pièces et informations demandées", default=list)
    sections = models.JSONField("rubriques rouvertes", default=list)
    message = models.TextField("message", blank=True)
    due_on = models.DateField("à fournir avant le")
    requested_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField("réponse du porteur", blank=True)
    answered_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    # The reopened sections as the coordinator answered them, frozen with their hash (the deposit snapshot of the
    # dossier itself never changes).
    answer_snapshot = models.JSONField("contenu transmis", null=True, blank=True)
    answer_sha256 = models.CharField(max_length=64, blank=True)

    objects = DossierChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "demande de compléments"
        verbose_name_plural = "demandes de compléments"
        ordering = ["dossier", "requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer_sha256=""),
                name="complement_answer_is_frozen",
            ),
        ]

    def __str__(self):
        return f"Compléments demandés sur {self.dossier.reference}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def section_titles(self) -> list[str]:
        from funding.dossier_sections import SECTIONS_BY_KEY

        return [SECTIONS_BY_KEY[key].title for key in self.sections if key in SECTIONS_BY_KEY]


class InstructionCheck(models.Model):
    """One step of instruction: administrative regularity, completeness, fit to the needs."""

    class Step(models.TextChoices):
        ADMINISTRATIVE = "administrative", "Régularité administrative"
        COMPLETENESS = "completeness", "Complétude du dossier"
        FIT_TO_NEEDS = "fit_to_needs", "Adéquation de la réponse aux besoins"

    class Outcome(models.TextChoices):
        OK = "ok", "Conforme"
        KO = "ko", "Non conforme"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="checks")
    step = models.CharField("étape", max_length=20, choices=Step.choices)
    outcome = models.CharField("résultat", max_length=2, choices=Outcome.choices)
    motive = models.TextField("motif")
    checked_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    objects = InstructionNoteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "étape d'instruction"
        constraints = [models.UniqueConstraint(fields=["dossier", "step"], name="instruction_check_unique")]

    def __str__(self):
        return f"{self.get_step_display()} : {self.get_outcome_display()}"
