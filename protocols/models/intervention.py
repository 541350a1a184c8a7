from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.jobs import BackgroundJob
from portal.models import Professional
from portal.roles import MONEY_AGENCY_ROLES, Role
from portal.uploads import private_upload_to
from protocols.locks import is_locked_expression


class InterventionSource(models.TextChoices):
    FORM = "form", "Saisie"
    IMPORT = "import", "Import du tableau de reporting"
    API = "api", "API"


class InterventionQuerySet(ScopedQuerySet):
    """Coordinators and ARS staff see the structure's interventions; a professional sees those they performed (as
    delegate or delegant)."""

    region_path = "structure__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = MONEY_AGENCY_ROLES

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if condition == Q():  # everything (the superadmin): ``Q() | q`` is ``q``, it would narrow the view
            return condition
        # Only for users who hold the professional role: an OR on the delegate's user would otherwise keep an ARS
        # agent's region-wide list from walking an index.
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles) and scope.has_role(Role.PROFESSIONAL):
            # IN (subquery) rather than joins: PostgreSQL combines the two foreign-key indexes.
            own = Professional.objects.filter(user_id=scope.user_id).values("pk")
            condition |= Q(delegate_id__in=own) | Q(delegant_id__in=own)
        return condition

    def active(self):
        return self.filter(cancelled_at__isnull=True)

    def with_lock(self):
        """Annotate ``is_locked``: frozen by an issued funding statement (see ``protocols.locks``)."""
        return self.annotate(is_locked=is_locked_expression())


class Intervention(models.Model):
    """One patient episode handled under a protocol (one line of seed 003's reporting table).

    No patient name, NIR or health data is stored: ``episode_reference`` is the structure's own anonymous reference.
    (structure, protocol, episode_reference) identifies an episode: an identical row (same date and delegate, the same
    act reported twice) is refused by a unique constraint, so re-importing a file adds nothing; another date or
    delegate for the same episode is stored: another intervention, paid by an AMI grant, not by a per-patient line
    (``protocols.eligibility_rules``, ``funding.services.eligibility``).
    """

    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="interventions")
    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="interventions")
    performed_on = models.DateField("date de l'intervention")
    delegate = models.ForeignKey("portal.Professional", on_delete=models.PROTECT, related_name="+")
    delegant = models.ForeignKey("portal.Professional", on_delete=models.PROTECT, related_name="+")
    episode_reference = models.CharField("référence de l'épisode", max_length=64)
    second_contact_on = models.DateField("date du second contact", null=True, blank=True)
    second_contact_delegate = models.ForeignKey(
        "portal.Professional", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("origine", max_length=10, choices=InterventionSource.choices)
    recorded_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)
    import_batch = models.ForeignKey(
        "protocols.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="interventions"
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancelled_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = InterventionQuerySet.as_manager()
    # Edits and cancellations through the portal are audited; bulk imports write no history rows, the import batch
    # (file, hash, who, when) is their audit record.
    history = HistoricalRecords()

    class Meta:
        verbose_name = "intervention"
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "episode_reference", "performed_on", "delegate"],
                condition=Q(cancelled_at__isnull=True),
                name="intervention_identical_row_unique",
                violation_error_message="Cette intervention est déjà enregistrée (même épisode, date et délégué).",
            ),
            models.CheckConstraint(
                condition=Q(second_contact_on__isnull=True) | Q(second_contact_on__gte=models.F("performed_on")),
                name="intervention_second_contact_after_first",
                violation_error_message="Le second contact ne peut précéder la première intervention.",
            ),
        ]
        indexes = [
            # Duplicate detection: earliest date, then first recorded, per episode.
            models.Index(
                fields=["protocol", "episode_reference", "performed_on", "id"], name="intervention_episode_idx"
            ),
            models.Index(fields=["structure", "performed_on"], name="intervention_struct_date_idx"),
            models.Index(fields=["protocol", "performed_on"], name="intervention_proto_date_idx"),
            # The lists show the latest first, 50 at a time: walking this index avoids sorting a whole region.
            models.Index(
                F("performed_on").desc(),
                F("id").desc(),
                condition=Q(cancelled_at__isnull=True),
                name="intervention_recent_idx",
            ),
        ]

    def __str__(self):
        return f"{self.protocol.code} {self.episode_reference} du {self.performed_on:%d/%m/%Y}"


class ImportBatchQuerySet(ScopedQuerySet):
    region_path = "structure__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = MONEY_AGENCY_ROLES


class ImportBatch(BackgroundJob):
    """One upload of the reporting table: the file, its hash, its validation report and what it created."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "En cours"
        REJECTED = "rejected", "Refusé (lignes invalides)"
        IMPORTED = "imported", "Importé"
        ALREADY_IMPORTED = "already", "Déjà importé (rien n'a été ajouté)"

    class Layout(models.TextChoices):
        PORTAL = "portail", "Modèle du portail"
        TABLEAU = "tableau", "Tableau de reporting de l'ARS"

    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="import_batches")
    source = models.CharField("origine", max_length=10, choices=InterventionSource.choices, default="import")
    file = models.FileField("fichier", upload_to=private_upload_to("imports"), blank=True)
    original_name = models.CharField("nom du fichier", max_length=150, blank=True)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField("résultat", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    rows_read = models.PositiveIntegerField("lignes lues", default=0)
    created_count = models.PositiveIntegerField("interventions créées", default=0)
    identical_count = models.PositiveIntegerField("lignes déjà présentes (ignorées)", default=0)
    # Rows stored although their episode already had an intervention (another date or delegate): paid by an AMI
    # grant (per intervention); a per-patient line pays the first only (``episode_deja_compte``).
    episode_repeat_count = models.PositiveIntegerField("lignes d'un épisode déjà enregistré (doublons)", default=0)
    error_count = models.PositiveIntegerField("lignes en erreur", default=0)
    errors = models.JSONField("erreurs (ligne, colonne, message)", default=list, blank=True)
    layout = models.CharField("présentation du fichier", max_length=10, choices=Layout.choices, blank=True)
    # The ARS's layout: the « Période concernée » the sheet declares (its lines must fall within it).
    declared_from = models.DateField("période concernée : du", null=True, blank=True)
    declared_to = models.DateField("période concernée : au", null=True, blank=True)
    # Deliveries of the Celery task, counted before any work in their own transaction: a worker killed mid-import
    # (memory, kill) still counts, and past IMPORT_MAX_ATTEMPTS the batch is failed instead of being run again.
    attempts = models.PositiveSmallIntegerField("tentatives d'import", default=0)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "import d'interventions"
        verbose_name_plural = "imports d'interventions"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "sha256"],
                condition=Q(outcome="imported"),
                name="import_batch_same_file_once",
                violation_error_message="Ce fichier a déjà été importé pour cette structure.",
            ),
            models.CheckConstraint(
                condition=Q(declared_from__isnull=True, declared_to__isnull=True)
                | Q(declared_from__isnull=False, declared_to__gte=F("declared_from")),
                name="import_batch_declared_period_valid",
                violation_error_message="La période concernée finit avant de commencer.",
            ),
        ]

    def __str__(self):
        return f"Import {self.original_name} ({self.requested_at:%d/%m/%Y %H:%M})"
