"""The reads eligibility relies on, at the edges of every date: the day before, the day of and the day after a join,
a leave, a training completion, a declaration, a suspension and its lifting."""

import pytest
from django.db import connection
from django.db.models import OuterRef
from django.test.utils import CaptureQueriesContext

from protocols import selectors
from protocols.models import Intervention, Protocol, TeamMembership
from tests.protocols.conftest import D
from tests.protocols.factories import (
    DeclarationFactory,
    InterventionFactory,
    ProtocolFactory,
    SuspensionFactory,
    TeamMembershipFactory,
    TrainingFactory,
)


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


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 4, 14), False),  # in the team, not trained yet
        (D(2025, 4, 15), True),  # training completed that day
        (D(2025, 4, 16), True),
        (D(2025, 6, 30), True),  # last day in the team
        (D(2025, 7, 1), False),  # the departure day is excluded
    ],
)
def test_trained_delegate_edges(story, day, expected):
    protocol, _delegant, delegate = story
    assert selectors.is_trained_delegate_on(protocol=protocol, professional=delegate, day=day) is expected
    assert (protocol in selectors.protocols_active_for_delegate(delegate, day)) is expected


@pytest.mark.parametrize(("day", "expected"), [(D(2025, 3, 31), False), (D(2025, 4, 1), True), (D(2025, 4, 2), True)])
def test_team_on_join_edges(story, day, expected):
    protocol, _delegant, delegate = story
    assert selectors.team_on(protocol, day).filter(professional=delegate).exists() is expected


def test_a_delegant_is_not_a_delegate(story):
    protocol, delegant, _delegate = story
    assert selectors.is_delegant_on(protocol=protocol, professional=delegant, day=D(2025, 3, 1))
    assert not selectors.is_delegant_on(protocol=protocol, professional=delegant, day=D(2025, 2, 28))
    assert not selectors.is_trained_delegate_on(protocol=protocol, professional=delegant, day=D(2025, 5, 1))


@pytest.mark.parametrize(("day", "expected"), [(D(2025, 2, 28), False), (D(2025, 3, 1), True), (D(2025, 3, 2), True)])
def test_declared_on_edges(story, day, expected):
    protocol, _delegant, _delegate = story
    assert selectors.is_declared_on(protocol, day) is expected


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
    protocol, _delegant, _delegate = story
    assert selectors.is_suspended_on(protocol, day) is expected
    assert (selectors.suspension_on(protocol, day) is not None) is expected
    assert (protocol in selectors.protocols_in_force_on(day)) is (not expected)


def test_suspension_windows_and_open_suspensions(story):
    protocol, _delegant, _delegate = story
    SuspensionFactory(protocol=protocol, starts_on=D(2025, 12, 1))
    assert selectors.suspension_windows(protocol) == [(D(2025, 10, 1), D(2025, 10, 16)), (D(2025, 12, 1), None)]
    assert selectors.is_suspended_on(protocol, D(2030, 1, 1))


def test_not_declared_means_not_in_force(db):
    protocol = ProtocolFactory()
    assert protocol not in selectors.protocols_in_force_on(D(2025, 6, 1))


def test_was_x_a_trained_delegate_is_one_query(story, django_assert_num_queries):
    protocol, _delegant, delegate = story
    with django_assert_num_queries(1):
        selectors.is_trained_delegate_on(protocol=protocol.pk, professional=delegate.pk, day=D(2025, 5, 1))


def test_the_team_query_uses_the_team_on_date_index(story):
    """With sequential scans off, PostgreSQL answers "was X a delegate of P on d" from team_on_date_idx."""
    protocol, _delegant, delegate = story
    queryset = selectors.team_on(protocol, D(2025, 5, 1)).filter(professional=delegate, role="delegate")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "team_on_date_idx" in plan


def test_set_based_helpers_on_interventions(story):
    """The Exists helpers let eligibility decide over a whole set of interventions in one query."""
    protocol, delegant, delegate = story
    on = {
        "before_training": InterventionFactory(
            protocol=protocol, delegate=delegate, delegant=delegant, performed_on=D(2025, 4, 14)
        ),
        "trained": InterventionFactory(
            protocol=protocol, delegate=delegate, delegant=delegant, performed_on=D(2025, 4, 15)
        ),
        "left": InterventionFactory(
            protocol=protocol, delegate=delegate, delegant=delegant, performed_on=D(2025, 7, 1)
        ),
        "suspended": InterventionFactory(
            protocol=protocol, delegate=delegate, delegant=delegant, performed_on=D(2025, 10, 15)
        ),
    }
    day, protocol_ref = OuterRef("performed_on"), OuterRef("protocol_id")
    rows = Intervention.objects.filter(pk__in=[i.pk for i in on.values()]).annotate(
        declared=selectors.declared_exists(protocol=protocol_ref, day=day),
        suspended=selectors.suspended_exists(protocol=protocol_ref, day=day),
        trained_delegate=selectors.member_exists(
            protocol=protocol_ref, professional=OuterRef("delegate_id"), day=day, role="delegate", trained=True
        ),
        delegant_in_team=selectors.member_exists(
            protocol=protocol_ref, professional=OuterRef("delegant_id"), day=day, role="delegant"
        ),
    )
    with CaptureQueriesContext(connection) as queries:
        result = {row.pk: (row.declared, row.suspended, row.trained_delegate, row.delegant_in_team) for row in rows}
    assert len(queries) == 1
    assert result[on["before_training"].pk] == (True, False, False, True)
    assert result[on["trained"].pk] == (True, False, True, True)
    assert result[on["left"].pk] == (True, False, False, True)
    assert result[on["suspended"].pk] == (True, True, False, True)


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


def test_protocols_active_for_delegate_ignores_delegant_roles(db):
    membership = TeamMembershipFactory(delegant=True, joined_on=D(2025, 1, 1))
    assert not selectors.protocols_active_for_delegate(membership.professional, D(2025, 6, 1)).exists()
    assert Protocol.objects.count() == 1
