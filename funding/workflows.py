"""The dossier's state machine: which transitions exist, and which role may make each.

Every state change goes through ``dossier_transition``: it checks the transition is allowed from the current state
(read under a row lock), that ``by`` holds the role in the dossier's region or structure, writes the new state with
history, and records a ``DossierTransition`` (who, when, why). Services add their own guards (deadline,
completeness, quota) before calling it.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from funding.models import Dossier, DossierState, DossierTransition
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role

S = DossierState
WITHDRAWABLE = {
    S.SUBMITTED,
    S.UNDER_INSTRUCTION,
    S.COMPLEMENT_REQUESTED,
    S.COMPLEMENT_PROVIDED,
    S.ADMISSIBLE,
    S.TO_COMMITTEE,
    S.WAITING_LIST,
}
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({Role.COORDINATOR}),
    (S.SUBMITTED, S.UNDER_INSTRUCTION): frozenset({Role.INSTRUCTOR}),
    (S.UNDER_INSTRUCTION, S.COMPLEMENT_REQUESTED): frozenset({Role.INSTRUCTOR}),
    (S.COMPLEMENT_PROVIDED, S.COMPLEMENT_REQUESTED): frozenset({Role.INSTRUCTOR}),
    (S.COMPLEMENT_REQUESTED, S.COMPLEMENT_PROVIDED): frozenset({Role.COORDINATOR}),
    (S.UNDER_INSTRUCTION, S.ADMISSIBLE): frozenset({Role.INSTRUCTOR}),
    (S.UNDER_INSTRUCTION, S.INADMISSIBLE): frozenset({Role.INSTRUCTOR}),
    (S.COMPLEMENT_PROVIDED, S.ADMISSIBLE): frozenset({Role.INSTRUCTOR}),
    (S.COMPLEMENT_PROVIDED, S.INADMISSIBLE): frozenset({Role.INSTRUCTOR}),
    (S.COMPLEMENT_REQUESTED, S.INADMISSIBLE): frozenset({Role.INSTRUCTOR}),
    (S.ADMISSIBLE, S.TO_COMMITTEE): frozenset({Role.INSTRUCTOR, Role.REGION_ADMIN}),
    (S.TO_COMMITTEE, S.SELECTED): frozenset({Role.REGION_ADMIN}),
    (S.TO_COMMITTEE, S.WAITING_LIST): frozenset({Role.REGION_ADMIN}),
    (S.TO_COMMITTEE, S.NOT_SELECTED): frozenset({Role.REGION_ADMIN}),
    (S.WAITING_LIST, S.SELECTED): frozenset({Role.REGION_ADMIN}),
    **{(state, S.WITHDRAWN): frozenset({Role.COORDINATOR}) for state in WITHDRAWABLE},
}
STRUCTURE_SIDE = {Role.COORDINATOR}


def allowed_targets(dossier: Dossier, user) -> list[str]:
    """The states ``user`` may move the dossier to now (for buttons)."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == dossier.state and _holds(user, dossier, roles)]


def _holds(user, dossier: Dossier, roles: frozenset[str]) -> bool:
    scope = get_scope(user)
    if roles & STRUCTURE_SIDE and dossier.structure_id in scope.structure_ids(roles & STRUCTURE_SIDE):
        return True
    agency_roles = roles - STRUCTURE_SIDE
    return bool(agency_roles) and dossier.campaign.region_id in scope.region_ids(agency_roles)


@transaction.atomic
def dossier_transition(
    *, dossier: Dossier, to_state: str, by, motive: str = "", at: datetime | None = None, **fields
) -> Dossier:
    """Move ``dossier`` to ``to_state``; ``fields`` are saved with it (e.g. submitted_at, inadmissibility_reason).

    ``at`` dates the transition (now by default; the demo passes its historical dates).
    """
    locked = Dossier.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=dossier.pk)
    from_state = locked.state
    roles = TRANSITIONS.get((from_state, to_state))
    if roles is None:
        raise ApplicationError(
            f"Le dossier est « {S(from_state).label} » : il ne peut pas passer à « {S(to_state).label} ».",
            code="transition_not_allowed",
        )
    if not _holds(by, locked, roles):
        raise ApplicationError("Vous n'avez pas le rôle nécessaire pour ce changement d'état.", code="forbidden")
    locked.state = to_state
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["reference"], validate_unique=False)
    locked.save(update_fields=["state", "updated_at", *fields])
    DossierTransition.objects.create(
        dossier=locked, from_state=from_state, to_state=to_state, by=by, at=at or timezone.now(), motive=motive
    )
    dossier.refresh_from_db()
    return locked
