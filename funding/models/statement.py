from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import NOTHING, ScopedQuerySet
from portal.jobs import BackgroundJob
from portal.roles import AGENCY_ROLES, Role
from portal.uploads import private_upload_to


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    ISSUED = "issued", "Émis"


class StatementQuerySet(ScopedQuerySet):
    """Finance officers and ARS staff see the region's statements; coordinators their structures' issued ones."""

    def scope_filter(self, scope, roles):
        if scope.is_superadmin and roles is None:
            return Q()
        condition = NOTHING
        region_ids = scope.region_ids(AGENCY_ROLES if roles is None else AGENCY_ROLES & roles)
        if region_ids:
            condition |= Q(grant__structure__region__in=region_ids)
        coordinated = scope.structure_ids([Role.COORDINATOR] if roles is None else {Role.COORDINATOR} & roles)
        if coordinated:
            # A draft is the ARS's working copy; the structure sees a statement once it is issued.
            condition |= Q(grant__structure__in=coordinated, status=StatementStatus.ISSUED)
        return condition

    def issued(self):
        return self.filter(status=StatementStatus.ISSUED)


class Statement(models.Model):
    """A funding statement (état de versement) of a grant for a half-year (2025-H1, 2025-H2).

    A draft is recomputed at will; an issued statement is frozen forever: its lines, counts and the list of the
    interventions it paid (``StatementItem``). Later corrections are régularisation lines of a later statement.
    """

    audit_region_paths = ("grant__structure__region",)

    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="statements")
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField("semestre", choices=[(1, "1er semestre"), (2, "2nd semestre")])
    status = models.CharField("état", max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    reference = models.CharField("référence", max_length=60, unique=True)
    rate = models.DecimalField(max_digits=7, decimal_places=2)
    yearly_cap = models.DecimalField(max_digits=10, decimal_places=2)
    eligible_count = models.PositiveIntegerField("interventions éligibles de la période", default=0)
    excluded_count = models.PositiveIntegerField("interventions exclues de la période", default=0)
    period_amount = models.DecimalField("montant de la période", max_digits=12, decimal_places=2, default=0)
    regularisation_amount = models.DecimalField("régularisations", max_digits=12, decimal_places=2, default=0)
    total_amount = models.DecimalField("montant total", max_digits=12, decimal_places=2, default=0)
    year_cumulative = models.DecimalField("cumul de l'année", max_digits=12, decimal_places=2, default=0)
    cap_remaining = models.DecimalField("plafond restant", max_digits=12, decimal_places=2, default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField("émis le", null=True, blank=True)
    issued_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(upload_to=private_upload_to("etats"), blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects = StatementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "état de versement"
        verbose_name_plural = "états de versement"
        ordering = ["grant", "year", "half"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "year", "half"], name="statement_one_per_grant_period"),
            models.CheckConstraint(
                condition=Q(status=StatementStatus.DRAFT, issued_at__isnull=True)
                | Q(status=StatementStatus.ISSUED, issued_at__isnull=False),
                name="statement_issued_iff_date",
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="statement_half_valid"),
            models.CheckConstraint(condition=Q(cap_remaining__gte=0), name="statement_cap_remaining_not_negative"),
        ]

    def __str__(self):
        return self.reference

    @property
    def period(self) -> str:
        return f"{self.year}-H{self.half}"


class StatementLine(models.Model):
    """A line of a statement: the period's own interventions, or a régularisation of an earlier period or year."""

    class Kind(models.TextChoices):
        PERIOD = "period", "Interventions de la période"
        REGULARISATION = "regularisation", "Régularisation"

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("année concernée")
    label = models.CharField("libellé", max_length=200)
    eligible_count = models.IntegerField("interventions", default=0)
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "ligne d'état"
        ordering = ["statement", "kind", "year"]

    def __str__(self):
        return f"{self.label} : {self.amount} €"


class StatementItem(models.Model):
    """An intervention as counted (or excluded) by an issued statement, frozen with its status and reason."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="items")
    intervention = models.ForeignKey("protocols.Intervention", on_delete=models.PROTECT, related_name="+")
    is_eligible = models.BooleanField()
    reason = models.CharField(max_length=24, blank=True)
    is_regularisation = models.BooleanField(default=False)

    class Meta:
        verbose_name = "intervention d'un état"
        constraints = [models.UniqueConstraint(fields=["statement", "intervention"], name="statement_item_unique")]

    def __str__(self):
        return f"{self.statement} / {self.intervention_id}"


class ComputationRunQuerySet(ScopedQuerySet):
    region_path = "region"
    agency_roles = frozenset({Role.FINANCE_OFFICER, Role.REGION_ADMIN})


class ComputationRun(BackgroundJob):
    """One computation of a region's statements for a period (a row the progress bar polls)."""

    region = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="computation_runs")
    year = models.PositiveSmallIntegerField()
    half = models.PositiveSmallIntegerField()
    issue_after = models.BooleanField("émettre les brouillons à la fin", default=False)

    objects = ComputationRunQuerySet.as_manager()

    class Meta:
        verbose_name = "calcul des états"
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Calcul {self.region.code} {self.year}-H{self.half}"


class PaymentQuerySet(ScopedQuerySet):
    region_path = "statement__grant__structure__region"
    structure_path = "statement__grant__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = frozenset({Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR})


class Payment(models.Model):
    """A payment order recorded by the finance officer against an issued statement."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField("date de paiement")
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)
    reference = models.CharField("référence de l'ordre de paiement", max_length=60)
    comment = models.TextField("commentaire", blank=True)
    recorded_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = PaymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "paiement"
        ordering = ["-paid_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["statement", "reference"], name="payment_reference_unique"),
        ]

    def __str__(self):
        return f"{self.reference} : {self.amount} €"
