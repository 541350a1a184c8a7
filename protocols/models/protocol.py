from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from protocols.checklist import CHECKLIST_ITEMS


class ProtocolKind(models.TextChoices):
    LOCAL = "local", "Protocole local"
    NATIONAL = "national", "Adhésion à un protocole national"


class ProtocolStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    DECLARED = "declared", "Déclaré à l'ARS (en vigueur)"
    ENDED = "ended", "Arrêté"


class ProtocolQuerySet(ScopedQuerySet):
    """A protocol belongs to its structure; an ESP's protocol is also reached by the CPTS that implements it."""

    region_path = "structure__region"
    structure_path = "structure"

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
    code = models.CharField("code", max_length=40, help_text="Référence courte du protocole, ex. LOC-PACA-HTA")
    title = models.CharField("intitulé", max_length=300)
    object = models.TextField("objet du protocole", blank=True)
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
    status = models.CharField("état", max_length=10, choices=ProtocolStatus.choices, default=ProtocolStatus.DRAFT)
    declared_on = models.DateField("en vigueur depuis", null=True, blank=True)
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
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    @property
    def carrying_structure(self):
        """The structure the protocol is implemented (and funded) through."""
        return self.implementing_structure or self.structure


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
