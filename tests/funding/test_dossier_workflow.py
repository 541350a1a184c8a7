"""Every transition of the dossier's state machine, who may make it, and its refusals; the guards the services add."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from funding.models import Dossier, DossierState, DossierTransition, InstructionCheck
from funding.services import dossiers as dossier_services
from funding.services import instruction as services
from funding.workflows import TRANSITIONS, allowed_targets, dossier_transition
from portal.errors import ApplicationError
from portal.roles import Role
from tests.funding.factories import DossierFactory
from tests.portal.factories import RegionFactory, agent_of, coordinator_of

PARIS = ZoneInfo("Europe/Paris")
S = DossierState
ALL_STATES = [state.value for state in S]


def _extra_fields(to_state: str) -> dict:
    """What the database requires alongside each target state."""
    if to_state == S.SUBMITTED:
        return {"submitted_at": timezone.now(), "snapshot": {"x": 1}, "snapshot_sha256": "a" * 64}
    if to_state == S.INADMISSIBLE:
        return {"inadmissibility_reason": "Pièces manquantes"}
    if to_state == S.WITHDRAWN:
        return {"withdrawn_at": timezone.now(), "withdrawal_reason": "Projet reporté"}
    return {}


def _dossier_in(state: str) -> Dossier:
    if state == S.DRAFT:
        return DossierFactory(complete=True)
    extra = _extra_fields(state) if state in (S.INADMISSIBLE, S.WITHDRAWN) else {}
    return DossierFactory(complete=True, submitted=True, state=state, **extra)


def _holder(dossier: Dossier, role: str):
    if role == Role.COORDINATOR:
        return coordinator_of(dossier.structure)
    return agent_of(dossier.campaign.region, role)


@pytest.mark.parametrize(("from_state", "to_state"), sorted(TRANSITIONS))
def test_each_transition_is_made_by_its_roles_only(from_state, to_state):
    dossier = _dossier_in(from_state)
    roles = TRANSITIONS[(from_state, to_state)]
    others = sorted({Role.COORDINATOR, Role.INSTRUCTOR, Role.REGION_ADMIN, Role.COMMITTEE_MEMBER} - roles)
    for role in others:
        with pytest.raises(ApplicationError) as refused:
            dossier_transition(
                dossier=dossier, to_state=to_state, by=_holder(dossier, role), **_extra_fields(to_state)
            )
        assert refused.value.code == "forbidden", role
    # The same role in another region (or another structure) is refused too.
    elsewhere = DossierFactory(structure__region=RegionFactory(code="CVL"))
    outsider = (
        coordinator_of(elsewhere.structure)
        if Role.COORDINATOR in roles
        else agent_of(elsewhere.campaign.region, sorted(roles)[0])
    )
    with pytest.raises(ApplicationError):
        dossier_transition(dossier=dossier, to_state=to_state, by=outsider, **_extra_fields(to_state))
    assert Dossier.objects.get(pk=dossier.pk).state == from_state
    user = _holder(dossier, sorted(roles)[0])
    dossier_transition(dossier=dossier, to_state=to_state, by=user, motive="test", **_extra_fields(to_state))
    assert Dossier.objects.get(pk=dossier.pk).state == to_state
    logged = DossierTransition.objects.get(dossier=dossier)
    assert (logged.from_state, logged.to_state, logged.by, logged.motive) == (from_state, to_state, user, "test")
    assert dossier.history.count() >= 2  # creation, then the transition


@pytest.mark.parametrize("from_state", ALL_STATES)
def test_transitions_outside_the_table_are_refused(from_state):
    dossier = _dossier_in(from_state)
    superuser_like = {role: _holder(dossier, role) for role in (Role.COORDINATOR, Role.INSTRUCTOR, Role.REGION_ADMIN)}
    for to_state in ALL_STATES:
        if (from_state, to_state) in TRANSITIONS:
            continue
        for user in superuser_like.values():
            with pytest.raises(ApplicationError) as refused:
                dossier_transition(dossier=dossier, to_state=to_state, by=user, **_extra_fields(to_state))
            assert refused.value.code == "transition_not_allowed"
    assert not DossierTransition.objects.filter(dossier=dossier).exists()


def test_allowed_targets_are_the_buttons_of_each_role():
    dossier = _dossier_in(S.COMPLEMENT_PROVIDED)
    instructor = _holder(dossier, Role.INSTRUCTOR)
    coordinator = _holder(dossier, Role.COORDINATOR)
    assert set(allowed_targets(dossier, instructor)) == {S.COMPLEMENT_REQUESTED, S.ADMISSIBLE, S.INADMISSIBLE}
    assert allowed_targets(dossier, coordinator) == [S.WITHDRAWN]


def test_database_ties_states_to_their_data():
    draft = DossierFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=draft.pk).update(state=S.SUBMITTED)  # no submitted_at, no snapshot
    submitted = DossierFactory(submitted=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=submitted.pk).update(state=S.INADMISSIBLE)  # no reason
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=submitted.pk).update(state=S.WITHDRAWN)  # no date


# --- Guards of the services -------------------------------------------------------------------------------------


@pytest.fixture
def submitted():
    return DossierFactory(complete=True, submitted=True)


@pytest.fixture
def instructor(submitted):
    return agent_of(submitted.campaign.region, Role.INSTRUCTOR)


@pytest.fixture
def coordinator(submitted):
    return coordinator_of(submitted.structure)


def _check(dossier, instructor, step, outcome="ok"):
    return services.instruction_check_record(
        dossier=dossier, by=instructor, step=step, outcome=outcome, motive="Vérifié"
    )


def test_instruction_guards(submitted, instructor, coordinator):
    with pytest.raises(ApplicationError) as refused:
        services.dossier_start_instruction(dossier=submitted, by=coordinator)
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError) as refused:
        _check(submitted, instructor, InstructionCheck.Step.ADMINISTRATIVE)
    assert refused.value.code == "not_in_instruction"
    services.dossier_start_instruction(dossier=submitted, by=instructor)
    with pytest.raises(ApplicationError) as refused:
        services.instruction_check_record(
            dossier=submitted, by=instructor, step="administrative", outcome="ok", motive="  "
        )
    assert refused.value.code == "motive_required"
    with pytest.raises(ApplicationError) as refused:
        _check(submitted, instructor, InstructionCheck.Step.FIT_TO_NEEDS)
    assert refused.value.code == "checklist_order"
    _check(submitted, instructor, InstructionCheck.Step.ADMINISTRATIVE)
    _check(submitted, instructor, InstructionCheck.Step.COMPLETENESS, outcome="ko")
    with pytest.raises(ApplicationError):
        _check(submitted, instructor, InstructionCheck.Step.FIT_TO_NEEDS)  # completeness is not compliant
    with pytest.raises(ApplicationError) as refused:
        services.dossier_declare_admissible(dossier=submitted, by=instructor)
    assert refused.value.code == "checks_missing"
    # Recording a step again updates it (history keeps the former result).
    check = _check(submitted, instructor, InstructionCheck.Step.COMPLETENESS)
    assert check.history.count() == 2
    _check(submitted, instructor, InstructionCheck.Step.FIT_TO_NEEDS)
    services.dossier_declare_admissible(dossier=submitted, by=instructor, motive="Complet")
    submitted.refresh_from_db()
    assert submitted.state == S.ADMISSIBLE
    with pytest.raises(ApplicationError):
        _check(submitted, instructor, InstructionCheck.Step.ADMINISTRATIVE)  # instruction is over
    services.dossier_send_to_committee(dossier=submitted, by=instructor)
    assert Dossier.objects.get(pk=submitted.pk).state == S.TO_COMMITTEE


def test_inadmissible_needs_a_reason_and_informs_the_coordinator(
    submitted, instructor, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    services.dossier_start_instruction(dossier=submitted, by=instructor)
    with pytest.raises(ApplicationError) as refused:
        services.dossier_declare_inadmissible(dossier=submitted, by=instructor, reason=" ")
    assert refused.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_declare_inadmissible(dossier=submitted, by=instructor, reason="Structure hors région")
    submitted.refresh_from_db()
    assert (submitted.state, submitted.inadmissibility_reason) == (S.INADMISSIBLE, "Structure hors région")
    assert mailoutbox[0].to == [coordinator.email]
    assert "Structure hors région" in mailoutbox[0].body


def test_withdraw_before_the_decision_only(submitted, coordinator, instructor):
    with pytest.raises(ApplicationError) as refused:
        dossier_services.dossier_withdraw(dossier=submitted, by=instructor, reason="x")
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError) as refused:
        dossier_services.dossier_withdraw(dossier=submitted, by=coordinator, reason="")
    assert refused.value.code == "reason_required"
    dossier_services.dossier_withdraw(dossier=submitted, by=coordinator, reason="Projet reporté")
    submitted.refresh_from_db()
    assert submitted.state == S.WITHDRAWN and submitted.withdrawn_at and submitted.withdrawal_reason
    for state in (S.DRAFT, S.SELECTED, S.NOT_SELECTED, S.INADMISSIBLE, S.WITHDRAWN):
        other = _dossier_in(state)
        with pytest.raises(ApplicationError):
            dossier_services.dossier_withdraw(dossier=other, by=coordinator_of(other.structure), reason="x")


def test_a_draft_can_be_deleted_a_submitted_dossier_never(submitted, coordinator):
    draft = DossierFactory(complete=True, structure=submitted.structure, wave=submitted.wave)
    dossier_services.dossier_delete_draft(dossier=draft, by=coordinator)
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    with pytest.raises(ApplicationError):
        dossier_services.dossier_delete_draft(dossier=submitted, by=coordinator)
    assert Dossier.objects.filter(pk=submitted.pk).exists()


def test_transition_dates_default_to_now_and_accept_a_historical_date(submitted, instructor):
    moment = datetime.datetime(2025, 1, 16, 9, 30, tzinfo=PARIS)
    with time_machine.travel(datetime.datetime(2025, 2, 1, 12, 0, tzinfo=PARIS), tick=False):
        services.dossier_start_instruction(dossier=submitted, by=instructor, now=moment)
    assert submitted.transitions.get().at == moment
