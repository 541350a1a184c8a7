from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from portal.access import NOTHING, ScopedQuerySet
from portal.roles import Role


class RegionQuerySet(ScopedQuerySet):
    """Agents see their regions, structure roles the regions of their structures. A national role sees every
    region, but only when asked for by name (``roles=NATIONAL_ROLES``): that is the door of the national aggregate
    selectors, and every other ``visible_to`` of a national pilot stays empty."""

    def scope_filter(self, scope, roles):
        if scope.is_superadmin and (roles is None or Role.SUPERADMIN in roles):
            return Q()
        if roles is not None and scope.national & roles:
            return Q()
        condition = NOTHING
        region_ids = scope.region_ids() if roles is None else scope.region_ids(roles)
        if region_ids:
            condition |= Q(pk__in=region_ids)
        structure_ids = scope.structure_ids() if roles is None else scope.structure_ids(roles)
        if structure_ids:
            condition |= Q(pk__in=models.Subquery(_structure_regions(structure_ids)))
        return condition


def _structure_regions(structure_ids):
    from portal.models import Structure

    return Structure.objects.filter(pk__in=structure_ids).values("region_id")


class Region(models.Model):
    """An ARS (agence régionale de santé): the tenant. Its letterhead fields sign letters and statements."""

    audit_region_paths = ("id",)

    code = models.CharField("code", max_length=8, unique=True)
    name = models.CharField("nom", max_length=120)
    agency_name = models.CharField("nom de l'agence", max_length=200)
    address = models.TextField("adresse postale", blank=True)
    contact_email = models.EmailField("adresse de contact", blank=True)
    signatory_name = models.CharField("signataire des courriers", max_length=120, blank=True)
    signatory_title = models.CharField("qualité du signataire", max_length=200, blank=True)

    objects = RegionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "région (ARS)"
        verbose_name_plural = "régions (ARS)"
        ordering = ["name"]

    def __str__(self):
        return self.name
