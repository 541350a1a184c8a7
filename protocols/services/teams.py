"""The nominative team of a protocol: invitations answered by each professional in their own account, departures,
training of the delegates, and the supporting documents of decree 2020-148 with their review by the ARS.

After the first deposit, every join or leave deposits the next version of the declaration itself (seed 001: "elle
doit effectuer une nouvelle déclaration en cas de nouvel engagement ou de retrait d'un professionnel").
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.errors import ApplicationError
from portal.mail import mail_on_commit
from portal.models import Profession, Professional, StructureMembership
from portal.roles import Role
from portal.uploads import check_upload
from protocols.models import (
    DocumentKind,
    DocumentStatus,
    MemberDocument,
    MembershipStatus,
    Protocol,
    ProtocolEvent,
    ProtocolStatus,
    TeamMembership,
    TeamRole,
    Training,
)
from protocols.services.common import (
    is_coordinator,
    lock_protocol,
    notify_eligibility_change,
    record_event,
    require_coordinator,
    require_instructor,
    today,
)
from protocols.services.declarations import record_version


def _lock_membership(membership: TeamMembership) -> TeamMembership:
    return (
        TeamMembership.objects.select_for_update(of=("self",))
        .select_related("professional__user", "protocol")
        .get(pk=membership.pk)
    )


def _is_member_user(user, membership: TeamMembership) -> bool:
    return membership.professional.user_id == user.pk


def invitable_professionals(protocol: Protocol):
    """Professionals of the protocol's structures (the ESP and its implementing CPTS) not already in its team."""
    structure_users = StructureMembership.objects.filter(
        structure_id__in=protocol.structure_ids(), role=Role.PROFESSIONAL
    ).values("user_id")
    in_team = protocol.team.current().values("professional_id")
    return (
        Professional.objects.filter(user_id__in=structure_users)
        .exclude(pk__in=in_team)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def _check_profession(protocol: Protocol, professional: Professional, role: str) -> None:
    """The role's professions: the protocol's, or for an adhesion the catalogue's current version (the one the
    team's next declaration names)."""
    if protocol.allows_profession(role, professional.profession):
        return
    labels = dict(Profession.choices)
    wanted = protocol.allowed_professions(role)
    source = ""
    if protocol.national_protocol_id:
        version = protocol.national_protocol.current_version()
        source = f" (catalogue national, {version.label})" if version else ""
    raise ApplicationError(
        f"Le protocole prévoit comme {TeamRole(role).label.lower()}s{source} : "
        f"{', '.join(labels.get(p, p) for p in wanted) or 'aucune profession renseignée'} ; "
        f"{professional.user} est {professional.get_profession_display().lower()}.",
        field="role",
    )


@transaction.atomic
def team_invite(*, protocol: Protocol, professional: Professional, role: str, by) -> TeamMembership:
    """The coordinator proposes a professional of the structure for a role; nobody joins without accepting."""
    protocol = lock_protocol(protocol)
    require_coordinator(by, protocol)
    if protocol.status == ProtocolStatus.ENDED:
        raise ApplicationError("La mise en œuvre de ce protocole a été annulée par l'ARS : son équipe ne change plus.")
    if not invitable_professionals(protocol).filter(pk=professional.pk).exists():
        if protocol.team.current().filter(professional=professional).exists():
            raise ApplicationError("Ce professionnel est déjà dans l'équipe ou invité.", field="professional")
        raise ApplicationError(
            "Seuls les professionnels membres de la structure peuvent être invités : invitez-le d'abord à la "
            "structure.",
            field="professional",
        )
    _check_profession(protocol, professional, role)
    membership = TeamMembership(protocol=protocol, professional=professional, role=role, invited_by=by)
    membership.full_clean()
    membership.save()
    MemberDocument.objects.bulk_create(MemberDocument(membership=membership, kind=kind) for kind in DocumentKind)
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.INVITED,
        by=by,
        on=today(),
        detail=f"{professional.user} ({membership.get_role_display().lower()})",
    )
    mail_on_commit(
        subject=f"[Portail protocoles] Invitation à l'équipe du protocole {protocol.code}",
        template="protocols/emails/team_invitation.txt",
        context={
            "membership": membership,
            "link": settings.SITE_URL + reverse("protocols:team_membership_respond", args=[membership.pk]),
        },
        recipients=[professional.user.email],
    )
    return membership


@transaction.atomic
def team_invitation_accept(*, membership: TeamMembership, by, on: datetime.date | None = None) -> TeamMembership:
    """The invited professional joins, in their own account, from ``on`` (today unless a seeder says otherwise).

    If the protocol is already declared, this deposits the next version of the declaration.
    """
    protocol = lock_protocol(membership.protocol)
    membership = _lock_membership(membership)
    if not _is_member_user(by, membership):
        raise ApplicationError("Seul le professionnel invité peut accepter son invitation.", code="forbidden")
    if membership.status != MembershipStatus.INVITED:
        raise ApplicationError(f"Cette invitation n'est plus en attente ({membership.get_status_display().lower()}).")
    if protocol.status == ProtocolStatus.ENDED:
        raise ApplicationError(
            "La mise en œuvre de ce protocole a été annulée par l'ARS : il n'accueille plus de professionnels."
        )
    on = on or today()
    overlapping = (
        TeamMembership.objects.filter(protocol=protocol, professional=membership.professional)
        .active_on(on)
        .exclude(pk=membership.pk)
    )
    if overlapping.exists():
        raise ApplicationError("Vous êtes déjà dans l'équipe de ce protocole à cette date.")
    # The catalogue may have changed since the invitation: the join is declared under its current version.
    _check_profession(protocol, membership.professional, membership.role)
    membership.status = MembershipStatus.ACCEPTED
    membership.joined_on = on
    membership.responded_at = timezone.now()
    membership.full_clean()
    membership.save()
    record_event(
        protocol=protocol, kind=ProtocolEvent.Kind.ACCEPTED, by=by, on=on, detail=str(membership.professional.user)
    )
    if protocol.status == ProtocolStatus.DECLARED:
        record_version(
            protocol=protocol, by=by, on=on, reason="join", detail=f"arrivée de {membership.professional.user}"
        )
    notify_eligibility_change(protocol_id=protocol.pk, since=on)
    return membership


@transaction.atomic
def team_invitation_decline(*, membership: TeamMembership, by) -> TeamMembership:
    membership = _lock_membership(membership)
    if not _is_member_user(by, membership):
        raise ApplicationError("Seul le professionnel invité peut décliner son invitation.", code="forbidden")
    if membership.status != MembershipStatus.INVITED:
        raise ApplicationError("Cette invitation n'est plus en attente.")
    membership.status = MembershipStatus.DECLINED
    membership.responded_at = timezone.now()
    membership.save()
    record_event(
        protocol=membership.protocol,
        kind=ProtocolEvent.Kind.DECLINED,
        by=by,
        on=today(),
        detail=str(membership.professional.user),
    )
    return membership


@transaction.atomic
def team_invitation_withdraw(*, membership: TeamMembership, by) -> TeamMembership:
    membership = _lock_membership(membership)
    require_coordinator(by, membership.protocol)
    if membership.status != MembershipStatus.INVITED:
        raise ApplicationError("Seule une invitation en attente peut être retirée.")
    membership.status = MembershipStatus.WITHDRAWN
    membership.responded_at = timezone.now()
    membership.save()
    record_event(
        protocol=membership.protocol,
        kind=ProtocolEvent.Kind.WITHDRAWN,
        by=by,
        on=today(),
        detail=str(membership.professional.user),
    )
    return membership


@transaction.atomic
def team_member_leave(*, membership: TeamMembership, by, left_on: datetime.date) -> TeamMembership:
    """A member leaves the team from ``left_on`` (excluded from that day). The coordinator records it, or the
    professional themself. A declared protocol gets its next version, deposited today."""
    protocol = lock_protocol(membership.protocol)
    membership = _lock_membership(membership)
    if not (_is_member_user(by, membership) or is_coordinator(by, protocol)):
        raise ApplicationError("Seuls le professionnel et les coordinateurs enregistrent un départ.", code="forbidden")
    if membership.status != MembershipStatus.ACCEPTED or membership.left_on is not None:
        raise ApplicationError("Ce professionnel n'est pas (ou plus) dans l'équipe.")
    if left_on <= membership.joined_on:
        raise ApplicationError(
            f"La date de départ doit suivre la date d'arrivée ({membership.joined_on:%d/%m/%Y}).", field="left_on"
        )
    membership.left_on = left_on
    membership.full_clean()
    membership.save()
    record_event(
        protocol=protocol, kind=ProtocolEvent.Kind.LEFT, by=by, on=left_on, detail=str(membership.professional.user)
    )
    if protocol.status == ProtocolStatus.DECLARED:
        record_version(
            protocol=protocol, by=by, on=today(), reason="leave", detail=f"départ de {membership.professional.user}"
        )
    notify_eligibility_change(protocol_id=protocol.pk, since=left_on)
    return membership


def _check_may_edit_personal_files(by, membership: TeamMembership) -> None:
    if not (_is_member_user(by, membership) or is_coordinator(by, membership.protocol)):
        raise ApplicationError(
            "Seuls le professionnel et les coordinateurs de la structure modifient ces informations.", code="forbidden"
        )
    if membership.status not in (MembershipStatus.INVITED, MembershipStatus.ACCEPTED) or membership.left_on:
        raise ApplicationError("Ce professionnel n'est plus dans l'équipe : son dossier est figé.")


@transaction.atomic
def training_save(
    *,
    membership: TeamMembership,
    by,
    hours,
    organisation: str,
    completed_on: datetime.date | None = None,
    certificate=None,
) -> Training:
    """Record the complementary training of a delegate. A completion date needs the certificate and at least the
    hours the protocol requires, and cannot be in the future: then "completed_on <= d" means "trained on d"."""
    membership = _lock_membership(membership)
    _check_may_edit_personal_files(by, membership)
    if membership.role != TeamRole.DELEGATE:
        raise ApplicationError("La formation complémentaire concerne les délégués.")
    training = membership.training_or_none() or Training(membership=membership)
    previous_completion = training.completed_on
    if completed_on and completed_on > today():
        raise ApplicationError(
            "Une formation ne se déclare terminée qu'une fois suivie : la date ne peut pas être dans le futur.",
            field="completed_on",
        )
    required = membership.protocol.required_training_hours
    if completed_on and required is not None and hours < required:
        raise ApplicationError(
            f"Le protocole exige {float(required):g} h de formation : {float(hours):g} h ne suffisent pas pour la "
            "déclarer terminée.",
            field="hours",
        )
    if certificate is not None:
        checked = getattr(certificate, "checked", None) or check_upload(certificate)
        training.certificate.save(f"attestation{checked.extension}", certificate, save=False)
        training.certificate_name = checked.original_name
        training.certificate_sha256 = checked.sha256
    if completed_on and not training.certificate_sha256:
        raise ApplicationError("Joignez l'attestation de formation pour la déclarer terminée.", field="certificate")
    training.hours = hours
    training.organisation = organisation.strip()
    training.completed_on = completed_on
    training.full_clean()
    training.save()
    if completed_on != previous_completion:
        record_event(
            protocol=membership.protocol,
            kind=ProtocolEvent.Kind.TRAINING,
            by=by,
            on=completed_on or today(),
            detail=f"{membership.professional.user} : "
            + (f"terminée le {completed_on:%d/%m/%Y}" if completed_on else "date de fin retirée"),
        )
        if membership.status == MembershipStatus.ACCEPTED:
            dates = [day for day in (previous_completion, completed_on) if day]
            notify_eligibility_change(protocol_id=membership.protocol_id, since=min(dates))
    return training


@transaction.atomic
def member_document_upload(*, document: MemberDocument, by, uploaded) -> MemberDocument:
    """Attach a file (checked by content: PDF, JPEG or PNG) to one of the member's supporting documents.

    Previous files are kept: the versions already deposited still point to them."""
    document = (
        MemberDocument.objects.select_for_update(of=("self",))
        .select_related("membership__protocol", "membership__professional__user")
        .get(pk=document.pk)
    )
    _check_may_edit_personal_files(by, document.membership)
    checked = getattr(uploaded, "checked", None) or check_upload(uploaded)
    document.file.save(f"{document.kind}{checked.extension}", uploaded, save=False)
    document.original_name = checked.original_name
    document.content_type = checked.content_type
    document.size = checked.size
    document.sha256 = checked.sha256
    document.status = DocumentStatus.PROVIDED
    document.uploaded_by, document.uploaded_at = by, timezone.now()
    document.reviewed_by, document.reviewed_at, document.refusal_reason = None, None, ""
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def member_document_review(*, document: MemberDocument, by, validated: bool, reason: str = "") -> MemberDocument:
    """The ARS instructor validates a provided document, or refuses it with a reason the member sees."""
    document = (
        MemberDocument.objects.select_for_update(of=("self",))
        .select_related("membership__protocol__structure", "membership__professional__user")
        .get(pk=document.pk)
    )
    protocol = document.membership.protocol
    require_instructor(by, protocol)
    if document.status == DocumentStatus.MISSING:
        raise ApplicationError("Cette pièce n'a pas encore été fournie.")
    reason = reason.strip()
    if not validated and not reason:
        raise ApplicationError("Indiquez le motif du refus : le professionnel le verra.", field="reason")
    document.status = DocumentStatus.VALIDATED if validated else DocumentStatus.REFUSED
    document.refusal_reason = "" if validated else reason
    document.reviewed_by, document.reviewed_at = by, timezone.now()
    document.full_clean()
    document.save()
    member = document.membership.professional.user
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.DOCUMENT_VALIDATED if validated else ProtocolEvent.Kind.DOCUMENT_REFUSED,
        by=by,
        on=today(),
        detail=f"{document.get_kind_display()} de {member}" + ("" if validated else f" : {reason}"),
    )
    if not validated:
        mail_on_commit(
            subject=f"[Portail protocoles] Pièce refusée par l'ARS — {protocol.code}",
            template="protocols/emails/document_refused.txt",
            context={
                "document": document,
                "link": settings.SITE_URL + reverse("protocols:member_documents", args=[document.membership_id]),
            },
            recipients=[member.email],
        )
    return document
