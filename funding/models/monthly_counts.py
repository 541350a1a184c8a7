from django.db import models
from django.db.models import Q

from portal.access import ScopedQuerySet
from portal.roles import MONEY_AGENCY_ROLES, Role


class InterventionMonthlyCountQuerySet(ScopedQuerySet):
    """The same readers as the interventions' eligibility, minus the professional's own rows: a count cannot say whose
    interventions it counts (``funding.selectors.interventions`` reads his own rows live)."""

    region_path = "structure__region"
    structure_path = "structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = MONEY_AGENCY_ROLES


class InterventionMonthlyCount(models.Model):
    """How many active interventions a structure logged under a protocol in a month, per outcome of their stored
    eligibility: eligible (``is_eligible`` true), excluded for ``reason``, or not computed yet (``is_eligible`` null).

    Kept up to date on write by PostgreSQL itself (the triggers of the migration
    ``0018_intervention_monthly_counts``): every statement that writes interventions or their eligibility adds its
    differences here, set-based, in its own transaction, whatever wrote it (a form, an import's COPY, an eligibility
    recomputation, the benchmark's raw SQL). So the follow-up page and the coordinator's dashboard read a few rows
    per structure, protocol and month instead of every intervention of a region.
    ``funding.services.monthly_counts.monthly_counts_rebuild`` recomputes it from the source rows
    (``manage.py rebuild_monthly_counts``).

    The reason is the code as a string (any code the engine stores, no column per reason). A row exists only while
    its count is positive; the foreign keys are not enforced by the database because rows are written by the
    triggers while their interventions come and go (the interventions themselves keep structure and protocol alive).
    """

    structure = models.ForeignKey(
        "portal.Structure", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    protocol = models.ForeignKey(
        "protocols.Protocol", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    month = models.DateField("mois")  # the first day of the month of ``performed_on``
    is_eligible = models.BooleanField(null=True)  # null: eligibility not computed yet
    reason = models.CharField(max_length=32, blank=True)
    # Not a PositiveIntegerField: PostgreSQL checks a row proposed to ``INSERT … ON CONFLICT`` before it finds the
    # conflict, so the triggers' negative differences would fail a ``>= 0`` check.
    interventions = models.IntegerField()

    objects = InterventionMonthlyCountQuerySet.as_manager()

    class Meta:
        verbose_name = "comptage mensuel des interventions"
        verbose_name_plural = "comptages mensuels des interventions"
        constraints = [
            # The key the triggers upsert on; it also serves every read, which starts with the structures in scope.
            models.UniqueConstraint(
                fields=["structure", "protocol", "month", "is_eligible", "reason"],
                nulls_distinct=False,
                name="monthly_count_key",
            ),
            models.CheckConstraint(
                condition=Q(is_eligible=True, reason="")
                | Q(is_eligible=False) & ~Q(reason="")
                | Q(is_eligible__isnull=True, reason=""),
                name="monthly_count_reason_iff_excluded",
            ),
        ]

    def __str__(self):
        outcome = "en calcul" if self.is_eligible is None else ("éligibles" if self.is_eligible else self.reason)
        return f"{self.structure_id}/{self.protocol_id} {self.month:%m/%Y} {outcome} : {self.interventions}"
