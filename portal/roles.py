"""The roles a person can hold. Structure roles are held in a structure, agency roles in a region (ARS), national
roles at the national level (no region: they read the aggregates of every region and nothing else)."""

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinateur de structure"
    PROFESSIONAL = "professional", "Professionnel de santé"
    INSTRUCTOR = "instructor", "Instructeur ARS"
    COMMITTEE_MEMBER = "committee_member", "Membre de la commission de sélection"
    FINANCE_OFFICER = "finance_officer", "Chargé de financement ARS"
    REGION_ADMIN = "region_admin", "Administrateur régional ARS"
    NATIONAL_PILOT = "pilote_national", "Pilote national (agrégats de toutes les régions)"
    SUPERADMIN = "superadmin", "Super-administrateur de la plateforme"


STRUCTURE_ROLES = frozenset({Role.COORDINATOR, Role.PROFESSIONAL})
AGENCY_ROLES = frozenset({Role.INSTRUCTOR, Role.COMMITTEE_MEMBER, Role.FINANCE_OFFICER, Role.REGION_ADMIN})
# Need-to-know inside a region (docs/security.md, "Qui voit quoi dans une région"): which agency roles read which
# family of rows region-wide. A committee member reads no family region-wide: only the dossiers assigned to him where
# he declared no conflict of interest, and what hangs on them (``ScopedQuerySet.reviewer_paths``).
# Identity documents and training certificates of the professionals.
PERSONAL_FILE_AGENCY_ROLES = frozenset({Role.INSTRUCTOR, Role.REGION_ADMIN})
# Every submitted dossier and what hangs on it (attachments, messages, instruction, decision).
DOSSIER_AGENCY_ROLES = frozenset({Role.INSTRUCTOR, Role.REGION_ADMIN})
# What the money needs: structures, protocols and their teams, interventions, grants, statements, payments, tableaux.
MONEY_AGENCY_ROLES = frozenset({Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN})
# Held with no region and granted only by a platform superadmin: read-only, aggregates only (never a person).
NATIONAL_ROLES = frozenset({Role.NATIONAL_PILOT})


class StructureRole(models.TextChoices):
    COORDINATOR = Role.COORDINATOR.value, Role.COORDINATOR.label
    PROFESSIONAL = Role.PROFESSIONAL.value, Role.PROFESSIONAL.label


class AgencyRole(models.TextChoices):
    INSTRUCTOR = Role.INSTRUCTOR.value, Role.INSTRUCTOR.label
    COMMITTEE_MEMBER = Role.COMMITTEE_MEMBER.value, Role.COMMITTEE_MEMBER.label
    FINANCE_OFFICER = Role.FINANCE_OFFICER.value, Role.FINANCE_OFFICER.label
    REGION_ADMIN = Role.REGION_ADMIN.value, Role.REGION_ADMIN.label


class MembershipRole(models.TextChoices):
    """The roles a ``RegionMembership`` holds: agency roles in a region, national roles with no region."""

    INSTRUCTOR = Role.INSTRUCTOR.value, Role.INSTRUCTOR.label
    COMMITTEE_MEMBER = Role.COMMITTEE_MEMBER.value, Role.COMMITTEE_MEMBER.label
    FINANCE_OFFICER = Role.FINANCE_OFFICER.value, Role.FINANCE_OFFICER.label
    REGION_ADMIN = Role.REGION_ADMIN.value, Role.REGION_ADMIN.label
    NATIONAL_PILOT = Role.NATIONAL_PILOT.value, Role.NATIONAL_PILOT.label
