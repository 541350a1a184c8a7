"""The ledger of paid interventions and its totals, written only when statements are issued."""

from django.db import models


class PaidIntervention(models.Model):
    """The ledger of paid interventions: which issued statement currently counts each intervention, for which grant
    and year. Written only when statements are issued (newly paid ones added, no-longer-eligible ones removed),
    always together with the ``StatementItem`` rows it summarises, so it can be rebuilt from them. Régularisations
    compare it with the live eligibility: an intervention is paid at most once (primary key)."""

    intervention = models.OneToOneField(
        "protocols.Intervention", primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField("année")
    statement = models.ForeignKey("funding.Statement", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "intervention payée"
        verbose_name_plural = "interventions payées"
        indexes = [
            # The régularisation lists: paid interventions of a grant, per year.
            models.Index(fields=["grant", "year"], name="paid_intervention_grant_idx"),
        ]

    def __str__(self):
        return f"{self.intervention_id} payée par {self.statement_id}"


class PaidTotal(models.Model):
    """Per grant and year, how many interventions the ledger pays and a checksum of their ids (the sum of a 64-bit
    hash of each id, on PostgreSQL). Rewritten from the ledger at each issue, in the same transaction.

    A computation compares it with the same count and checksum of the interventions eligible now: when both match,
    the paid set is unchanged and nothing needs to be matched row by row; only the grants where they differ are
    joined to the ledger (a few, in a real region), which keeps a region's computation close to a bare count."""

    grant = models.ForeignKey("funding.Grant", on_delete=models.PROTECT, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField("année")
    paid_count = models.PositiveIntegerField("interventions payées")
    checksum = models.DecimalField("somme de contrôle", max_digits=30, decimal_places=0, default=0)

    class Meta:
        verbose_name = "total des interventions payées"
        verbose_name_plural = "totaux des interventions payées"
        constraints = [models.UniqueConstraint(fields=["grant", "year"], name="paid_total_one_per_grant_year")]

    def __str__(self):
        return f"{self.grant_id} {self.year} : {self.paid_count}"
