"""Writes of the portal app: structures, invitations, memberships. Views, commands and tests call these."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.access import forget_scope, get_scope
from portal.errors import ApplicationError
from portal.mail import mail_on_commit
from portal.models import Invitation, Professional, RegionMembership, Structure, StructureMembership, User
from portal.models.invitation import INVITATION_VALIDITY
from portal.roles import AGENCY_ROLES, NATIONAL_ROLES, STRUCTURE_ROLES, Role
from portal.uploads import check_upload


def structure_create(*, by: User, **fields) -> Structure:
    region = fields["region"]
    if region.pk not in get_scope(by).region_ids([Role.REGION_ADMIN]) and not by.is_superuser:
        raise ApplicationError("Seul un administrateur de l'ARS peut créer une structure de sa région.")
    structure = Structure(**fields)
    structure.full_clean()
    structure.save()
    return structure


@transaction.atomic
def structure_cpam_set(*, structure: Structure, by: User, cpam: str) -> Structure:
    """Name (or correct) the structure's CPAM de rattachement: the payer of its SNP forfait lines, which read it."""
    structure = Structure.objects.select_for_update(of=("self",)).get(pk=structure.pk)
    scope = get_scope(by)
    if not (
        structure.pk in scope.structure_ids([Role.COORDINATOR])
        or structure.region_id in scope.region_ids([Role.REGION_ADMIN])
        or by.is_superuser
    ):
        raise ApplicationError(
            "Seuls le coordinateur de la structure et l'administrateur de l'ARS modifient sa CPAM.", code="forbidden"
        )
    structure.cpam = cpam.strip()
    structure.full_clean()
    structure.save(update_fields=["cpam"])
    return structure


@transaction.atomic
def structure_agreements_update(
    *, structure: Structure, by: User, aci_signed_on, health_project_validated_on, health_project=None
) -> Structure:
    """Record the structure's ACI (date of signature, or None) and its projet de santé (date the ARS validated it,
    the document). A coordinator of the structure or an admin of its ARS does it; dates are not in the future; a
    new document replaces the previous one (the history keeps its name)."""
    scope = get_scope(by)
    if not (
        structure.pk in scope.structure_ids([Role.COORDINATOR])
        or structure.region_id in scope.region_ids([Role.REGION_ADMIN])
        or by.is_superuser
    ):
        raise ApplicationError(
            "Seul un coordinateur de la structure ou l'administrateur de l'ARS renseigne l'ACI et le projet de santé.",
            code="forbidden",
        )
    structure = Structure.objects.select_for_update(of=("self",)).get(pk=structure.pk)
    today = timezone.localdate()
    errors = {}
    for name, value in (
        ("aci_signed_on", aci_signed_on),
        ("health_project_validated_on", health_project_validated_on),
    ):
        if value is not None and value > today:
            errors[name] = "Cette date est dans le futur."
    if errors:
        raise ValidationError(errors)
    structure.aci_signed_on = aci_signed_on
    structure.health_project_validated_on = health_project_validated_on
    fields = ["aci_signed_on", "health_project_validated_on"]
    if health_project is not None:
        check_upload(health_project)
        structure.health_project.save(health_project.name, health_project, save=False)
        fields.append("health_project")
    structure.full_clean()
    structure.save(update_fields=fields)
    return structure


def _can_invite(by: User, *, role: str, structure: Structure | None, region) -> bool:
    scope = get_scope(by)
    if by.is_superuser:
        return True
    if role in NATIONAL_ROLES:
        return False  # granted only by a platform superadmin
    if role in STRUCTURE_ROLES:
        return structure.pk in scope.structure_ids([Role.COORDINATOR]) or structure.region_id in scope.region_ids(
            [Role.REGION_ADMIN]
        )
    return region.pk in scope.region_ids([Role.REGION_ADMIN])


def _target_matches(role: str, *, structure, region) -> bool:
    if role in STRUCTURE_ROLES:
        return structure is not None
    if role in AGENCY_ROLES:
        return region is not None
    return role in NATIONAL_ROLES and structure is None and region is None


def invitation_create(
    *, by: User, email: str, role: str, structure: Structure | None = None, region=None, message: str = ""
) -> Invitation:
    """Invite someone by e-mail to hold ``role`` in a structure (coordinators, region admins), in an ARS (region
    admins), or at the national level (no structure, no region: platform superadmins only)."""
    email = email.strip().lower()
    if not _target_matches(role, structure=structure, region=region):
        raise ApplicationError("Le rôle proposé ne correspond pas à la structure ou à l'ARS choisie.")
    if not _can_invite(by, role=role, structure=structure, region=region):
        raise ApplicationError("Vous ne pouvez pas inviter à ce rôle.")
    target_filter = {"structure": structure} if structure else {"region": region}
    membership_model = StructureMembership if structure else RegionMembership
    if membership_model.objects.filter(user__email__iexact=email, role=role, **target_filter).exists():
        raise ApplicationError("Cette personne a déjà ce rôle.", field="email")
    if Invitation.objects.pending().filter(email__iexact=email, role=role, **target_filter).exists():
        raise ApplicationError("Une invitation est déjà en attente pour cette adresse.", field="email")
    raw_token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        structure=structure,
        region=region,
        token_hash=token_hash,
        message=message,
        invited_by=by,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    link = settings.SITE_URL + reverse("portal:invitation_link", args=[raw_token])
    context = {"invitation": invitation, "link": link}
    mail_on_commit(
        subject=f"Invitation : {invitation.get_role_display()} — {invitation.target}",
        template="portal/emails/invitation.txt",
        context=context,
        recipients=[email],
    )
    invitation.raw_token = raw_token  # shown to the inviter in tests and logs of the demo only
    return invitation


def _check_answerable(invitation: Invitation, user: User) -> None:
    if not invitation.is_pending:
        raise ApplicationError(f"Cette invitation n'est plus valable (elle est {invitation.status}).")
    if invitation.email.lower() != user.email.lower():
        raise ApplicationError(
            "Cette invitation a été envoyée à une autre adresse e-mail : connectez-vous avec le compte invité."
        )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, professional: dict | None = None) -> Invitation:
    """The invited person accepts in their own account; the role is granted only now (individual adhesion)."""
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    _check_answerable(invitation, user)
    if invitation.role == Role.PROFESSIONAL and not Professional.objects.filter(user=user).exists():
        if not professional:
            raise ApplicationError(
                "Renseignez votre profession et votre numéro RPPS ou ADELI pour rejoindre la structure."
            )
        professional_save(user=user, **professional)
    if invitation.structure_id:
        StructureMembership.objects.get_or_create(user=user, structure=invitation.structure, role=invitation.role)
    else:  # an ARS role, or a national role (no region)
        RegionMembership.objects.get_or_create(user=user, region=invitation.region, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    forget_scope(user)
    return invitation


def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    _check_answerable(invitation, user)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    if not _can_invite(by, role=invitation.role, structure=invitation.structure, region=invitation.region):
        raise ApplicationError("Vous ne pouvez pas retirer cette invitation.")
    if not invitation.is_pending:
        raise ApplicationError("Seule une invitation en attente peut être retirée.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def professional_save(
    *,
    user: User,
    profession: str,
    rpps: str | None = None,
    adeli: str | None = None,
    am_number: str | None = None,
    is_salaried: bool = False,
    employer: str = "",
) -> Professional:
    """Create or update the professional identity of ``user`` (validated: RPPS key, ADELI and N° AM formats)."""
    professional = Professional.objects.filter(user=user).first() or Professional(user=user)
    professional.profession = profession
    professional.rpps = rpps or None
    professional.adeli = adeli or None
    professional.am_number = am_number or None
    professional.is_salaried = is_salaried
    professional.employer = employer
    professional.full_clean()
    professional.save()
    return professional


def membership_remove(*, membership, by: User) -> None:
    """A coordinator removes someone's role in their structure; a region admin someone's role in their ARS."""
    scope = get_scope(by)
    if isinstance(membership, StructureMembership):
        allowed = membership.structure_id in scope.structure_ids([Role.COORDINATOR]) or (
            membership.structure.region_id in scope.region_ids([Role.REGION_ADMIN])
        )
        if allowed and membership.role == Role.COORDINATOR:
            others = StructureMembership.objects.filter(structure=membership.structure, role=Role.COORDINATOR)
            if others.exclude(pk=membership.pk).count() == 0:
                raise ApplicationError("Une structure garde au moins un coordinateur.")
    else:
        # A national role has no region: only a platform superadmin removes it.
        allowed = membership.region_id is not None and membership.region_id in scope.region_ids([Role.REGION_ADMIN])
        if allowed and membership.user_id == by.pk and membership.role == Role.REGION_ADMIN:
            raise ApplicationError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    if not (allowed or by.is_superuser):
        raise ApplicationError("Vous ne pouvez pas retirer ce rôle.")
    membership.delete()
    forget_scope(membership.user)
