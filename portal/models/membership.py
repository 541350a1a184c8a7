from django.db import models
from simple_history.models import HistoricalRecords

from portal.access import ScopedQuerySet
from portal.roles import AgencyRole, StructureRole


class StructureMembershipQuerySet(ScopedQuerySet):
    region_path = "structure__region"
    structure_path = "structure"


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
    region_path = "region"

    def with_second_factor(self):
        """Annotate ``has_totp``: whether the agent has enrolled his TOTP authenticator yet."""
        from allauth.mfa.models import Authenticator

        return self.annotate(
            has_totp=models.Exists(
                Authenticator.objects.filter(user=models.OuterRef("user"), type=Authenticator.Type.TOTP)
            )
        )


class RegionMembership(models.Model):
    """A role held in an ARS: instructor, committee member, finance officer or region admin."""

    user = models.ForeignKey("portal.User", on_delete=models.CASCADE, related_name="region_memberships")
    region = models.ForeignKey("portal.Region", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=AgencyRole.choices)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    objects = RegionMembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "rôle dans une ARS"
        verbose_name_plural = "rôles dans les ARS"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "region", "role"],
                name="region_membership_unique",
                violation_error_message="Cette personne a déjà ce rôle dans cette ARS.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.region.code}"
