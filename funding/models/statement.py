"""Funding statements (états de versement), their lines and frozen interventions, the computation runs and the
payment orders; the ledger of paid interventions is in ``funding.models.ledger``. The rules are in
``docs/funding.md``; the writes in ``funding.services.statements`` and ``funding.services.payments``."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from funding.periods import Period
from portal.access import NOTHING, ScopedQuerySet
from portal.jobs import BackgroundJob
from portal.roles import MONEY_AGENCY_ROLES, Role
from portal.uploads import private_upload_to


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    ISSUED = "issued", "Émis"


class StatementQuerySet(ScopedQuerySet):
    """The ARS staff who follow the money see the region's statements; coordinators their structures' issued ones."""

    def scope_filter(self, scope, roles):
        if scope.is_superadmin and roles is None:
            return Q()
        condition = NOTHING
        region_ids = scope.region_ids(MONEY_AGENCY_ROLES if roles is None else MONEY_AGENCY_ROLES & roles)
        if region_ids:
            condition |= Q(grant__structure__region__in=region_ids)
        coordinated = scope.structure_ids([Role.COORDINATOR] if roles is None else {Role.COORDINATOR} & roles)
        if coordinated:
            # A draft is the ARS's working copy; the structure sees a statement once it is issued.
            condition |= Q(grant__structure__in=coordinated, status=StatementStatus.ISSUED)
        return condition

    def issued(self):
        return self.filter(status=StatementStatus.ISSUED)

    def drafts(self):
        return self.filter(status=StatementStatus.DRAFT)

    def of_region(self, region):
        return self.filter(grant__structure__region=region)

    def of_period(self, period: Period):
        return self.filter(year=period.year, half=period.half)


class Statement(models.Model):
    """A funding statement (état de versement) of a grant for a half-year (2025-H1, 2025-H2).

    A draft is recomputed at will; an issued statement is frozen forever: its lines, counts and the list of the
    interventions it paid (``StatementItem``). Later corrections are régularisation lines of a later statement.
    ``total_amount`` may be negative: the structure then owes the difference (an amount to recover).
    """

    audit_region_paths = ("grant__structure__region",)

    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="statements")
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField("semestre", choices=[(1, "1er semestre"), (2, "2nd semestre")])
    status = models.CharField("état", max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    reference = models.CharField("référence", max_length=60, unique=True)
    rate = models.DecimalField(max_digits=7, decimal_places=2)
    yearly_cap = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)  # NULL: no cap (SNP)
    eligible_count = models.PositiveIntegerField("interventions éligibles de la période", default=0)
    excluded_count = models.PositiveIntegerField("interventions exclues de la période", default=0)
    period_amount = models.DecimalField("montant de la période", max_digits=12, decimal_places=2, default=0)
    regularisation_amount = models.DecimalField("régularisations", max_digits=12, decimal_places=2, default=0)
    total_amount = models.DecimalField("montant total", max_digits=12, decimal_places=2, default=0)
    year_cumulative = models.DecimalField("cumul de l'année", max_digits=12, decimal_places=2, default=0)
    # NULL when the line has no cap (an SNP forfait): nothing remains because nothing limits it.
    cap_remaining = models.DecimalField("plafond restant", max_digits=12, decimal_places=2, null=True, blank=True)
    # Régularisations look at interventions dated from this day to the start of the period: 1 January of the first
    # year with an issued statement of the grant (or of the statement's own year).
    regularisation_from = models.DateField("régularisations depuis le", null=True, blank=True)
    # SHA-256 of the figures and lines of a draft: a recomputation that finds the same skips rewriting them.
    figures_digest = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField("émis le", null=True, blank=True)
    issued_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Who pays, frozen at issue like the figures: the SNP payer is the structure's CPAM, which may be corrected later
    # (``Grant.payer`` reads it live); an issued statement keeps the payer it was issued for. Empty on a draft.
    issued_payer = models.CharField("payeur à l'émission", max_length=220, blank=True)
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
            models.CheckConstraint(
                condition=Q(status=StatementStatus.ISSUED) | Q(issued_payer=""),
                name="statement_payer_frozen_at_issue",
                violation_error_message="Le payeur d'un état n'est figé qu'à son émission.",
            ),
            models.CheckConstraint(
                condition=Q(cap_remaining__isnull=True) | Q(cap_remaining__gte=0),
                name="statement_cap_remaining_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total_amount=F("period_amount") + F("regularisation_amount")),
                name="statement_total_is_sum",
                violation_error_message="Le montant total doit être la somme de la période et des régularisations.",
            ),
            models.CheckConstraint(
                condition=Q(yearly_cap__isnull=True, cap_remaining__isnull=True)
                | Q(yearly_cap__isnull=False, cap_remaining=F("yearly_cap") - F("year_cumulative")),
                name="statement_cap_remaining_consistent",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def period(self) -> Period:
        return Period(self.year, self.half)

    @property
    def is_issued(self) -> bool:
        return self.status == StatementStatus.ISSUED

    @property
    def payer(self) -> str:
        """Who pays: the payer frozen at issue; a draft reads its grant's (``Grant.payer``: needs
        ``grant__structure__region`` selected in lists). Empty when an SNP structure has not named its CPAM."""
        return self.issued_payer if self.is_issued else self.grant.payer

    @property
    def csv_status(self) -> str:
        """The ``statut`` of the exports: ``brouillon`` or ``emis`` (ASCII, stable)."""
        return "emis" if self.is_issued else "brouillon"


class StatementLine(models.Model):
    """A line of a statement: the period's own interventions, or a régularisation of an earlier period or year.

    Every line explains itself: ``amount = entitled_amount - deducted_amount``. For the period line, ``entitled``
    is what the year is worth up to the end of the period and ``deducted`` what its earlier periods are worth now;
    for a régularisation of year Y, ``entitled`` is what Y (up to the start of the period) is worth now and
    ``deducted`` what was already issued for Y. ``added_count`` and ``removed_count`` count the interventions that
    became eligible since they were last paid, and the paid ones that are no longer eligible.
    """

    class Kind(models.TextChoices):
        PERIOD = "period", "Interventions de la période"
        REGULARISATION = "regularisation", "Régularisation"

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("année concernée")
    label = models.CharField("libellé", max_length=200)
    eligible_count = models.IntegerField("interventions", default=0)
    added_count = models.PositiveIntegerField("interventions ajoutées depuis le dernier état émis", default=0)
    removed_count = models.PositiveIntegerField("interventions payées devenues inéligibles", default=0)
    entitled_amount = models.DecimalField("montant dû à ce jour", max_digits=12, decimal_places=2, default=0)
    deducted_amount = models.DecimalField("montant déjà compté", max_digits=12, decimal_places=2, default=0)
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)
    # For a draft's régularisation: the counts and checksums its added/removed numbers were matched on, so a
    # recomputation that finds the same reuses them instead of matching the ledger row by row again.
    matched_on = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "ligne d'état"
        ordering = ["statement", "kind", "year"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "kind", "year"], name="statement_line_unique"),
            models.CheckConstraint(
                condition=Q(amount=F("entitled_amount") - F("deducted_amount")), name="statement_line_amount_explained"
            ),
        ]

    def __str__(self):
        return f"{self.label} : {self.amount} €"

    @property
    def is_regularisation(self) -> bool:
        return self.kind == self.Kind.REGULARISATION


class StatementItem(models.Model):
    """An intervention as counted (or excluded) by an issued statement, frozen with its status and reason.

    Written once, when the statement is issued. Period items (``is_regularisation=False``) are the period's
    interventions, eligible or excluded; régularisation items are the late eligible ones (``is_eligible=True``)
    and the formerly paid ones that are no longer eligible (``is_eligible=False``, with the reason). ``year`` is
    the year of the line the item belongs to.
    """

    # No index of its own: the unique constraint below starts with the statement and serves its lookups.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="items", db_index=False)
    intervention = models.ForeignKey("protocols.Intervention", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("année concernée")
    is_eligible = models.BooleanField()
    reason = models.CharField(max_length=24, blank=True)
    is_regularisation = models.BooleanField(default=False)

    class Meta:
        verbose_name = "intervention d'un état"
        constraints = [
            # A date moved from H1 to H2 shows once as removed from H1 and once in the period: two roles, one row each.
            models.UniqueConstraint(
                fields=["statement", "intervention", "is_regularisation", "is_eligible"], name="statement_item_unique"
            ),
            models.CheckConstraint(
                condition=Q(is_eligible=True, reason="") | Q(is_eligible=False) & ~Q(reason=""),
                name="statement_item_reason_iff_excluded",
            ),
        ]

    def __str__(self):
        return f"{self.statement} / {self.intervention_id}"


class ComputationRunQuerySet(ScopedQuerySet):
    region_path = "region"
    agency_roles = frozenset({Role.FINANCE_OFFICER, Role.REGION_ADMIN})


class ComputationRun(BackgroundJob):
    """One computation of a region's statements for a period (a row the progress bar polls).

    ``issue_after`` issues the drafts at the end of the same transaction; when ``expected_digest`` is set (the
    digest of the computation the finance officer reviewed), the issue happens only if the recomputed drafts are
    still identical. ``summary`` keeps the totals and the grants left aside, for the result page.
    """

    region = models.ForeignKey("portal.Region", on_delete=models.PROTECT, related_name="computation_runs")
    year = models.PositiveSmallIntegerField()
    half = models.PositiveSmallIntegerField()
    issue_after = models.BooleanField("émettre les brouillons à la fin", default=False)
    expected_digest = models.CharField(max_length=64, blank=True)
    result_digest = models.CharField(max_length=64, blank=True)
    summary = models.JSONField("résultat", default=dict, blank=True)

    objects = ComputationRunQuerySet.as_manager()

    class Meta:
        verbose_name = "calcul des états"
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=Q(half__in=[1, 2]), name="computation_run_half_valid")]

    def __str__(self):
        return f"Calcul {self.region.code} {self.year}-H{self.half}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.half)


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
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="Le montant d'un paiement est positif.",
            ),
            models.UniqueConstraint(
                fields=["statement", "reference"],
                name="payment_reference_unique",
                violation_error_message="Un paiement de cet état porte déjà cette référence.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} : {self.amount} €"
