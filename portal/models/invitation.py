import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.access import NOTHING, ScopedQuerySet
from portal.roles import AGENCY_ROLES, NATIONAL_ROLES, STRUCTURE_ROLES, Role

INVITATION_VALIDITY = timedelta(days=30)
NATIONAL_LEVEL = "niveau national (toutes les régions)"


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


class InvitationQuerySet(ScopedQuerySet):
    """Coordinators see the invitations of their structures, region admins those of their ARS, and each person
    the invitations sent to their own e-mail address."""

    def scope_filter(self, scope, roles):
        if scope.is_superadmin and (roles is None or Role.SUPERADMIN in roles):
            return Q()
        condition = NOTHING
        coordinated = scope.structure_ids([Role.COORDINATOR])
        if coordinated:
            condition |= Q(structure__in=coordinated)
        administered = scope.region_ids([Role.REGION_ADMIN])
        if administered:
            condition |= Q(region__in=administered) | Q(structure__region__in=administered)
        return condition

    def visible_to(self, user, roles=None):
        qs = super().visible_to(user, roles)
        if user.is_authenticated and roles is None:
            qs = qs | self.filter(email__iexact=user.email)
        return qs

    def pending(self):
        return self.filter(
            accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An invitation to hold a role. Nobody is enrolled without accepting it in their own account."""

    audit_region_paths = ("region", "structure__region")

    email = models.EmailField("adresse e-mail invitée")
    role = models.CharField("rôle proposé", max_length=20, choices=Role.choices)
    structure = models.ForeignKey(
        "portal.Structure", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    region = models.ForeignKey(
        "portal.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    message = models.TextField("message personnel", blank=True)
    invited_by = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.PROTECT, related_name="invitations_accepted"
    )
    declined_at = models.DateTimeField("déclinée le", null=True, blank=True)
    revoked_at = models.DateTimeField("retirée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(structure__isnull=False, region__isnull=True, role__in=sorted(STRUCTURE_ROLES))
                    | Q(structure__isnull=True, region__isnull=False, role__in=sorted(AGENCY_ROLES))
                    | Q(structure__isnull=True, region__isnull=True, role__in=sorted(NATIONAL_ROLES))
                ),
                name="invitation_target_matches_role",
                violation_error_message=(
                    "Un rôle de structure s'invite dans une structure, un rôle ARS dans une ARS, "
                    "un rôle national sans région."
                ),
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(declined_at__isnull=True),
                name="invitation_accepted_or_declined",
                violation_error_message="Une invitation ne peut être à la fois acceptée et déclinée.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True, accepted_by__isnull=True)
                | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="invitation_accepted_by_iff_accepted",
            ),
        ]

    def __str__(self):
        return f"Invitation de {self.email} ({self.get_role_display()})"

    @classmethod
    def new_token(cls) -> tuple[str, str]:
        raw = secrets.token_urlsafe(32)
        return raw, hash_token(raw)

    @property
    def target(self):
        """What the role is held in: a structure, an ARS, or the national level (national roles)."""
        return self.structure or self.region or NATIONAL_LEVEL

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "acceptée"
        if self.declined_at:
            return "déclinée"
        if self.revoked_at:
            return "retirée"
        if self.expires_at <= timezone.now():
            return "expirée"
        return "en attente"

    @property
    def is_pending(self) -> bool:
        return self.status == "en attente"
