"""The follow-up indicators an ARS sets for one of its campaigns, and the values the funded teams give them.

Seed 000: "L'ARS déterminera des indicateurs de suivi et les modalités d'analyse périodique de l'activité des
dispositifs". The regional administrator defines them per campaign (each AMI has its own); every grant of the
campaign reports a value per period: the year for a yearly indicator, each half-year for a half-yearly one. Values
belong to a grant (a structure's funded protocol), so that the region compares structures on the same definitions.
The team's own free indicators (``protocols.IndicatorValue``) stay apart and unchanged.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import MONEY_AGENCY_ROLES, STRUCTURE_ROLES, Role

# ``CampaignIndicatorValue.half`` of a yearly indicator: the value covers the whole year (a NULL would escape the
# unique constraint, two "yearly" values for the same year would both pass).
WHOLE_YEAR = 0


class Periodicity(models.TextChoices):
    YEARLY = "yearly", "Annuelle"
    HALF_YEARLY = "half_yearly", "Semestrielle"


class CampaignIndicatorQuerySet(ScopedQuerySet):
    """The ARS staff who follow grants read their region's definitions; a coordinator reads those of the campaigns
    that fund his structure (he fills them in), nobody else: another region's teams never see them."""

    region_path = "campaign__region"
    agency_roles = MONEY_AGENCY_ROLES
    structure_roles = frozenset({Role.COORDINATOR})

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        wanted = self.structure_roles if roles is None else self.structure_roles & roles
        structure_ids = scope.structure_ids(wanted & STRUCTURE_ROLES)
        if structure_ids:
            from funding.models.grant import Grant

            funded = Grant.objects.filter(structure_id__in=structure_ids, dossier__isnull=False)
            condition |= Q(campaign_id__in=funded.values("dossier__campaign_id"))
        return condition

    def in_order(self):
        return self.order_by("position", "name", "pk")


class CampaignIndicator(models.Model):
    """A follow-up indicator of a campaign, defined by the region's administrator."""

    audit_region_paths = ("campaign__region",)

    campaign = models.ForeignKey("funding.Campaign", on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField("nom de l'indicateur", max_length=200)
    unit = models.CharField("unité", max_length=40)
    definition = models.TextField("définition et mode de calcul")
    periodicity = models.CharField("périodicité", max_length=12, choices=Periodicity.choices)
    position = models.PositiveSmallIntegerField("ordre d'affichage", default=0)
    created_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignIndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur de suivi de la campagne"
        verbose_name_plural = "indicateurs de suivi des campagnes"
        ordering = ["campaign", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="campaign_indicator_name_unique",
                violation_error_message="Cette campagne a déjà un indicateur de ce nom.",
            ),
            models.CheckConstraint(
                condition=Q(periodicity__in=Periodicity.values),
                name="campaign_indicator_periodicity_known",
                violation_error_message="Périodicité inconnue : annuelle ou semestrielle.",
            ),
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(unit="") & ~Q(definition=""),
                name="campaign_indicator_fields_filled",
                violation_error_message="Nom, unité et définition sont obligatoires.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    @property
    def is_half_yearly(self) -> bool:
        return self.periodicity == Periodicity.HALF_YEARLY

    def halves(self) -> tuple[int, ...]:
        """The periods of a year this indicator is measured on: the whole year, or each half."""
        return (1, 2) if self.is_half_yearly else (WHOLE_YEAR,)


class CampaignIndicatorValueQuerySet(ScopedQuerySet):
    region_path = "grant__structure__region"
    structure_path = "grant__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = MONEY_AGENCY_ROLES


class CampaignIndicatorValue(models.Model):
    """The value a funded team gives a campaign indicator for one period (a year, or a half-year)."""

    audit_region_paths = ("grant__structure__region",)

    indicator = models.ForeignKey(CampaignIndicator, on_delete=models.PROTECT, related_name="values")
    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="indicator_values")
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField("semestre", default=WHOLE_YEAR, help_text="0 : l'année entière")
    value = models.DecimalField("valeur", max_digits=12, decimal_places=2)
    comment = models.CharField("commentaire", max_length=500, blank=True)
    entered_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    objects = CampaignIndicatorValueQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "valeur d'un indicateur de la campagne"
        verbose_name_plural = "valeurs des indicateurs des campagnes"
        ordering = ["indicator", "grant", "year", "half"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "grant", "year", "half"],
                name="campaign_indicator_value_unique",
                violation_error_message="Une valeur existe déjà pour cet indicateur et cette période.",
            ),
            models.CheckConstraint(
                condition=Q(half__in=[WHOLE_YEAR, 1, 2]),
                name="campaign_indicator_value_half_valid",
                violation_error_message="Période inconnue : l'année entière ou l'un des deux semestres.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="campaign_indicator_value_year_plausible",
                violation_error_message="Année hors du suivi.",
            ),
        ]
        indexes = [
            # The comparison table reads one campaign's values for a year, grant by grant.
            models.Index(fields=["grant", "year"], name="indicator_value_grant_year_idx"),
        ]

    def __str__(self):
        return f"{self.indicator.name} {period_label(self.year, self.half)} : {self.value}"

    def clean(self):
        if self.indicator_id and self.half not in self.indicator.halves():
            raise ValidationError(
                {"half": "Cet indicateur est annuel : une valeur par année."}
                if not self.indicator.is_half_yearly
                else {"half": "Cet indicateur est semestriel : une valeur par semestre."}
            )


def period_label(year: int, half: int) -> str:
    if half == WHOLE_YEAR:
        return str(year)
    return f"{'1er' if half == 1 else '2nd'} semestre {year}"
