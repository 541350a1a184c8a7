from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.access import ScopedQuerySet
from portal.roles import MONEY_AGENCY_ROLES, Role


class ExclusionReason(models.TextChoices):
    """Why an intervention earns nothing: the first failing rule, in this order (see docs/funding.md). The protocol's
    rules (``date_future`` … ``delegant_hors_equipe``) are written once in ``protocols.eligibility_rules``."""

    HORS_SUBVENTION = "hors_subvention", "Hors subvention (pas de subvention couvrant cette date)"
    DATE_FUTURE = "date_future", "Date dans le futur"
    PROTOCOLE_NON_DECLARE = "protocole_non_declare", "Protocole non encore déclaré à cette date"
    PROTOCOLE_SUSPENDU = "protocole_suspendu", "Protocole suspendu à cette date"
    PROTOCOLE_TERMINE = "protocole_termine", "Mise en œuvre du protocole annulée par l'ARS avant cette date"
    DELEGUE_HORS_EQUIPE = "delegue_hors_equipe", "Délégué absent de l'équipe à cette date"
    DELEGUE_NON_FORME = "delegue_non_forme", "Formation du délégué non terminée à cette date"
    DELEGANT_HORS_EQUIPE = "delegant_hors_equipe", "Délégant absent de l'équipe à cette date"
    DOUBLON = "doublon", "Doublon : même acte déjà déclaré (même épisode, date et délégué)"
    # Per-patient lines only (the SNP forfait, seed 003): the episode's first contact is paid, not the next ones.
    EPISODE_DEJA_COMPTE = "episode_deja_compte", "Épisode déjà compté (forfait par patient)"


class InterventionEligibilityQuerySet(ScopedQuerySet):
    region_path = "intervention__structure__region"
    structure_path = "intervention__structure"
    structure_roles = frozenset({Role.COORDINATOR})
    agency_roles = MONEY_AGENCY_ROLES

    def scope_filter(self, scope, roles):
        condition = super().scope_filter(scope, roles)
        if scope.user_id and (roles is None or Role.PROFESSIONAL in roles):
            condition |= Q(intervention__delegate__user_id=scope.user_id)
            condition |= Q(intervention__delegant__user_id=scope.user_id)
        return condition


class InterventionEligibility(models.Model):
    """Eligibility of an intervention, computed in SQL over whole sets and stored here so pages and exports read
    it cheaply. Recomputed when a team, a training, a declaration or a suspension changes. Never typed by hand."""

    intervention = models.OneToOneField(
        "protocols.Intervention", primary_key=True, on_delete=models.CASCADE, related_name="eligibility"
    )
    # No index of its own: ``eligibility_grant_date_idx`` starts with the grant (one index less to maintain when a
    # region's million rows are written).
    grant = models.ForeignKey(
        "funding.Grant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eligibilities",
        db_index=False,
    )
    performed_on = models.DateField()  # copied from the intervention for the (grant, date) index
    is_eligible = models.BooleanField()
    reason = models.CharField(max_length=24, choices=ExclusionReason.choices, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = InterventionEligibilityQuerySet.as_manager()

    class Meta:
        verbose_name = "éligibilité d'une intervention"
        verbose_name_plural = "éligibilités des interventions"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_eligible=True, reason="") | Q(is_eligible=False) & ~Q(reason=""),
                name="eligibility_reason_iff_excluded",
            ),
            models.CheckConstraint(
                condition=~Q(is_eligible=True) | Q(grant__isnull=False), name="eligibility_eligible_has_grant"
            ),
        ]
        indexes = [
            # Statements count eligible interventions of a grant between two dates: this index answers it alone.
            # It also covers the intervention id, so the paid-ledger checksums read the index alone.
            models.Index(
                fields=["grant", "performed_on", "is_eligible"],
                include=["intervention"],
                name="eligibility_grant_date_idx",
            ),
        ]

    def __str__(self):
        return f"{self.intervention_id} : {'éligible' if self.is_eligible else self.reason}"
