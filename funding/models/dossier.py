from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import AGENCY_ROLES, DOSSIER_AGENCY_ROLES, Role
from portal.uploads import private_upload_to


class DossierState(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Déposé"
    UNDER_INSTRUCTION = "under_instruction", "En instruction"
    COMPLEMENT_REQUESTED = "complement_requested", "Compléments demandés"
    COMPLEMENT_PROVIDED = "complement_provided", "Compléments fournis"
    ADMISSIBLE = "admissible", "Recevable"
    INADMISSIBLE = "inadmissible", "Irrecevable"
    TO_COMMITTEE = "to_committee", "Transmis à la commission"
    SELECTED = "selected", "Retenu"
    WAITING_LIST = "waiting_list", "Liste d'attente"
    NOT_SELECTED = "not_selected", "Non retenu"
    WITHDRAWN = "withdrawn", "Retiré par le porteur"


DECIDED_STATES = {DossierState.SELECTED, DossierState.WAITING_LIST, DossierState.NOT_SELECTED}
# States in which the instructor works on the dossier (checks, complements, notes).
INSTRUCTION_STATES = {
    DossierState.SUBMITTED,
    DossierState.UNDER_INSTRUCTION,
    DossierState.COMPLEMENT_REQUESTED,
    DossierState.COMPLEMENT_PROVIDED,
}


# Seed 000 funds local protocols; a national protocol is paid per patient by the Assurance maladie (seed 003, the SNP
# forfait opened by its declaration), never through the AMI.
NATIONAL_PROTOCOL_REFUSED = (
    "L'AMI finance les protocoles locaux : une adhésion à un protocole national n'y est pas éligible. Les protocoles "
    "nationaux de soins non programmés sont rémunérés par l'Assurance maladie (forfait SNP) dès leur déclaration, "
    "sans candidature."
)


class AttachmentKind(models.TextChoices):
    HEALTH_PROJECT = "health_project", "Projet de santé de la structure"
    PROTOCOL = "protocol", "Protocole ou document de travail"
    TEAM = "team", "Engagements des professionnels"
    TRAINING = "training", "Programme ou attestation de formation"
    OTHER = "other", "Autre pièce"

    @classmethod
    def required(cls) -> tuple[str, ...]:
        return (cls.HEALTH_PROJECT,)


class DossierQuerySet(ScopedQuerySet):
    """Coordinators see their structures' dossiers. In the ARS, once submitted (a draft is the coordinator's own
    work until it is filed): instructors and region admins every dossier of the region, committee members the
    dossiers assigned to them where they declared no conflict of interest, finance officers the dossiers a grant
    was opened on (docs/security.md)."""

    region_path = "campaign__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = DOSSIER_AGENCY_ROLES
    reviewer_paths = ("pk", "dossier_id")

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if condition == Q():
            return condition
        finance = scope.region_ids([Role.FINANCE_OFFICER] if roles is None else {Role.FINANCE_OFFICER} & roles)
        if finance:
            condition |= Q(campaign__region__in=finance, grant__isnull=False)
        region_ids = scope.region_ids(AGENCY_ROLES if roles is None else AGENCY_ROLES & roles)
        if region_ids:
            condition &= ~Q(state=DossierState.DRAFT) | Q(structure__in=scope.structure_ids([Role.COORDINATOR]))
        return condition

    def submitted(self):
        return self.exclude(state=DossierState.DRAFT)

    def with_list_relations(self):
        return self.select_related("campaign", "wave", "structure", "protocol")

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(reference__icontains=text)
            | Q(structure__name__icontains=text)
            | Q(structure__finess__startswith=text)
            | Q(structure__commune__icontains=text)
            | Q(protocol__code__icontains=text)
        )

    def in_priority_zone(self, zone: str):
        """Dossiers declaring the zone (zip, zac, qpv), or any of them with ``zone="any"``."""
        if zone == "any":
            return self.filter(Q(in_zip=True) | Q(in_zac=True) | Q(in_qpv=True))
        if zone in {"zip", "zac", "qpv"}:
            return self.filter(**{f"in_{zone}": True})
        return self


class Dossier(models.Model):
    """An application (dossier de candidature, annex 1 of the AMI) filed by a structure's coordinator.

    Sections follow the annex. On submit, ``snapshot`` freezes every answer (and its SHA-256); the dossier is then
    edited only in the sections a complement request reopens. A submitted dossier is never deleted.
    """

    campaign = models.ForeignKey("funding.Campaign", on_delete=models.PROTECT, related_name="dossiers")
    wave = models.ForeignKey("funding.Wave", on_delete=models.PROTECT, related_name="dossiers")
    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="dossiers")
    reference = models.CharField("numéro de dossier", max_length=30, unique=True)
    state = models.CharField("état", max_length=24, choices=DossierState.choices, default=DossierState.DRAFT)
    # Section "Le protocole": a protocol drafted in the portal, or a request for stage-1 drafting support.
    protocol = models.ForeignKey(
        "protocols.Protocol",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name="protocole",
    )
    drafting_support_requested = models.BooleanField(
        "demande d'accompagnement à la rédaction (étape 1)", default=False
    )
    drafting_support_needs = models.TextField("accompagnement attendu de l'ARS", blank=True)
    # Section "Identité de la structure" (prefilled from the structure; contact of the project).
    contact_name = models.CharField("personne référente du projet", max_length=200, blank=True)
    contact_email = models.EmailField("e-mail du référent", blank=True)
    contact_phone = models.CharField("téléphone du référent", max_length=20, blank=True)
    # Section "Territoire".
    territory_description = models.TextField("territoire couvert", blank=True)
    in_zip = models.BooleanField("zone d'intervention prioritaire (ZIP)", default=False)
    in_zac = models.BooleanField("zone d'action complémentaire (ZAC)", default=False)
    in_qpv = models.BooleanField("quartier prioritaire de la politique de la ville (QPV)", default=False)
    # Sections of the project.
    team_description = models.TextField(
        "composition de l'équipe : précisions",
        blank=True,
        help_text="Professionnels pressentis, temps dédié, organisation ; obligatoire si le protocole n'a pas "
        "encore d'équipe.",
    )
    territory_needs = models.TextField("besoins du territoire et projet de santé", blank=True)
    delegation_modalities = models.TextField("modalités de délégation de tâches", blank=True)
    training_modalities = models.TextField("modalités de mise en œuvre de la formation", blank=True)
    quality_approach = models.TextField("démarche qualité et sécurité des soins", blank=True)
    monitoring_evaluation = models.TextField("suivi et évaluation", blank=True)
    expected_interventions_per_year = models.PositiveIntegerField(
        "interventions attendues par an", null=True, blank=True
    )
    subsidy_sharing = models.TextField("répartition prévue de la subvention", blank=True)
    delegant_share_percent = models.PositiveSmallIntegerField("part des délégants (%)", null=True, blank=True)
    delegate_share_percent = models.PositiveSmallIntegerField("part des délégués (%)", null=True, blank=True)
    sworn_statement = models.BooleanField("attestation sur l'honneur", default=False)
    # Sections reopened by the current complement request (empty otherwise).
    reopened_sections = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField("déposé le", null=True, blank=True)
    submitted_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField("contenu déposé", null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    receipt = models.FileField("récépissé de dépôt", upload_to=private_upload_to("recepisses-ami"), blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)
    receipt_sent_at = models.DateTimeField("récépissé envoyé le", null=True, blank=True)
    inadmissibility_reason = models.TextField("motif d'irrecevabilité", blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField("motif du retrait", blank=True)

    objects = DossierQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "dossier de candidature"
        verbose_name_plural = "dossiers de candidature"
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=DossierState.DRAFT, submitted_at__isnull=True)
                | (~Q(state=DossierState.DRAFT) & Q(submitted_at__isnull=False, snapshot_sha256__gt="")),
                name="dossier_submitted_iff_not_draft",
            ),
            models.CheckConstraint(
                condition=~Q(state=DossierState.INADMISSIBLE) | ~Q(inadmissibility_reason=""),
                name="dossier_inadmissible_has_reason",
                violation_error_message="Indiquez le motif d'irrecevabilité.",
            ),
            models.CheckConstraint(
                condition=~Q(state=DossierState.WITHDRAWN) | Q(withdrawn_at__isnull=False),
                name="dossier_withdrawn_has_date",
            ),
            models.UniqueConstraint(
                fields=["wave", "protocol"],
                condition=Q(protocol__isnull=False) & ~Q(state=DossierState.WITHDRAWN),
                name="dossier_one_per_protocol_and_wave",
                violation_error_message="Ce protocole fait déjà l'objet d'un dossier dans cette vague de l'AMI.",
            ),
            models.CheckConstraint(
                condition=Q(delegant_share_percent__isnull=True)
                | Q(delegate_share_percent__isnull=True)
                | Q(delegant_share_percent__lte=100, delegate_share_percent__lte=100),
                name="dossier_shares_are_percentages",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"], name="dossier_campaign_state_idx"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.structure.name}"

    def clean(self):
        if self.protocol_id and self.structure_id:
            protocol = self.protocol
            if self.structure_id not in (protocol.structure_id, protocol.implementing_structure_id):
                raise ValidationError({"protocol": "Ce protocole n'est pas celui de la structure candidate."})
            if not protocol.is_local:
                raise ValidationError({"protocol": NATIONAL_PROTOCOL_REFUSED})
        if self.wave_id and self.campaign_id and self.wave.campaign_id != self.campaign_id:
            raise ValidationError({"wave": "Cette vague appartient à une autre campagne."})

    @property
    def is_editable(self) -> bool:
        return self.state == DossierState.DRAFT or (
            self.state == DossierState.COMPLEMENT_REQUESTED and bool(self.reopened_sections)
        )

    @property
    def editable_sections(self) -> list[str]:
        """Keys of the sections the coordinator may change now: all of a draft, the reopened ones later."""
        from funding.dossier_sections import SECTIONS

        if self.state == DossierState.DRAFT:
            return [section.key for section in SECTIONS]
        if self.state == DossierState.COMPLEMENT_REQUESTED:
            return list(self.reopened_sections)
        return []

    @property
    def is_submitted(self) -> bool:
        return self.state != DossierState.DRAFT

    @property
    def is_draft(self) -> bool:
        return self.state == DossierState.DRAFT

    @property
    def priority_zones(self) -> list[str]:
        return [label for flag, label in ((self.in_zip, "ZIP"), (self.in_zac, "ZAC"), (self.in_qpv, "QPV")) if flag]
