from django.db import models
from django.db.models import Q

from portal.access import ScopedQuerySet
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


class NationalProtocolQuerySet(ScopedQuerySet):
    """The national catalogue is public reference data: every user reads all of it."""

    def visible_to(self, user, roles=None):
        return self.all()


class NationalProtocol(models.Model):
    """A protocol authorised nationally (HAS opinion, ministerial order) that teams adhere to. Read-only."""

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
