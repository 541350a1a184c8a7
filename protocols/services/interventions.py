"""Writes of interventions logged one by one: a delegate logs, edits or cancels an intervention.

A delegate may only log what the protocol allows on that date: the form refuses a date in the future, a protocol not
yet declared, suspended or no longer implemented (ended by the ARS) on that date, a delegate not in the team or not
yet trained, a delegant not in the team
(the rules of ``protocols.eligibility_rules``, the very conditions the funding engine excludes with), and the same
act logged twice (``STORED_ACT_KEY``).
(Imports store such rows and let the eligibility exclude them with a reason: a reporting table is a record of what
happened, the form is a declaration by the person who did it.)

Every write tells the layers above through ``eligibility_inputs_changed``, sent *inside* the transaction so that an
intervention and its eligibility are committed together (``funding`` recomputes synchronously).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import Professional, User
from portal.roles import Role
from portal.validators import normalize_identifier
from protocols.eligibility_rules import STORED_ACT_KEY, rules_failed
from protocols.imports.validation import MAX_REFERENCE_LENGTH, NIR
from protocols.models import (
    Intervention,
    InterventionSource,
    MembershipStatus,
    Protocol,
    Suspension,
    TeamMembership,
    TeamRole,
)
from protocols.services.common import notify_eligibility_change


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _explain_rules(protocol, delegate, delegant, performed_on, today, add) -> None:
    """The protocol's eligibility rules (``protocols.eligibility_rules``, the engine's own text), each failure said
    in French on its field. A date in the future hides the others; an untrained delegate is said only of a delegate
    of the team; without a delegant, the form's own "required" error speaks."""
    check = rules_failed(
        protocol_id=protocol.pk,
        performed_on=performed_on,
        delegate_id=delegate.pk,
        delegant_id=delegant.pk if delegant is not None else None,
        today=today,
    )
    failed, day = set(check.failed), _fmt(performed_on)
    if "date_future" in failed:
        add("performed_on", f"La date ne peut pas être dans le futur (nous sommes le {_fmt(today)}).")
        return
    if "protocole_non_declare" in failed:
        if check.first_deposit is None:
            add("performed_on", "Le protocole n'est pas encore déclaré à l'ARS : aucune intervention ne compte.")
        else:
            add(
                "performed_on",
                f"Le protocole n'était pas encore déclaré à l'ARS le {day} (déclaré le {_fmt(check.first_deposit)}).",
            )
    if "protocole_suspendu" in failed:
        suspension = Suspension.objects.covering(performed_on).filter(protocol=protocol).order_by("starts_on").first()
        until = f"levée le {_fmt(suspension.lifted_on)}" if suspension.lifted_on else "non levée"
        add(
            "performed_on",
            f"Le protocole était suspendu le {day} (suspension du {_fmt(suspension.starts_on)}, {until}).",
        )
    if "protocole_termine" in failed:
        add(
            "performed_on",
            f"La mise en œuvre du protocole a été annulée par l'ARS : son dernier jour était le "
            f"{_fmt(protocol.ended_on)}.",
        )
    if "delegue_hors_equipe" in failed:
        add("performed_on", f"{delegate.user.get_full_name()} n'était pas délégué de l'équipe le {day}.")
    elif "delegue_non_forme" in failed:
        later = check.first_training
        detail = f"terminée le {_fmt(later)}" if later else "aucune date de fin enregistrée"
        name = delegate.user.get_full_name()
        add("performed_on", f"La formation de {name} n'était pas terminée le {day} ({detail}).")
    if "delegant_hors_equipe" in failed and delegant is not None and delegant.pk != delegate.pk:
        add("delegant", f"{delegant.user.get_full_name()} n'était pas délégant de l'équipe le {day}.")


def intervention_problems(
    *,
    protocol: Protocol,
    delegate: Professional,
    delegant: Professional | None,
    performed_on: datetime.date | None,
    episode_reference: str,
    second_contact_on: datetime.date | None = None,
    second_contact_delegate: Professional | None = None,
    exclude_pk: int | None = None,
) -> dict[str | None, list[str]]:
    """What stops this intervention from being logged, by form field (None: the whole form). Empty when fine."""
    problems: dict[str | None, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    today = timezone.localdate()
    reference = (episode_reference or "").strip()
    if len(reference) > MAX_REFERENCE_LENGTH:
        add("episode_reference", "Référence trop longue (64 caractères au plus).")
    elif reference and NIR.fullmatch(normalize_identifier(reference)):
        add(
            "episode_reference",
            "Cette référence ressemble à un numéro de sécurité sociale : indiquez la référence anonyme de l'épisode "
            "dans la structure, jamais le NIR du patient.",
        )
    if delegant is not None and delegant.pk == delegate.pk:
        add("delegant", "Le délégant doit être un autre professionnel que le délégué.")

    if performed_on is not None:
        _explain_rules(protocol, delegate, delegant, performed_on, today, add)
    if second_contact_on is not None:
        if performed_on is not None and second_contact_on < performed_on:
            add("second_contact_on", "Le second contact ne peut pas précéder l'intervention.")
        if second_contact_on > today:
            add("second_contact_on", "La date du second contact ne peut pas être dans le futur.")
    elif second_contact_delegate is not None:
        add("second_contact_on", "Indiquez la date du second contact.")

    if reference and performed_on is not None:
        act = {
            "protocol_id": protocol.pk,
            "episode_reference": reference,
            "performed_on": performed_on,
            "delegate_id": delegate.pk,
        }
        identical = Intervention.objects.active().filter(**{column: act[column] for column in STORED_ACT_KEY})
        if exclude_pk:
            identical = identical.exclude(pk=exclude_pk)
        if identical.exists():
            add(
                "episode_reference", "Cette intervention est déjà enregistrée (même épisode, même date, même délégué)."
            )
    return problems


def can_change(intervention: Intervention, user: User) -> bool:
    """The delegate who performed it, or a coordinator of its structure (not yet frozen, see ``protocols.locks``)."""
    if intervention.delegate.user_id == user.pk:
        return True
    return intervention.structure_id in get_scope(user).structure_ids([Role.COORDINATOR])


def mark_changeable(interventions, user: User) -> None:
    """Set ``changeable`` on each listed intervention from ``can_change``, so a list offers « Modifier » exactly
    where the edit page and the service accept it (the frozen ones are told apart by ``is_locked``)."""
    for intervention in interventions:
        intervention.changeable = can_change(intervention, user)


def _check_changeable(intervention: Intervention, by: User) -> Intervention:
    locked = (
        Intervention.objects.select_for_update(of=("self",))
        .with_lock()
        .select_related("delegate__user", "protocol")
        .get(pk=intervention.pk)
    )
    if not can_change(locked, by):
        raise ApplicationError("Seuls le délégué qui l'a réalisée et les coordinateurs modifient cette intervention.")
    if locked.cancelled_at is not None:
        raise ApplicationError("Cette intervention est annulée.")
    if locked.is_locked:
        raise ApplicationError(
            "Un état de versement couvrant cette intervention a été émis : elle ne peut plus être modifiée ni "
            "annulée. Signalez une erreur à l'ARS, elle sera régularisée sur l'état suivant."
        )
    return locked


@transaction.atomic
def intervention_log(
    *,
    by: User,
    protocol: Protocol,
    performed_on: datetime.date,
    delegant: Professional,
    episode_reference: str,
    second_contact_on: datetime.date | None = None,
    second_contact_delegate: Professional | None = None,
    source: str = InterventionSource.FORM,
) -> Intervention:
    """A delegate logs an intervention they performed (the form of "Mes interventions")."""
    delegate = Professional.objects.filter(user=by).select_related("user").first()
    if delegate is None:
        raise ApplicationError("Renseignez d'abord votre identité professionnelle (RPPS ou ADELI) dans votre compte.")
    is_delegate = TeamMembership.objects.filter(
        protocol=protocol, professional=delegate, role=TeamRole.DELEGATE, status=MembershipStatus.ACCEPTED
    ).exists()
    if not is_delegate:
        raise ApplicationError("Vous n'êtes pas délégué de l'équipe de ce protocole.")
    reference = (episode_reference or "").strip()
    problems = intervention_problems(
        protocol=protocol,
        delegate=delegate,
        delegant=delegant,
        performed_on=performed_on,
        episode_reference=reference,
        second_contact_on=second_contact_on,
        second_contact_delegate=second_contact_delegate,
    )
    if problems:
        raise ValidationError({field or "__all__": messages for field, messages in problems.items()})
    intervention = Intervention(
        structure=protocol.carrying_structure,
        protocol=protocol,
        performed_on=performed_on,
        delegate=delegate,
        delegant=delegant,
        episode_reference=reference,
        second_contact_on=second_contact_on,
        second_contact_delegate=second_contact_delegate,
        source=source,
        recorded_by=by,
    )
    intervention.full_clean()
    intervention._history_user = by
    intervention.save()
    notify_eligibility_change(protocol_id=protocol.pk, since=performed_on)
    return intervention


@transaction.atomic
def intervention_update(
    *,
    intervention: Intervention,
    by: User,
    performed_on: datetime.date,
    delegant: Professional,
    episode_reference: str,
    second_contact_on: datetime.date | None = None,
    second_contact_delegate: Professional | None = None,
) -> Intervention:
    """Correct an intervention (not its protocol nor its delegate: cancel and log again for that)."""
    current = _check_changeable(intervention, by)
    reference = (episode_reference or "").strip()
    problems = intervention_problems(
        protocol=current.protocol,
        delegate=current.delegate,
        delegant=delegant,
        performed_on=performed_on,
        episode_reference=reference,
        second_contact_on=second_contact_on,
        second_contact_delegate=second_contact_delegate,
        exclude_pk=current.pk,
    )
    if problems:
        raise ValidationError({field or "__all__": messages for field, messages in problems.items()})
    since = min(current.performed_on, performed_on)
    current.performed_on = performed_on
    current.delegant = delegant
    current.episode_reference = reference
    current.second_contact_on = second_contact_on
    current.second_contact_delegate = second_contact_delegate
    current.full_clean()
    current._history_user = by
    current.save(
        update_fields=[
            "performed_on",
            "delegant",
            "episode_reference",
            "second_contact_on",
            "second_contact_delegate",
        ]
    )
    notify_eligibility_change(protocol_id=current.protocol_id, since=since)
    return current


@transaction.atomic
def intervention_cancel(*, intervention: Intervention, by: User) -> Intervention:
    """Cancel an intervention logged by mistake. It stays in the history, and no longer counts."""
    current = _check_changeable(intervention, by)
    current.cancelled_at = timezone.now()
    current.cancelled_by = by
    current._history_user = by
    current.save(update_fields=["cancelled_at", "cancelled_by"])
    notify_eligibility_change(protocol_id=current.protocol_id, since=current.performed_on)
    return current
