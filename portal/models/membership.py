from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import AGENCY_ROLES, MONEY_AGENCY_ROLES, NATIONAL_ROLES, MembershipRole, StructureRole


class StructureMembershipQuerySet(ScopedQuerySet):
    """Who holds a role in a structure: readable by whoever reads the structure (``StructureQuerySet``)."""

    region_path = "structure__region"
    structure_path = "structure"
    agency_roles = MONEY_AGENCY_ROLES
    reviewer_paths = ("structure_id", "dossier__structure_id")


class StructureMembership(models.Model):
    """A role held in a structure: coordinator, or professional member (who joined by accepting an invitation)."""

    user = models.ForeignKey("portal.User", on_delete=models.CASCADE, related_name="structure_memberships")
    structure = models.ForeignKey("portal.Structure", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=StructureRole.choices)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    objects = StructureMembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rôle dans une structure"
        verbose_name_plural = "rôles dans les structures"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure", "role"],
                name="structure_membership_unique",
                violation_error_message="Cette personne a déjà ce rôle dans cette structure.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.structure.name}"


class RegionMembershipQuerySet(ScopedQuerySet):
    """Region admins see their ARS's roles; national roles (no region) are seen by the platform superadmin only."""

    region_path = "region"

    def national(self):
        return self.filter(region__isnull=True, role__in=sorted(NATIONAL_ROLES))

    def with_second_factor(self):
        """Annotate ``has_totp``: whether the agent has enrolled his TOTP authenticator yet."""
        from allauth.mfa.models import Authenticator

        return self.annotate(
            has_totp=models.Exists(
                Authenticator.objects.filter(user=models.OuterRef("user"), type=Authenticator.Type.TOTP)
            )
        )


class RegionMembership(models.Model):
    """A role held in an ARS (instructor, committee member, finance officer, region admin), or a national role held
    with no region (``pilote_national``: the aggregates of every region, granted only by a platform superadmin)."""

    user = models.ForeignKey("portal.User", on_delete=models.CASCADE, related_name="region_memberships")
    region = models.ForeignKey(
        "portal.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=20, choices=MembershipRole.choices)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    objects = RegionMembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rôle dans une ARS ou national"
        verbose_name_plural = "rôles dans les ARS et nationaux"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"],
                name="region_membership_unique",
                violation_error_message="Cette personne a déjà ce rôle dans cette ARS.",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(region__isnull=True),
                name="national_membership_unique",
                violation_error_message="Cette personne a déjà ce rôle national.",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=False, role__in=sorted(AGENCY_ROLES))
                | Q(region__isnull=True, role__in=sorted(NATIONAL_ROLES)),
                name="region_membership_role_matches_level",
                violation_error_message="Un rôle ARS se tient dans une ARS, un rôle national sans région.",
            ),
        ]

    def __str__(self):
        where = self.region.code if self.region_id else "national"
        return f"{self.user} — {self.get_role_display()} — {where}"
