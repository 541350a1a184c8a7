import datetime

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import MONEY_AGENCY_ROLES, Role
from protocols.models import Suspension


class GrantState(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspendue"
    CLOSED = "closed", "Close"


class CountingUnit(models.TextChoices):
    """What one payment of a funding line's rate pays for (issue 15, seeds 000 and 003).

    - ``intervention``: the AMI grant of a local protocol pays "25 € par intervention réalisée" (seed 000): every
      eligible intervention earns the rate.
    - ``patient``: the SNP forfait of a national protocol pays "25 Euros par patient y compris la revoyure du
      délégant" (seed 003): the first eligible contact of an episode earns it, later contacts earn nothing.
    """

    INTERVENTION = "intervention", "Par intervention"
    PATIENT = "patient", "Par patient"


class Regime(models.TextChoices):
    """Who pays a funding line, and why (issue 15; domain.md "Two ways the money flows").

    - ``ami``: the ARS, from the FIR, after a call (AMI) and its committee: a grant of a selected dossier on a local
      protocol, per intervention, within a yearly cap (seed 000).
    - ``snp``: the Assurance maladie (the structure's CPAM de rattachement), for a national protocol whose catalogue
      entry carries a forfait: opened by the declaration, no call, no committee, per patient, no cap (seed 003).
    """

    AMI = "ami", "Subvention AMI (ARS, FIR)"
    SNP = "snp", "Forfait SNP (Assurance maladie)"


# An SNP line has no end stated by the seeds: it runs while the protocol is in force (the ARS closes it). The engine
# compares dates only, so an open end is the last representable day rather than a NULL every query would test.
OPEN_END = datetime.date(9999, 12, 31)


class GrantQuerySet(ScopedQuerySet):
    """The structure's coordinators; in the ARS, the staff who follow the money (not the selection committee)."""

    region_path = "structure__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = MONEY_AGENCY_ROLES

    def ami(self):
        """The ARS's own grants, paid from the FIR (forecasts, campaign budgets, impact of a wave)."""
        return self.filter(regime=Regime.AMI)

    def snp(self):
        return self.filter(regime=Regime.SNP)

    def with_state_on(self, day):
        """Annotate ``state_on``: the grant's state on ``day`` computed from its sources of truth (closed by the
        ARS, or its protocol suspended on that day), whatever the stored ``state`` says."""
        suspended = Exists(Suspension.objects.filter(protocol=OuterRef("protocol_id")).covering(day))
        return self.annotate(
            state_on=Case(
                When(state=GrantState.CLOSED, then=Value(GrantState.CLOSED.value)),
                When(suspended, then=Value(GrantState.SUSPENDED.value)),
                default=Value(GrantState.ACTIVE.value),
                output_field=models.CharField(),
            )
        )


class Grant(models.Model):
    """A funding line of a structure for a protocol, in one of two regimes (``Regime``):

    - an AMI grant of a selected dossier: rate and yearly cap are copied from the campaign when the grant is decided
      and frozen here, with the counting unit (``intervention``): a later change of the campaign never rewrites it;
    - an SNP line of a declared national protocol whose catalogue entry carries a forfait: no dossier, no cap
      (``yearly_cap`` NULL), counted per patient, rate copied from the catalogue, paid by the structure's CPAM
      (``payer``, read from the structure so that a corrected CPAM follows), from the declaration date with no end
      (``OPEN_END``).

    Both are computed, issued and exported by the same engine; a database constraint ties the regime to its
    dossier, cap and counting unit.

    ``state`` is *closed* once the ARS closes the grant (final); otherwise it mirrors the protocol's suspension
    (kept in sync by ``funding.services.grants.grant_sync_state`` on each suspension or lifting, and nightly for
    suspensions that start or end on a later date). Code that needs the state on a given day asks
    ``state_on(day)`` or ``Grant.objects.with_state_on(day)``, which read the suspensions themselves.
    """

    regime = models.CharField("régime", max_length=3, choices=Regime.choices, default=Regime.AMI)
    dossier = models.OneToOneField(
        "funding.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="grant"
    )
    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="grants")
    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="grants")
    reference = models.CharField("référence de la subvention", max_length=40, unique=True)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    rate = models.DecimalField("forfait (€)", max_digits=7, decimal_places=2)
    # NULL: no cap (an SNP line; seed 003 states none).
    yearly_cap = models.DecimalField("plafond annuel (€)", max_digits=10, decimal_places=2, null=True, blank=True)
    # Frozen with the rate and the cap when the line is opened: a change of rule never recounts a line's past.
    counting_unit = models.CharField(
        "unité de décompte", max_length=12, choices=CountingUnit.choices, default=CountingUnit.INTERVENTION
    )
    state = models.CharField("état", max_length=10, choices=GrantState.choices, default=GrantState.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    close_reason = models.TextField("motif de la clôture", blank=True)

    objects = GrantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "subvention"
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="grant_ends_after_start",
                violation_error_message="La fin de la subvention doit suivre son début.",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="grant_rate_positive"),
            models.CheckConstraint(
                condition=Q(yearly_cap__isnull=True) | Q(yearly_cap__gt=0), name="grant_cap_positive"
            ),
            # The regime decides the rest: an AMI grant comes from a dossier, has a cap and pays per intervention;
            # an SNP line has neither dossier nor cap and pays per patient.
            models.CheckConstraint(
                condition=Q(
                    regime=Regime.AMI,
                    dossier__isnull=False,
                    yearly_cap__isnull=False,
                    counting_unit=CountingUnit.INTERVENTION,
                )
                | Q(
                    regime=Regime.SNP,
                    dossier__isnull=True,
                    yearly_cap__isnull=True,
                    counting_unit=CountingUnit.PATIENT,
                ),
                name="grant_regime_coherent",
                violation_error_message="Une subvention AMI a un dossier et un plafond et compte par intervention ; "
                "un forfait SNP n'a ni dossier ni plafond et compte par patient.",
            ),
            models.CheckConstraint(
                condition=Q(counting_unit__in=CountingUnit.values),
                name="grant_counting_unit_known",
                violation_error_message="Unité de décompte inconnue.",
            ),
            # One grant per structure and protocol: eligibility finds "the" grant of an intervention.
            models.UniqueConstraint(fields=["structure", "protocol"], name="grant_unique_per_structure_protocol"),
            models.CheckConstraint(
                condition=Q(state=GrantState.CLOSED, closed_at__isnull=False, close_reason__gt="")
                | (~Q(state=GrantState.CLOSED) & Q(closed_at__isnull=True)),
                name="grant_closed_iff_date_and_reason",
                violation_error_message="Une subvention close a une date et un motif de clôture.",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.structure.name}"

    @property
    def is_snp(self) -> bool:
        return self.regime == Regime.SNP

    @property
    def payer(self) -> str:
        """Who pays the line: the ARS from its FIR (AMI), the structure's CPAM de rattachement (SNP). Needs
        ``structure`` (and ``structure__region`` for an AMI grant) selected in lists."""
        if self.is_snp:
            return self.structure.cpam  # empty until the structure names it (screens say so)
        return f"{self.structure.region.agency_name} (FIR)"

    @property
    def is_open_ended(self) -> bool:
        return self.ends_on == OPEN_END

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on

    def state_on(self, day) -> str:
        """The state on ``day`` from the sources of truth (see the class docstring)."""
        if self.state == GrantState.CLOSED:
            return GrantState.CLOSED
        if Suspension.objects.filter(protocol_id=self.protocol_id).covering(day).exists():
            return GrantState.SUSPENDED
        return GrantState.ACTIVE
