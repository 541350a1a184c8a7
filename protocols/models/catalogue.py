from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.access import ScopedQuerySet, get_scope
from portal.models import Profession


def profession_labels(codes) -> str:
    """« Infirmier, Pharmacien » from ["infirmier", "pharmacien"]."""
    labels = dict(Profession.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


class ForfaitUnit(models.TextChoices):
    """What the forfait of a national protocol pays for. Same values as ``funding.models.CountingUnit`` (the
    funding line copies it; the layers forbid this app to import it; a test checks they agree)."""

    INTERVENTION = "intervention", "Par intervention"
    PATIENT = "patient", "Par patient"


def can_edit_catalogue(user) -> bool:
    """Only the platform's administrators (superadmin) change the national catalogue: it is the same in every
    region, so no ARS role may change it for the others."""
    return bool(user.is_authenticated) and get_scope(user).is_superadmin


class NationalProtocolQuerySet(ScopedQuerySet):
    """The national catalogue is public reference data: every user reads all of it."""

    def visible_to(self, user, roles=None):
        return self.all()


# What a version of the catalogue fixes (the content of the protocol as the order states it). The forfait is not in
# it: the funding line freezes its own copy when it opens (docs/decisions.md, "Catalogue").
VERSIONED_FIELDS = (
    "title",
    "short_title",
    "delegant_professions",
    "delegate_professions",
    "training_hours",
    "training_hours_source",
    "allowed_structure_kinds",
    "patients",
    "care_setting",
    "delegant_availability",
    "legal_reference",
)


class NationalProtocol(models.Model):
    """A protocol authorised nationally (HAS opinion, ministerial order) that teams adhere to.

    The row holds the catalogue's *current* content; each change is a :class:`NationalProtocolVersion` (written by
    ``protocols.services.catalogue.national_protocol_version_create``), which the declarations name."""

    code = models.CharField("code", max_length=40, unique=True)
    title = models.CharField("intitulé", max_length=300)
    short_title = models.CharField("intitulé court", max_length=80)
    delegant_professions = models.JSONField("professions du délégant", default=list)
    delegate_professions = models.JSONField("professions des délégués", default=list)
    # Null: the seeds give no duration and none was verified; the ARS must confirm it (see training_hours_source).
    training_hours = models.DecimalField(
        "formation des délégués (heures)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    training_hours_source = models.CharField("source de la durée de formation", max_length=200, blank=True)
    allowed_structure_kinds = models.JSONField("mise en œuvre possible en", default=list)
    patients = models.TextField("patients concernés", blank=True)
    care_setting = models.CharField("lieu de mise en œuvre", max_length=200, blank=True)
    delegant_availability = models.TextField("intervention du délégant", blank=True)
    legal_reference = models.CharField("référence réglementaire", max_length=300, blank=True)
    # Set by the platform's administrators: a national protocol funded by the Assurance maladie's forfait (seed 003,
    # the SNP protocols: 25 € per patient, no cap). Each adhesion of a CPTS, MSP or CDS then opens an SNP line.
    forfait_amount = models.DecimalField(
        "forfait de l'Assurance maladie (€)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vide : le protocole n'ouvre pas de forfait. Sans plafond annuel.",
    )
    forfait_unit = models.CharField("unité du forfait", max_length=12, choices=ForfaitUnit.choices, blank=True)

    objects = NationalProtocolQuerySet.as_manager()

    class Meta:
        verbose_name = "protocole national"
        verbose_name_plural = "protocoles nationaux"
        ordering = ["short_title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(forfait_amount__isnull=True, forfait_unit="")
                | Q(forfait_amount__gt=0, forfait_unit__in=ForfaitUnit.values),
                name="national_protocol_forfait_complete",
                violation_error_message="Un forfait a un montant positif et une unité ; sans forfait, ni l'un ni "
                "l'autre.",
            ),
        ]

    def __str__(self):
        return self.short_title

    def allows(self, structure_kind: str) -> bool:
        """May a structure of this kind (MSP, CDS, CPTS, ESP) run the protocol?"""
        return structure_kind in self.allowed_structure_kinds

    @property
    def delegant_labels(self) -> str:
        return profession_labels(self.delegant_professions)

    @property
    def delegate_labels(self) -> str:
        return profession_labels(self.delegate_professions)

    @property
    def has_forfait(self) -> bool:
        return self.forfait_amount is not None

    @property
    def training_hours_to_confirm(self) -> bool:
        return self.training_hours is None

    def current_version(self):
        """The version the catalogue shows today (the highest number: versions are recorded in effect order)."""
        return self.versions.order_by("-number").first()


class NationalProtocolVersionQuerySet(ScopedQuerySet):
    """The catalogue's history is public reference data, like the catalogue."""

    def visible_to(self, user, roles=None):
        return self.all()


class NationalProtocolVersion(models.Model):
    """One version of a national protocol in the catalogue: its content as an order (arrêté) sets it, from a date.

    Immutable once written: a change of the order is a new version, so a declaration that names a version keeps
    the text its team adhered to. ``recorded_by`` is empty for the versions written by data migrations, the only
    ones allowed without an effective date (the portal's sources do not date the 2020 orders)."""

    national_protocol = models.ForeignKey(NationalProtocol, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("version")
    effective_on = models.DateField("en vigueur à compter du", null=True, blank=True)
    order_reference = models.CharField(
        "arrêté", max_length=200, help_text="Ex. « Arrêté du 17 juin 2024 relatif au protocole de coopération … »."
    )
    order_date = models.DateField("date de l'arrêté", null=True, blank=True)
    reason = models.TextField("motif du changement")
    title = models.CharField("intitulé", max_length=300)
    short_title = models.CharField("intitulé court", max_length=80)
    delegant_professions = models.JSONField("professions du délégant", default=list)
    delegate_professions = models.JSONField("professions des délégués", default=list)
    training_hours = models.DecimalField(
        "formation des délégués (heures)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    training_hours_source = models.CharField("source de la durée de formation", max_length=200, blank=True)
    allowed_structure_kinds = models.JSONField("mise en œuvre possible en", default=list)
    patients = models.TextField("patients concernés", blank=True)
    care_setting = models.CharField("lieu de mise en œuvre", max_length=200, blank=True)
    delegant_availability = models.TextField("intervention du délégant", blank=True)
    legal_reference = models.CharField("référence réglementaire", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="saisie par"
    )
    recorded_at = models.DateTimeField("saisie le", default=timezone.now)

    objects = NationalProtocolVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "version du catalogue national"
        verbose_name_plural = "versions du catalogue national"
        ordering = ["national_protocol", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_protocol", "number"],
                name="national_protocol_version_unique",
                violation_error_message="Ce numéro de version existe déjà pour ce protocole.",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="national_protocol_version_positive"),
            models.CheckConstraint(
                condition=Q(effective_on__isnull=False) | Q(recorded_by__isnull=True),
                name="national_protocol_version_dated",
                violation_error_message="Indiquez la date à compter de laquelle la version s'applique.",
            ),
            models.CheckConstraint(
                condition=Q(training_hours__isnull=True) | Q(training_hours__gt=0),
                name="national_protocol_version_training_positive",
                violation_error_message="La durée de formation est un nombre d'heures positif.",
            ),
        ]

    def __str__(self):
        return f"{self.national_protocol.code} v{self.number}"

    @property
    def delegant_labels(self) -> str:
        return profession_labels(self.delegant_professions)

    @property
    def delegate_labels(self) -> str:
        return profession_labels(self.delegate_professions)

    @property
    def label(self) -> str:
        """« version 2 (Arrêté du 17 juin 2024) », as messages and declarations name it."""
        return f"version {self.number} ({self.order_reference})"

    def changes_from(self, previous) -> list[str]:
        """The labels of the fields that differ from ``previous`` (the history page's summary)."""
        if previous is None:
            return []
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in VERSIONED_FIELDS
            if getattr(self, name) != getattr(previous, name)
        ]
