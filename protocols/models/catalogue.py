from django.db import models

from portal.access import ScopedQuerySet
from portal.models import Profession


def profession_labels(codes) -> str:
    """« Infirmier, Pharmacien » from ["infirmier", "pharmacien"]."""
    labels = dict(Profession.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


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

    objects = NationalProtocolQuerySet.as_manager()

    class Meta:
        verbose_name = "protocole national"
        verbose_name_plural = "protocoles nationaux"
        ordering = ["short_title"]

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
    def training_hours_to_confirm(self) -> bool:
        return self.training_hours is None
