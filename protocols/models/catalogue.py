from django.db import models

from portal.access import ScopedQuerySet


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
    training_hours = models.DecimalField("formation des délégués (heures)", max_digits=5, decimal_places=1)
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
