from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import NOTHING, ScopedQuerySet


class FederatedLoginEventQuerySet(ScopedQuerySet):
    """Nobody reads these through the portal's pages but the region admin's journal (reporting.audit) and the
    technical admin: ``visible_to`` gives nothing."""

    def scope_filter(self, scope, roles):
        return Q() if scope.is_superadmin and roles is None else NOTHING


class FederatedLoginEvent(models.Model):
    """One line of audit per federated login that linked an account or failed (ProConnect, Pro Santé Connect).

    Written even when the login is refused (nothing else is): who the provider said it was, and why it failed.
    """

    class Outcome(models.TextChoices):
        LINKED = "linked", "compte relié"
        REFUSED = "refused", "connexion refusée"
        FAILED = "failed", "échec technique ou de sécurité"

    provider = models.CharField("fournisseur", max_length=40)
    outcome = models.CharField("résultat", max_length=10, choices=Outcome.choices)
    reason = models.CharField("motif", max_length=40, blank=True)
    detail = models.TextField("détail", blank=True)
    subject = models.CharField("identifiant chez le fournisseur (sub)", max_length=255, blank=True)
    email = models.CharField("adresse e-mail déclarée", max_length=254, blank=True)
    rpps = models.CharField("RPPS déclaré", max_length=11, blank=True)
    user = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="federated_login_events"
    )
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    created_at = models.DateTimeField("le", default=timezone.now)

    objects = FederatedLoginEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "connexion fédérée"
        verbose_name_plural = "connexions fédérées"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.provider} — {self.get_outcome_display()} — {self.reason or self.email or self.rpps}"

    @classmethod
    def audit_region_filter(cls, region_ids) -> Q:
        """The events of the people of the regions (an unknown person's failures are for the technical admin)."""
        from portal.models.user import people_of_regions

        return Q(user_id__in=people_of_regions(region_ids))
