"""The declaration channel of a region and what démarches-simplifiées (DS) says of a declared dossier.

Every seed says the legal declaration is made on DS and takes effect at the deposit there. A region chooses: on the
portal (the portal's deposit is the declaration) or on DS (the coordinator files on DS, then records the DS dossier
number and deposit date on the portal; the ARS confirms them and the protocol is in force from the confirmed DS
date). With an API token and the démarche number, the portal reads the dossier on DS to show a mismatch to the
instructor; it never waits for DS to decide anything.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import Role

# DossierState of the DS schema, in French for the instructor.
DS_STATE_LABELS = {
    "en_construction": "en construction",
    "en_instruction": "en instruction",
    "accepte": "accepté",
    "refuse": "refusé",
    "sans_suite": "classé sans suite",
}


class DeclarationChannel(models.TextChoices):
    PORTAL = "portal", "Sur le portail (le dépôt sur le portail vaut déclaration)"
    DS = "ds", "Sur démarches-simplifiées (le portail enregistre le numéro et la date de dépôt DS)"


class RegionDeclarationSettingsQuerySet(ScopedQuerySet):
    region_path = "region"
    agency_roles = frozenset({Role.REGION_ADMIN})


class RegionDeclarationSettings(models.Model):
    """How a region's declarations are made, chosen by its regional admin. No row: on the portal.

    The DS API token is stored encrypted (``protocols.ds.secrets``) and never shown back; history leaves it out."""

    region = models.OneToOneField("portal.Region", on_delete=models.PROTECT, related_name="declaration_settings")
    channel = models.CharField(
        "les déclarations se font",
        max_length=10,
        choices=DeclarationChannel.choices,
        default=DeclarationChannel.PORTAL,
    )
    ds_demarche_number = models.PositiveIntegerField("numéro de la démarche DS", null=True, blank=True)
    ds_token_encrypted = models.TextField(blank=True)
    ds_token_set_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RegionDeclarationSettingsQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["ds_token_encrypted"])

    class Meta:
        verbose_name = "canal de déclaration d'une région"
        verbose_name_plural = "canaux de déclaration des régions"
        constraints = [
            models.CheckConstraint(
                condition=Q(ds_token_encrypted="") | Q(ds_token_set_at__isnull=False),
                name="declaration_settings_token_dated",
            ),
        ]

    def __str__(self):
        return f"{self.region} : {self.get_channel_display()}"

    @property
    def has_token(self) -> bool:
        return bool(self.ds_token_encrypted)

    @property
    def api_configured(self) -> bool:
        """The portal reads DS only with both the token and the démarche number."""
        return self.channel == DeclarationChannel.DS and self.has_token and bool(self.ds_demarche_number)


class DsCheckQuerySet(ScopedQuerySet):
    region_path = "declaration__protocol__structure__region"
    structure_path = "declaration__protocol__structure"
    agency_roles = frozenset({Role.INSTRUCTOR, Role.REGION_ADMIN})


class DsCheck(models.Model):
    """The last reading of a declaration's DS dossier through the DS API (one row per declaration, overwritten).

    ``ok`` False means DS could not be read (down, timeout, token refused, dossier unknown): ``error`` says why in
    French and beat tries again. A reading is a fact from outside, never a decision: the ARS confirms."""

    declaration = models.OneToOneField("protocols.Declaration", on_delete=models.CASCADE, related_name="ds_check")
    checked_at = models.DateTimeField("vérifié le", default=timezone.now)
    ok = models.BooleanField("lu sur DS", default=False)
    error = models.CharField("erreur", max_length=300, blank=True)
    state = models.CharField("état du dossier sur DS", max_length=20, blank=True)
    deposited_on = models.DateField("déposé sur DS le", null=True, blank=True)
    demarche_number = models.PositiveIntegerField("démarche DS", null=True, blank=True)
    attempts = models.PositiveIntegerField("tentatives", default=0)

    objects = DsCheckQuerySet.as_manager()

    class Meta:
        verbose_name = "lecture d'un dossier DS"
        constraints = [
            models.CheckConstraint(
                condition=Q(ok=True, error="") | Q(ok=False) & ~Q(error=""),
                name="ds_check_ok_or_error",
            ),
        ]

    def __str__(self):
        return f"Lecture DS de {self.declaration_id} le {self.checked_at:%d/%m/%Y %H:%M}"

    def get_state_label(self) -> str:
        return DS_STATE_LABELS.get(self.state, self.state)
