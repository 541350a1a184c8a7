from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import Role
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


class GrantQuerySet(ScopedQuerySet):
    region_path = "structure__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})

    def running_on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)

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
    """A subsidy granted to a selected dossier. Rate and yearly cap are copied from the campaign when the grant is
    decided and frozen here, with the counting unit (``intervention`` for an AMI grant): a later change of the
    campaign never rewrites an existing grant.

    ``state`` is *closed* once the ARS closes the grant (final); otherwise it mirrors the protocol's suspension
    (kept in sync by ``funding.services.grants.grant_sync_state`` on each suspension or lifting, and nightly for
    suspensions that start or end on a later date). Code that needs the state on a given day asks
    ``state_on(day)`` or ``Grant.objects.with_state_on(day)``, which read the suspensions themselves.
    """

    dossier = models.OneToOneField("funding.Dossier", on_delete=models.PROTECT, related_name="grant")
    structure = models.ForeignKey("portal.Structure", on_delete=models.PROTECT, related_name="grants")
    protocol = models.ForeignKey("protocols.Protocol", on_delete=models.PROTECT, related_name="grants")
    reference = models.CharField("référence de la subvention", max_length=40, unique=True)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    rate = models.DecimalField("forfait par intervention (€)", max_digits=7, decimal_places=2)
    yearly_cap = models.DecimalField("plafond annuel (€)", max_digits=10, decimal_places=2)
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
            models.CheckConstraint(condition=Q(yearly_cap__gt=0), name="grant_cap_positive"),
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

    def covers(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on

    def state_on(self, day) -> str:
        """The state on ``day`` from the sources of truth (see the class docstring)."""
        if self.state == GrantState.CLOSED:
            return GrantState.CLOSED
        if Suspension.objects.filter(protocol_id=self.protocol_id).covering(day).exists():
            return GrantState.SUSPENDED
        return GrantState.ACTIVE
