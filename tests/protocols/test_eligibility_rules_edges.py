"""The protocol's eligibility rules (``protocols.eligibility_rules``) at the edges of every date: the day before, the
day of and the day after a join, a leave, a training completion, a declaration, a suspension and its lifting. These
are the conditions the funding engine excludes with; ``tests/funding/test_eligibility_agreement.py`` runs the same
cases through the engine."""

import pytest

from protocols import selectors
from protocols.eligibility_rules import CODES, rules_failed
from protocols.models import Protocol, TeamMembership
from tests.protocols.conftest import D
from tests.protocols.factories import (
    DeclarationFactory,
    ProtocolFactory,
    SuspensionFactory,
    TeamMembershipFactory,
    TrainingFactory,
)

TODAY = D(2026, 6, 1)


@pytest.fixture
def story(db):
    """A protocol declared on 1 March; a delegate joined 1 April, trained 15 April, left 1 July; a delegant from
    1 March; a suspension [1 Oct, 16 Oct)."""
    protocol = ProtocolFactory(declared=True)
    DeclarationFactory(protocol=protocol, version=1, deposited_on=D(2025, 3, 1))
    delegant = TeamMembershipFactory(protocol=protocol, delegant=True, joined_on=D(2025, 3, 1))
    delegate = TeamMembershipFactory(protocol=protocol, joined_on=D(2025, 4, 1), left_on=D(2025, 7, 1))
    TrainingFactory(membership=delegate, completed_on=D(2025, 4, 15))
    SuspensionFactory(protocol=protocol, starts_on=D(2025, 10, 1), lifted_on=D(2025, 10, 16))
    return protocol, delegant.professional, delegate.professional


def _failed(protocol, delegate, delegant, day, today=TODAY) -> tuple[str, ...]:
    return rules_failed(
        protocol_id=protocol.pk,
        performed_on=day,
        delegate_id=delegate.pk,
        delegant_id=delegant.pk if delegant else None,
        today=today,
    ).failed


def test_the_rules_are_the_engines_codes_in_its_order():
    assert CODES == (
        "date_future",
        "protocole_non_declare",
        "protocole_suspendu",
        "protocole_termine",
        "delegue_hors_equipe",
        "delegue_non_forme",
        "delegant_hors_equipe",
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 3, 31), ("delegue_hors_equipe", "delegue_non_forme")),  # the day before joining
        (D(2025, 4, 1), ("delegue_non_forme",)),  # joined, not trained yet
        (D(2025, 4, 14), ("delegue_non_forme",)),
        (D(2025, 4, 15), ()),  # training completed that day
        (D(2025, 6, 30), ()),  # last day in the team
        (D(2025, 7, 1), ("delegue_hors_equipe",)),  # the departure day is excluded
    ],
)
def test_delegate_join_training_and_leave_edges(story, day, expected):
    protocol, delegant, delegate = story
    assert _failed(protocol, delegate, delegant, day) == expected


def test_a_delegant_is_not_a_delegate_and_has_his_own_dates(story):
    protocol, delegant, delegate = story
    assert "delegant_hors_equipe" not in _failed(protocol, delegate, delegant, D(2025, 4, 15))
    assert "delegant_hors_equipe" in _failed(protocol, delegate, delegant, D(2025, 2, 28))
    assert "delegue_hors_equipe" in _failed(protocol, delegant, delegate, D(2025, 5, 1))
    assert "delegant_hors_equipe" in _failed(protocol, delegant, delegate, D(2025, 5, 1))
    assert "delegant_hors_equipe" in _failed(protocol, delegate, None, D(2025, 5, 1))


@pytest.mark.parametrize(("day", "expected"), [(D(2025, 2, 28), True), (D(2025, 3, 1), False), (D(2025, 3, 2), False)])
def test_declared_on_edges(story, day, expected):
    protocol, delegant, delegate = story
    assert ("protocole_non_declare" in _failed(protocol, delegate, delegant, day)) is expected


def test_not_declared_at_all(db):
    protocol = ProtocolFactory()
    delegate = TeamMembershipFactory(protocol=protocol, joined_on=D(2025, 1, 1))
    assert "protocole_non_declare" in _failed(protocol, delegate.professional, None, D(2025, 6, 1))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 9, 30), False),
        (D(2025, 10, 1), True),  # first suspended day
        (D(2025, 10, 15), True),
        (D(2025, 10, 16), False),  # the day of lifting is no longer suspended
    ],
)
def test_suspension_edges(story, day, expected):
    protocol, delegant, delegate = story
    assert ("protocole_suspendu" in _failed(protocol, delegate, delegant, day)) is expected
    assert (selectors.suspension_on(protocol, day) is not None) is expected


def test_several_suspensions_and_an_open_one(story):
    protocol, delegant, delegate = story
    SuspensionFactory(protocol=protocol, starts_on=D(2025, 12, 1))
    assert "protocole_suspendu" in _failed(protocol, delegate, delegant, D(2025, 10, 1))
    assert "protocole_suspendu" not in _failed(protocol, delegate, delegant, D(2025, 11, 30))
    assert "protocole_suspendu" in _failed(protocol, delegate, delegant, D(2026, 5, 1))


def test_a_member_who_left_and_came_back(story):
    protocol, delegant, delegate = story
    again = TeamMembershipFactory(
        protocol=protocol, professional=delegate, joined_on=D(2025, 9, 1), left_on=None, status="accepted"
    )
    TrainingFactory(membership=again, completed_on=D(2025, 9, 1))
    assert "delegue_hors_equipe" in _failed(protocol, delegate, delegant, D(2025, 8, 31))
    assert _failed(protocol, delegate, delegant, D(2025, 9, 1)) == ()


def test_date_future_edges(story):
    protocol, delegant, delegate = story
    assert "date_future" not in _failed(protocol, delegate, delegant, D(2025, 5, 1), today=D(2025, 5, 1))
    assert "date_future" in _failed(protocol, delegate, delegant, D(2025, 5, 2), today=D(2025, 5, 1))


def test_the_check_of_one_intervention_is_one_query(story, django_assert_num_queries):
    protocol, delegant, delegate = story
    with django_assert_num_queries(1):
        _failed(protocol, delegate, delegant, D(2025, 5, 1))


def test_declaration_in_force_on(story):
    protocol, _delegant, _delegate = story
    DeclarationFactory(protocol=protocol, version=2, deposited_on=D(2025, 5, 1))
    assert selectors.declaration_in_force_on(protocol, D(2025, 4, 30)).version == 1
    assert selectors.declaration_in_force_on(protocol, D(2025, 5, 1)).version == 2
    assert selectors.declaration_in_force_on(protocol, D(2025, 2, 1)) is None


def test_active_on_queryset_matches_the_model_method(story):
    protocol, _delegant, _delegate = story
    for day in (D(2025, 3, 31), D(2025, 4, 1), D(2025, 7, 1)):
        expected = {m.pk for m in TeamMembership.objects.filter(protocol=protocol) if m.is_active_on(day)}
        assert (
            set(TeamMembership.objects.filter(protocol=protocol).active_on(day).values_list("pk", flat=True))
            == expected
        )
    assert Protocol.objects.count() == 1
