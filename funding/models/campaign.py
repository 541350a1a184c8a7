from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import STRUCTURE_ROLES


class CampaignQuerySet(ScopedQuerySet):
    """Agents see their region's campaigns (drafts included); coordinators and professionals the published ones
    of their structures' regions. Anyone, even anonymous, reads published campaigns through ``published()``."""

    region_path = "region"

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        structure_ids = scope.structure_ids(STRUCTURE_ROLES if roles is None else STRUCTURE_ROLES & roles)
        if structure_ids:
            condition |= Q(region__structures__in=structure_ids, published_at__lte=timezone.now())
        return condition

    def visible_to(self, user, roles=None):
        return super().visible_to(user, roles).distinct()

    def published(self):
        return self.filter(published_at__isnull=False, published_at__lte=timezone.now())

    def open_at(self, moment):
        """Campaigns with a wave accepting dossiers at ``moment``."""
        return self.filter(waves__opens_at__lte=moment, waves__deadline__gt=moment).distinct()


class PriorityRule(models.TextChoices):
    NONE = "none", "Aucune"
    BONUS = "bonus", "Bonus ajouté au score de mérite"
    TIEBREAK = "tiebreak", "Départage des ex æquo"


class Campaign(models.Model):
    """An AMI (appel à manifestation d'intérêt) of one ARS: window, grid, number of projects, funding rules.

    The rate and the yearly cap are the campaign's defaults; each grant copies and freezes them when it is decided.
    """

    region = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="campaigns")
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("présentation", blank=True, help_text="Texte enrichi (HTML nettoyé)")
    rules = models.TextField("règlement et critères", blank=True, help_text="Texte enrichi (HTML nettoyé)")
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    committee_date = models.DateField("date de la commission", null=True, blank=True)
    answer_expected_on = models.DateField("réponse attendue le", null=True, blank=True)
    eligible_structure_kinds = models.JSONField("structures éligibles", default=list)
    rate_per_intervention = models.DecimalField(
        "forfait par intervention (€)", max_digits=7, decimal_places=2, default=Decimal("25.00")
    )
    yearly_cap = models.DecimalField("plafond annuel (€)", max_digits=10, decimal_places=2, default=Decimal("7000.00"))
    budget = models.DecimalField("enveloppe FIR (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    priority_rule = models.CharField(
        "priorité ZIP / ZAC / QPV", max_length=10, choices=PriorityRule.choices, default=PriorityRule.BONUS
    )
    priority_bonus = models.DecimalField(
        "bonus de priorité (points sur 20)", max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    disagreement_gap = models.DecimalField(
        "écart signalé entre évaluateurs (points sur 20)", max_digits=4, decimal_places=2, default=Decimal("4.00")
    )
    min_reviewers = models.PositiveSmallIntegerField(
        "évaluateurs par dossier", default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    created_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "campagne (AMI)"
        verbose_name_plural = "campagnes (AMI)"
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rate_per_intervention__gt=0), name="campaign_rate_positive"),
            models.CheckConstraint(condition=Q(yearly_cap__gt=0), name="campaign_cap_positive"),
            models.CheckConstraint(condition=Q(priority_bonus__gte=0), name="campaign_bonus_not_negative"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from portal.models import StructureKind

        unknown = set(self.eligible_structure_kinds or []) - set(StructureKind.values)
        if unknown:
            raise ValidationError({"eligible_structure_kinds": "Type de structure inconnu : " + ", ".join(unknown)})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()

    def wave_open_at(self, moment):
        """The wave accepting dossiers at ``moment`` (waves never overlap), or None. Uses prefetched waves."""
        return next((wave for wave in self.waves.all() if wave.is_open_at(moment)), None)

    def next_wave_after(self, moment):
        return next((wave for wave in self.waves.all() if wave.opens_at > moment), None)

    def accepts(self, kind: str) -> bool:
        return kind in (self.eligible_structure_kinds or [])

    @property
    def eligible_kinds_display(self) -> list[str]:
        from portal.models import StructureKind

        return [str(StructureKind(kind).label) for kind in self.eligible_structure_kinds if kind in StructureKind]


class WaveQuerySet(ScopedQuerySet):
    region_path = "campaign__region"

    def open_at(self, moment):
        return self.filter(opens_at__lte=moment, deadline__gt=moment)


class Wave(models.Model):
    """A submission window of a campaign. A second wave reopens the campaign without touching the first."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField("vague")
    opens_at = models.DateTimeField("ouverture du dépôt")
    deadline = models.DateTimeField("date limite de dépôt", help_text="Heure de Paris")
    projects_funded = models.PositiveSmallIntegerField("nombre de projets financés")
    committee_date = models.DateField("date de la commission", null=True, blank=True)

    objects = WaveQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "vague"
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="wave_number_unique"),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("opens_at")),
                name="wave_deadline_after_opening",
                violation_error_message="La date limite doit suivre l'ouverture.",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} — vague {self.number}"

    def clean(self):
        # The same rule as the exclusion constraint (PostgreSQL), as a form error.
        if self.campaign_id and self.opens_at and self.deadline:
            overlapping = Wave.objects.filter(
                campaign_id=self.campaign_id, opens_at__lt=self.deadline, deadline__gt=self.opens_at
            ).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError("Les vagues d'une même campagne ne peuvent pas se chevaucher.")

    def is_open_at(self, moment) -> bool:
        return self.opens_at <= moment < self.deadline

    def deposit_closed(self, moment=None) -> bool:
        """Past the deadline at ``moment`` (now by default): at the deadline is too late, one second before is in
        time. The one rule of ``dossier_submit`` and of the pages (templates call it without argument)."""
        return (moment or timezone.now()) >= self.deadline


class Criterion(models.Model):
    """A criterion (no parent) or sub-criterion of a campaign's scoring grid. Sub-criteria are scored on
    0..scale_max; the grid is frozen once the first score is entered. The weights are the ARS's (per campaign: each
    AMI publishes its own grid); seed 000 names the criteria only."""

    audit_region_paths = ("campaign__region",)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField("numéro", max_length=10)
    label = models.CharField("libellé", max_length=300)
    description = models.TextField("ce qui est attendu", blank=True)
    # In %: a criterion's share of the score, or a sub-criterion's share of its criterion (funding/services/grid.py).
    weight = models.DecimalField(
        "pondération (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(100))],
    )
    position = models.PositiveSmallIntegerField(default=0)
    scale_max = models.PositiveSmallIntegerField("note maximale", default=4)
    level_labels = models.JSONField("libellés des niveaux", default=dict, blank=True)
    comment_required_below = models.PositiveSmallIntegerField(
        "commentaire obligatoire en dessous de", default=2, help_text="Une note inférieure exige un commentaire."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "critère"
        ordering = ["campaign", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="criterion_code_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100),
                name="criterion_weight_bounds",
                violation_error_message="Une pondération est comprise entre 1 et 100 %.",
            ),
            models.CheckConstraint(condition=Q(scale_max__gte=1), name="criterion_scale_positive"),
        ]

    def __str__(self):
        return f"{self.code}. {self.label}"
