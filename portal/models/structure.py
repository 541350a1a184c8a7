from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.examples import EXAMPLE_FINESS
from portal.roles import MONEY_AGENCY_ROLES
from portal.uploads import private_upload_to
from portal.validators import normalize_identifier, validate_finess, validate_siret


class StructureKind(models.TextChoices):
    MSP = "MSP", "Maison de santé pluriprofessionnelle (MSP)"
    CDS = "CDS", "Centre de santé (CDS)"
    CPTS = "CPTS", "Communauté professionnelle territoriale de santé (CPTS)"
    ESP = "ESP", "Équipe de soins primaires (ESP)"


class StructureQuerySet(ScopedQuerySet):
    """Its members; in the ARS the staff who follow protocols and money, and committee members the structures of
    the dossiers they review."""

    region_path = "region"
    structure_path = "pk"
    agency_roles = MONEY_AGENCY_ROLES
    reviewer_paths = ("pk", "dossier__structure_id")


class Structure(models.Model):
    """A coordinated-care organisation (MSP, CDS, CPTS) or a primary-care team (ESP) of one region."""

    kind = models.CharField("type", max_length=4, choices=StructureKind.choices)
    name = models.CharField("nom", max_length=200)
    finess = models.CharField(
        "numéro FINESS",
        max_length=9,
        blank=True,
        validators=[validate_finess],
        help_text=f"9 caractères, ex. {EXAMPLE_FINESS}",
    )
    siret = models.CharField("numéro SIRET", max_length=14, blank=True, validators=[validate_siret])
    address = models.CharField("adresse", max_length=250, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.CharField("commune", max_length=120)
    departement = models.CharField("département", max_length=3, help_text="Code du département, ex. 13 ou 2A")
    region = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="structures")
    # The payer of the SNP forfait of national protocols (seed 003: "CPAM de rattachement").
    cpam = models.CharField(
        "CPAM de rattachement", max_length=120, blank=True, help_text="Ex. CPAM des Bouches-du-Rhône"
    )
    in_zip = models.BooleanField("en zone d'intervention prioritaire (ZIP)", default=False)
    in_zac = models.BooleanField("en zone d'action complémentaire (ZAC)", default=False)
    in_qpv = models.BooleanField("en quartier prioritaire de la politique de la ville (QPV)", default=False)
    # An ESP implements a local protocol only through a CPTS it takes part in (art. L.4011-4-3 CSP).
    cpts_memberships = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="member_teams",
        limit_choices_to={"kind": StructureKind.CPTS},
        verbose_name="CPTS auxquelles l'équipe participe",
    )
    # Local protocols are open to structures that signed the interprofessional agreement with the Assurance maladie
    # (ACI; for a centre de santé, the national agreement) and are written into their projet de santé (seeds 000,
    # 001, 003, 004). Empty date: not signed / not validated.
    aci_signed_on = models.DateField(
        "accord conventionnel interprofessionnel (ACI) signé le",
        null=True,
        blank=True,
        help_text="Pour un centre de santé : adhésion à l'accord national. Vide si la structure n'a pas signé.",
    )
    health_project_validated_on = models.DateField("projet de santé validé par l'ARS le", null=True, blank=True)
    health_project = models.FileField(
        "projet de santé", upload_to=private_upload_to("projets-de-sante"), blank=True, max_length=200
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = StructureQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[cpts_memberships])

    class Meta:
        verbose_name = "structure"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["finess"],
                condition=~Q(finess=""),
                name="structure_finess_unique",
                violation_error_message="Une structure porte déjà ce numéro FINESS.",
            ),
            models.CheckConstraint(
                condition=~Q(finess="") | Q(kind="ESP"),
                name="structure_finess_required_except_esp",
                violation_error_message="Le numéro FINESS est obligatoire pour une MSP, un CDS ou une CPTS.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.kind})"

    def clean(self):
        self.finess = normalize_identifier(self.finess)
        self.siret = normalize_identifier(self.siret)
        if self.kind != StructureKind.ESP and not self.finess:
            raise ValidationError({"finess": "Le numéro FINESS est obligatoire pour une MSP, un CDS ou une CPTS."})

    @property
    def has_aci(self) -> bool:
        return self.aci_signed_on is not None

    @property
    def priority_zones(self) -> list[str]:
        return [label for flag, label in ((self.in_zip, "ZIP"), (self.in_zac, "ZAC"), (self.in_qpv, "QPV")) if flag]
