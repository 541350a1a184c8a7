from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet, get_scope
from portal.roles import MONEY_AGENCY_ROLES, Role
from protocols.checklist import CHECKLIST_ITEMS
from protocols.models.catalogue import profession_labels

# A protocol code travels in interventions' files, file names and headers: capitals, digits and single hyphens.
PROTOCOL_CODE_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
validate_protocol_code = RegexValidator(
    PROTOCOL_CODE_PATTERN,
    "Le code s'écrit en lettres majuscules sans accent, chiffres et tirets (ex. LOC-PACA-HTA).",
    code="protocol_code",
)


class ProtocolKind(models.TextChoices):
    LOCAL = "local", "Protocole local"
    NATIONAL = "national", "Adhésion à un protocole national"


class ProtocolTheme(models.TextChoices):
    """What a local protocol is about, so the ARS and the ministry can group local protocols (each one is written by
    its own team, with its own code). The list is the portal's proposal: no seed gives one (docs/decisions.md)."""

    CHRONIC = "chronic", "Suivi de maladies chroniques (HTA, diabète, BPCO…)"
    UNSCHEDULED = "unscheduled", "Soins non programmés"
    PREVENTION = "prevention", "Prévention, dépistage et vaccination"
    WOMEN = "women", "Santé de la femme et périnatalité"
    CHILDREN = "children", "Santé de l'enfant"
    ELDERLY = "elderly", "Personnes âgées et perte d'autonomie"
    MENTAL = "mental", "Santé mentale et addictions"
    WOUNDS = "wounds", "Plaies et soins techniques"
    MEDICATION = "medication", "Renouvellement et adaptation de traitements"
    OTHER = "other", "Autre thème"


class ProtocolStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    DECLARED = "declared", "Déclaré à l'ARS (en vigueur)"
    # Seed 001: "L'ARS peut […] suspendre ou annuler la mise en œuvre d'un protocole" (``protocols.models.ending``).
    ENDED = "ended", "Mise en œuvre annulée par l'ARS"


class ProtocolChildQuerySet(ScopedQuerySet):
    """Rows that belong to a protocol: scoped like the protocol's structure (coordinators, members, ARS), and also
    reached by the CPTS through which an ESP implements it. ``protocol_path`` leads to the protocol. In the ARS:
    the staff who follow the protocols and the money; committee members for the protocols of the dossiers they
    review."""

    protocol_path = "protocol"
    region_path = "protocol__structure__region"
    structure_path = "protocol__structure"
    agency_roles = MONEY_AGENCY_ROLES
    reviewer_paths = ("protocol_id", "dossier__protocol_id")

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        structure_ids = scope.structure_ids(self.structure_roles if roles is None else self.structure_roles & roles)
        if structure_ids:
            condition |= Q(**{f"{self.protocol_path}__implementing_structure__in": structure_ids})
        return condition


class ProtocolQuerySet(ScopedQuerySet):
    """A protocol belongs to its structure; an ESP's protocol is also reached by the CPTS that implements it. In the
    ARS: instructors, finance officers and region admins; committee members the protocols of the dossiers they
    review (conflicts excluded)."""

    region_path = "structure__region"
    structure_path = "structure"
    agency_roles = MONEY_AGENCY_ROLES
    reviewer_paths = ("pk", "dossier__protocol_id")

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        structure_ids = scope.structure_ids(self.structure_roles if roles is None else self.structure_roles & roles)
        if structure_ids:
            condition |= Q(implementing_structure__in=structure_ids)
        return condition

    def declared(self):
        return self.filter(status=ProtocolStatus.DECLARED)


class Protocol(models.Model):
    """A protocol in force (or in preparation) at a structure: a local protocol written by the team, or the team's
    adhesion to a national protocol. Its code identifies it in the structure's interventions (e.g. LOC-PACA-HTA)."""

    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="protocols")
    # An ESP implements a local protocol only through a CPTS it takes part in (art. L.4011-4-3 CSP).
    implementing_structure = models.ForeignKey(
        "portal.Structure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implemented_protocols",
        verbose_name="CPTS de mise en œuvre",
    )
    kind = models.CharField("nature", max_length=10, choices=ProtocolKind.choices, default=ProtocolKind.LOCAL)
    national_protocol = models.ForeignKey(
        "protocols.NationalProtocol", null=True, blank=True, on_delete=models.PROTECT, related_name="adhesions"
    )
    code = models.CharField(
        "code",
        max_length=40,
        validators=[validate_protocol_code],
        help_text="Référence courte du protocole, ex. LOC-PACA-HTA",
    )
    title = models.CharField("intitulé", max_length=300)
    object = models.TextField("objet du protocole", blank=True)
    # A local protocol is written into the projet de santé of the structure that implements it (seeds 000, 001, 003,
    # 004); the coordinator states it, and each declaration version records the statement.
    in_health_project = models.BooleanField(
        "le protocole est inscrit dans le projet de santé de la structure",
        default=False,
        help_text="Protocole local : obligatoire pour le déclarer (pour une ESP, le projet de santé de sa CPTS).",
    )
    inclusion_criteria = models.TextField("patients concernés : critères d'inclusion", blank=True)
    exclusion_criteria = models.TextField("critères d'exclusion", blank=True)
    delegated_acts = models.TextField("actes et activités délégués", blank=True)
    delegant_professions = models.JSONField("professions des délégants", default=list, blank=True)
    delegate_professions = models.JSONField("professions des délégués", default=list, blank=True)
    training_hours = models.DecimalField(
        "durée de la formation des délégués (heures)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    training_program = models.TextField("programme de formation", blank=True)
    delegant_availability = models.TextField("modalités de disponibilité du délégant", blank=True)
    patient_information = models.TextField("information et consentement du patient", blank=True)
    quality_safety = models.TextField("démarche qualité et sécurité des soins", blank=True)
    indicators = models.TextField("indicateurs de suivi", blank=True)
    # Steering fields of the portal, outside the ministry's model (not part of the declared content).
    theme = models.CharField(
        "thème du protocole",
        max_length=20,
        choices=ProtocolTheme.choices,
        blank=True,
        help_text="Sert à regrouper les protocoles locaux dans les statistiques régionales et nationales.",
    )
    medical_minutes_saved = models.PositiveSmallIntegerField(
        "temps médical libéré par intervention (minutes, déclaré par l'équipe)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(240)],
        help_text="Estimation de l'équipe : le temps de consultation médicale qu'une intervention du délégué "
        "évite. L'ARS s'en sert pour mesurer l'impact du protocole.",
    )
    status = models.CharField("état", max_length=10, choices=ProtocolStatus.choices, default=ProtocolStatus.DRAFT)
    declared_on = models.DateField("en vigueur depuis", null=True, blank=True)
    # The last day the protocol covers once the ARS ended its implementation (``ProtocolEnding`` says why).
    ended_on = models.DateField("dernier jour de mise en œuvre", null=True, blank=True)
    created_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ProtocolQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "protocole"
        ordering = ["structure__name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "code"],
                name="protocol_code_unique_per_structure",
                violation_error_message="La structure a déjà un protocole avec ce code.",
            ),
            models.CheckConstraint(
                condition=Q(kind=ProtocolKind.NATIONAL, national_protocol__isnull=False)
                | Q(kind=ProtocolKind.LOCAL, national_protocol__isnull=True),
                name="protocol_national_iff_adhesion",
                violation_error_message="Une adhésion désigne un protocole national, un protocole local aucun.",
            ),
            models.CheckConstraint(
                condition=Q(status=ProtocolStatus.DRAFT) | Q(declared_on__isnull=False),
                name="protocol_declared_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status=ProtocolStatus.ENDED, ended_on__isnull=False)
                | (~Q(status=ProtocolStatus.ENDED) & Q(ended_on__isnull=True)),
                name="protocol_ended_iff_end_date",
                violation_error_message="Seul un protocole dont la mise en œuvre est annulée a un dernier jour.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("declared_on")),
                name="protocol_ends_after_declaration",
                violation_error_message="La fin de mise en œuvre ne peut pas précéder la déclaration du protocole.",
            ),
            models.CheckConstraint(
                condition=Q(medical_minutes_saved__isnull=True) | Q(medical_minutes_saved__lte=240),
                name="protocol_minutes_saved_plausible",
                violation_error_message="Le temps médical libéré par intervention ne dépasse pas 240 minutes.",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=PROTOCOL_CODE_PATTERN),
                name="protocol_code_charset",
                violation_error_message="Le code s'écrit en lettres majuscules sans accent, chiffres et tirets.",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    @property
    def carrying_structure(self):
        """The structure the protocol is implemented (and funded) through."""
        return self.implementing_structure or self.structure

    @property
    def delegant_labels(self) -> str:
        return profession_labels(self.delegant_professions)

    @property
    def delegate_labels(self) -> str:
        return profession_labels(self.delegate_professions)

    @property
    def is_local(self) -> bool:
        return self.kind == ProtocolKind.LOCAL

    @property
    def is_draft(self) -> bool:
        return self.status == ProtocolStatus.DRAFT

    def suspend_refusal(self, user) -> str:
        """Why ``user`` may not suspend this protocol now, "" when they may: an instructor of its region, a protocol
        in force, no suspension still open (a future-dated one counts). The one rule of the « Suspendre » button
        and of ``protocol_suspend``."""
        if self.structure.region_id not in get_scope(user).region_ids([Role.INSTRUCTOR]):
            return "Seul un instructeur de l'ARS de la structure peut faire cette action."
        if self.status != ProtocolStatus.DECLARED:
            return "Seul un protocole déclaré (en vigueur) peut être suspendu."
        if self.suspensions.filter(lifted_on__isnull=True).exists():
            return "Ce protocole est déjà suspendu : levez d'abord la suspension en cours."
        return ""

    def can_be_suspended_by(self, user) -> bool:
        return not self.suspend_refusal(user)

    @property
    def is_ended(self) -> bool:
        return self.status == ProtocolStatus.ENDED

    @property
    def required_training_hours(self):
        """Hours of complementary training a delegate must complete (the catalogue's for an adhesion)."""
        if self.kind == ProtocolKind.NATIONAL and self.national_protocol_id:
            return self.national_protocol.training_hours
        return self.training_hours

    def structure_ids(self) -> set[int]:
        """The structures whose professionals may join the team (an ESP's and the CPTS implementing it)."""
        return {pk for pk in (self.structure_id, self.implementing_structure_id) if pk}

    def allowed_professions(self, role: str) -> list[str]:
        """The professions ``role`` may hold. For an adhesion, the catalogue's current version: the one the next
        declaration of the team will name (a past declaration keeps its own; docs/decisions.md)."""
        source = self.national_protocol if self.kind == ProtocolKind.NATIONAL and self.national_protocol_id else self
        return source.delegant_professions if role == "delegant" else source.delegate_professions

    def allows_profession(self, role: str, profession: str) -> bool:
        return profession in self.allowed_professions(role)

    # Fields of the ministry's "modèle de protocole local" a local protocol must fill before its declaration.
    REQUIRED_FOR_DECLARATION = (
        "title",
        "object",
        "inclusion_criteria",
        "exclusion_criteria",
        "delegated_acts",
        "delegant_professions",
        "delegate_professions",
        "training_hours",
        "training_program",
        "delegant_availability",
        "patient_information",
        "quality_safety",
        "indicators",
    )

    def missing_fields(self) -> list[str]:
        """Labels of the required sections still empty (a national adhesion takes them from the catalogue)."""
        if self.kind == ProtocolKind.NATIONAL:
            return []
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED_FOR_DECLARATION
            if getattr(self, name) in (None, "", [])
        ]


class ProtocolEvent(models.Model):
    """The business story of a protocol at its structure, one line per step: drafted, member invited, joined or
    left, version deposited, document reviewed, adverse event, suspension and its lifting. ``occurred_on`` is the
    date the step takes effect, ``at`` when it was recorded. Rows are only ever added."""

    class Kind(models.TextChoices):
        CREATED = "created", "Protocole créé"
        INVITED = "invited", "Professionnel invité"
        ACCEPTED = "accepted", "Invitation acceptée"
        DECLINED = "declined", "Invitation déclinée"
        WITHDRAWN = "withdrawn", "Invitation retirée"
        LEFT = "left", "Départ de l'équipe"
        TRAINING = "training", "Formation enregistrée"
        DECLARED = "declared", "Déclaration déposée à l'ARS"
        DS_ENTERED = "ds_entered", "Dossier démarches-simplifiées renseigné"
        DS_CONFIRMED = "ds_confirmed", "Dépôt sur démarches-simplifiées confirmé par l'ARS"
        DOCUMENT_VALIDATED = "doc_ok", "Pièce validée par l'ARS"
        DOCUMENT_REFUSED = "doc_refused", "Pièce refusée par l'ARS"
        ADVERSE_EVENT = "adverse", "Événement indésirable signalé"
        SUSPENDED = "suspended", "Protocole suspendu par l'ARS"
        LIFTED = "lifted", "Suspension levée par l'ARS"
        ENDED = "ended", "Mise en œuvre annulée par l'ARS"

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("étape", max_length=12, choices=Kind.choices)
    occurred_on = models.DateField("à compter du")
    at = models.DateTimeField("enregistrée le", default=timezone.now)
    by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    detail = models.CharField("détail", max_length=300, blank=True)

    objects = ProtocolChildQuerySet.as_manager()

    class Meta:
        verbose_name = "étape de la vie du protocole"
        verbose_name_plural = "étapes de la vie du protocole"
        ordering = ["protocol", "-at", "-id"]
        indexes = [models.Index(fields=["protocol", "at"], name="protocol_event_timeline_idx")]

    def __str__(self):
        return f"{self.protocol.code} — {self.get_kind_display()} ({self.occurred_on:%d/%m/%Y})"


class ChecklistAnswer(models.Model):
    """One answer of the R.4011-1 quality and safety checklist of a protocol."""

    audit_region_paths = ("protocol__structure__region",)

    class Answer(models.TextChoices):
        YES = "yes", "Oui"
        NO = "no", "Non"
        NOT_APPLICABLE = "na", "Non applicable"

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="checklist_answers")
    item = models.CharField(
        "exigence", max_length=40, choices=[(code, question) for code, _s, question in CHECKLIST_ITEMS]
    )
    answer = models.CharField("réponse", max_length=3, choices=Answer.choices)
    justification = models.TextField("justification", blank=True)
    answered_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "réponse à la liste de contrôle R.4011-1"
        constraints = [
            models.UniqueConstraint(fields=["protocol", "item"], name="checklist_answer_unique"),
            models.CheckConstraint(
                condition=~Q(answer="na") | ~Q(justification=""),
                name="checklist_na_needs_justification",
                violation_error_message="Justifiez une réponse « non applicable ».",
            ),
        ]

    def __str__(self):
        return f"{self.protocol.code} — {self.item} : {self.get_answer_display()}"
