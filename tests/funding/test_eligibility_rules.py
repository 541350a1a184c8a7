"""Each eligibility rule at its date edges, and the order in which reasons are given."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from funding.models import ExclusionReason, InterventionEligibility
from funding.services.eligibility import RULES_IN_ORDER, recompute_eligibility
from protocols.models import MembershipStatus, Protocol, TeamRole
from tests.funding.eligibility_world import build_world
from tests.protocols.factories import SuspensionFactory, TeamMembershipFactory, TrainingFactory

D = datetime.date


@pytest.fixture
def world():
    return build_world()


def test_rules_are_listed_in_the_order_of_the_issue():
    assert [str(rule) for rule in RULES_IN_ORDER] == [
        "hors_subvention",
        "date_future",
        "protocole_non_declare",
        "protocole_suspendu",
        "protocole_termine",
        "delegue_hors_equipe",
        "delegue_non_forme",
        "delegant_hors_equipe",
        "doublon",
        "episode_deja_compte",
    ]
    assert [str(rule) for rule in RULES_IN_ORDER] == ExclusionReason.values


def test_an_intervention_that_passes_every_rule_is_eligible_with_its_grant(world):
    intervention = world.intervention(D(2025, 4, 15))
    assert world.recompute() == 1
    row = InterventionEligibility.objects.get(intervention=intervention)
    assert (row.is_eligible, row.reason, row.grant, row.performed_on) == (True, "", world.grant, D(2025, 4, 15))


# Rule 1 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 2, 28), "hors_subvention"),
        (D(2025, 3, 1), "eligible"),  # the grant's first day is included
        (D(2026, 6, 30), "eligible"),
    ],
)
def test_rule_1_grant_start(day, expected):
    # The declaration, the team and the training start before the grant here: only the grant decides.
    world = build_world(declared_on=D(2025, 1, 1), team_joined_on=D(2025, 1, 1), trained_on=D(2025, 1, 1))
    assert world.reason_on(day) == expected


def test_rule_1_grant_end_is_included():
    world = build_world(grant_ends_on=D(2025, 12, 31))
    assert world.reason_on(D(2025, 12, 31)) == "eligible"
    assert world.reason_on(D(2026, 1, 1)) == "hors_subvention"


def test_rule_1_no_grant_for_the_protocol():
    world = build_world(with_grant=False)
    intervention = world.intervention(D(2025, 4, 15))
    world.recompute()
    row = InterventionEligibility.objects.get(intervention=intervention)
    assert (row.is_eligible, row.reason, row.grant) == (False, "hors_subvention", None)


def test_rule_1_a_grant_of_another_structure_for_the_same_protocol_code_does_not_count(world):
    other = build_world(code=world.protocol.code)
    assert other.protocol.code == world.protocol.code
    intervention = world.intervention(D(2025, 4, 15))
    world.recompute()
    assert InterventionEligibility.objects.get(intervention=intervention).grant == world.grant


# Rule 2 ---------------------------------------------------------------------------------------------------------


def test_rule_2_date_in_the_future_today_is_fine(world):
    today = D(2025, 6, 1)
    on_today, tomorrow = world.intervention(today), world.intervention(D(2025, 6, 2))
    world.recompute(today=today)
    assert world.reason_of(on_today) == "eligible"
    assert world.reason_of(tomorrow) == "date_future"


@time_machine.travel(datetime.datetime(2025, 6, 1, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_rule_2_today_is_the_day_in_paris(world):
    # 23:30 UTC on 1 June is already 2 June in Paris: an intervention of 2 June is not in the future.
    assert world.reason_on(D(2025, 6, 2)) == "eligible"
    assert world.reason_on(D(2025, 6, 3)) == "date_future"


# Rule 3 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2025, 3, 31), "protocole_non_declare"), (D(2025, 4, 1), "eligible"), (D(2025, 4, 2), "eligible")],
)
def test_rule_3_declaration_deposited_on_or_before_the_date(day, expected):
    world = build_world(declared_on=D(2025, 4, 1))
    assert world.reason_on(day) == expected


def test_rule_3_no_declaration_at_all(world):
    world.protocol.declarations.all().delete()
    assert world.reason_on(D(2025, 4, 15)) == "protocole_non_declare"


def test_rule_3_the_first_deposit_counts_not_the_latest(world):
    world.protocol.declarations.create(
        version=2,
        reason="join",
        deposited_on=D(2025, 9, 1),
        in_force_on=D(2025, 9, 1),
        deposited_by=world.protocol.created_by,
    )
    assert world.reason_on(D(2025, 4, 15)) == "eligible"


# Rule 4 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 9, 30), "eligible"),
        (D(2025, 10, 1), "protocole_suspendu"),  # from the start date included
        (D(2025, 10, 15), "protocole_suspendu"),
        (D(2025, 10, 16), "eligible"),  # to the lift date excluded
    ],
)
def test_rule_4_suspension_window(world, day, expected):
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 10, 1), lifted_on=D(2025, 10, 16))
    assert world.reason_on(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 4, 30), "eligible"),
        (D(2025, 5, 1), "protocole_suspendu"),
        (D(2025, 5, 10), "eligible"),  # between two suspensions
        (D(2025, 10, 1), "protocole_suspendu"),
        (D(2025, 10, 16), "eligible"),
    ],
)
def test_rule_4_several_suspensions(world, day, expected):
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 5, 1), lifted_on=D(2025, 5, 10))
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 10, 1), lifted_on=D(2025, 10, 16))
    assert world.reason_on(day) == expected


def test_rule_4_a_suspension_not_lifted_covers_every_later_date(world):
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 10, 1))
    assert world.reason_on(D(2026, 5, 1)) == "protocole_suspendu"


def test_rule_4_a_suspension_of_another_protocol_does_not_count(world):
    other = build_world()
    SuspensionFactory(protocol=other.protocol, starts_on=D(2025, 10, 1))
    assert world.reason_on(D(2025, 10, 5)) == "eligible"


# Rule 5 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 4, 30), "delegue_hors_equipe"),
        (D(2025, 5, 1), "eligible"),  # joined_on included
        (D(2025, 8, 31), "eligible"),
        (D(2025, 9, 1), "delegue_hors_equipe"),  # left_on excluded
    ],
)
def test_rule_5_delegate_in_the_team_on_the_date(world, day, expected):
    delegate = world.add_delegate(joined_on=D(2025, 5, 1), trained_on=D(2025, 3, 1))
    delegate.team_memberships.update(left_on=D(2025, 9, 1))
    assert world.reason_on(day, delegate=delegate) == expected


def test_rule_5_an_invited_delegate_is_not_in_the_team(world):
    membership = TeamMembershipFactory(protocol=world.protocol, invited=True)
    assert world.reason_on(D(2025, 4, 15), delegate=membership.professional) == "delegue_hors_equipe"


def test_rule_5_a_delegant_is_not_a_delegate(world):
    assert world.reason_on(D(2025, 4, 15), delegate=world.delegant, delegant=world.delegate) == "delegue_hors_equipe"


def test_rule_5_the_team_of_another_protocol_does_not_count(world):
    other = build_world(structure=world.structure)
    assert world.reason_on(D(2025, 4, 15), delegate=other.delegate) == "delegue_hors_equipe"


def test_rule_5_a_delegate_who_left_and_came_back(world):
    membership = world.delegate_membership
    membership.left_on = D(2025, 6, 1)
    membership.save()
    TeamMembershipFactory(protocol=world.protocol, professional=world.delegate, joined_on=D(2025, 7, 1))
    assert world.reason_on(D(2025, 6, 15)) == "delegue_hors_equipe"
    assert world.reason_on(D(2025, 7, 1)) == "eligible"  # trained during the first membership: still trained


# Rule 6 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2025, 6, 30), "delegue_non_forme"), (D(2025, 7, 1), "eligible"), (D(2025, 7, 2), "eligible")],
)
def test_rule_6_training_completed_on_or_before_the_date(world, day, expected):
    delegate = world.add_delegate(trained_on=D(2025, 7, 1))
    assert world.reason_on(day, delegate=delegate) == expected


def test_rule_6_no_training_or_training_not_finished(world):
    untrained = world.add_delegate(trained_on=None)
    assert world.reason_on(D(2025, 4, 15), delegate=untrained) == "delegue_non_forme"
    unfinished = world.add_delegate(trained_on=None)
    TrainingFactory(membership=unfinished.team_memberships.get(), completed_on=None)
    assert world.reason_on(D(2025, 4, 16), delegate=unfinished) == "delegue_non_forme"


# Rule 7 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 5, 31), "delegant_hors_equipe"),
        (D(2025, 6, 1), "eligible"),
        (D(2025, 11, 30), "eligible"),
        (D(2025, 12, 1), "delegant_hors_equipe"),
    ],
)
def test_rule_7_delegant_in_the_team_on_the_date(world, day, expected):
    membership = TeamMembershipFactory(
        protocol=world.protocol, delegant=True, joined_on=D(2025, 6, 1), left_on=D(2025, 12, 1)
    )
    assert world.reason_on(day, delegant=membership.professional) == expected


def test_rule_7_a_delegate_is_not_a_delegant(world):
    other_delegate = world.add_delegate()
    assert world.reason_on(D(2025, 4, 15), delegant=other_delegate) == "delegant_hors_equipe"


def test_rule_7_a_declined_delegant_is_not_in_the_team(world):
    membership = TeamMembershipFactory(
        protocol=world.protocol, delegant=True, status=MembershipStatus.DECLINED, joined_on=None
    )
    assert membership.role == TeamRole.DELEGANT
    assert world.reason_on(D(2025, 4, 15), delegant=membership.professional) == "delegant_hors_equipe"


def test_rule_7_a_delegant_who_left_and_came_back(world):
    membership = world.delegant_membership
    membership.left_on = D(2025, 6, 1)
    membership.save()
    TeamMembershipFactory(
        protocol=world.protocol, professional=world.delegant, role=TeamRole.DELEGANT, joined_on=D(2025, 7, 1)
    )
    assert world.reason_on(D(2025, 5, 31)) == "eligible"
    assert world.reason_on(D(2025, 6, 1)) == "delegant_hors_equipe"
    assert world.reason_on(D(2025, 6, 30)) == "delegant_hors_equipe"
    assert world.reason_on(D(2025, 7, 1)) == "eligible"


# Rules 8 and 9: counting ---------------------------------------------------------------------------------------


def test_rule_8_per_intervention_another_date_of_the_episode_is_another_paid_intervention(world):
    # Seed 000: "25 € par intervention réalisée" — an HTA follow-up on another day is paid again.
    assert world.grant.counting_unit == "intervention"
    later = world.intervention(D(2025, 5, 10), episode_reference="EP-1")
    earlier = world.intervention(D(2025, 5, 2), episode_reference="EP-1", delegate=world.add_delegate())
    same_day_other_delegate = world.intervention(D(2025, 5, 2), episode_reference="EP-1")
    world.recompute()
    assert [world.reason_of(i) for i in (earlier, same_day_other_delegate, later)] == ["eligible"] * 3


def test_rule_8_the_same_act_reported_twice_is_stored_once(world):
    # Same structure, protocol, episode, date and delegate: the database refuses the second active copy, so the
    # engine never pays it (it would say ``doublon`` if it ever saw one).
    world.intervention(D(2025, 5, 2), episode_reference="EP-1")
    with transaction.atomic(), pytest.raises(IntegrityError):
        world.intervention(D(2025, 5, 2), episode_reference="EP-1")


@pytest.fixture
def per_patient():
    return build_world(counting_unit="patient")


def test_rule_9_per_patient_the_earliest_date_of_an_episode_wins(per_patient):
    world = per_patient
    later = world.intervention(D(2025, 5, 10), episode_reference="EP-1")
    earlier = world.intervention(D(2025, 5, 2), episode_reference="EP-1", delegate=world.add_delegate())
    world.recompute()
    assert world.reason_of(earlier) == "eligible"
    assert world.reason_of(later) == "episode_deja_compte"


def test_rule_9_per_patient_on_the_same_date_one_contact_is_paid(per_patient):
    world = per_patient
    first = world.intervention(D(2025, 5, 2), episode_reference="EP-1")
    second = world.intervention(D(2025, 5, 2), episode_reference="EP-1", delegate=world.add_delegate())
    third = world.intervention(D(2025, 5, 3), episode_reference="EP-1", delegate=world.add_delegate())
    world.recompute()
    assert [world.reason_of(i) for i in (first, second, third)] == [
        "eligible",
        "episode_deja_compte",
        "episode_deja_compte",
    ]


def test_rule_9_only_counted_contacts_use_up_the_episode(per_patient):
    # The earliest contact of the episode is excluded (delegate not trained yet): the next one earns the forfait.
    world = per_patient
    untrained = world.add_delegate(trained_on=D(2025, 6, 1))
    excluded = world.intervention(D(2025, 5, 2), episode_reference="EP-1", delegate=untrained)
    counted = world.intervention(D(2025, 5, 9), episode_reference="EP-1")
    repeat = world.intervention(D(2025, 5, 20), episode_reference="EP-1")
    world.recompute()
    assert [world.reason_of(i) for i in (excluded, counted, repeat)] == [
        "delegue_non_forme",
        "eligible",
        "episode_deja_compte",
    ]


@pytest.mark.parametrize("unit", ["intervention", "patient"])
def test_rules_8_9_episodes_are_per_structure_and_protocol(unit):
    world = build_world(counting_unit=unit)
    other_protocol = build_world(structure=world.structure, counting_unit=unit)
    other_structure = build_world(counting_unit=unit)
    mine = world.intervention(D(2025, 5, 2), episode_reference="EP-1")
    same_ref_other_protocol = other_protocol.intervention(D(2025, 5, 3), episode_reference="EP-1")
    same_ref_other_structure = other_structure.intervention(D(2025, 5, 4), episode_reference="EP-1")
    recompute_eligibility()
    assert world.reason_of(mine) == "eligible"
    assert world.reason_of(same_ref_other_protocol) == "eligible"
    assert world.reason_of(same_ref_other_structure) == "eligible"


@pytest.mark.parametrize("unit", ["intervention", "patient"])
def test_a_second_contact_never_earns_a_second_payment(unit):
    world = build_world(counting_unit=unit)
    intervention = world.intervention(D(2025, 5, 2), second_contact_on=D(2025, 5, 3))
    world.recompute()
    assert (
        InterventionEligibility.objects.filter(intervention__episode_reference=intervention.episode_reference).count()
        == 1
    )


# Order of the reasons -------------------------------------------------------------------------------------------


def _break_rules_from(world, first_broken: int):
    """Make every rule from ``first_broken`` (1-based) to 8 fail for an intervention of 2025-10-05; return it."""
    day = D(2025, 10, 5)
    delegate, delegant = world.delegate, world.delegant
    today = D(2025, 12, 31)
    if first_broken <= 1:
        world.grant.ends_on = D(2025, 9, 30)
        world.grant.save()
    if first_broken <= 2:
        today = D(2025, 10, 1)
    if first_broken <= 3:
        world.protocol.declarations.update(deposited_on=D(2025, 11, 1), in_force_on=D(2025, 11, 1))
    if first_broken <= 4:
        SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 10, 1))
    if first_broken <= 5:
        # Ended on the 4th, after the grant's end of rule 1: the grant ran out first, so rule 1 still speaks there.
        Protocol.objects.filter(pk=world.protocol.pk).update(status="ended", ended_on=D(2025, 10, 4))
    if first_broken <= 7:
        world.delegate_membership.training.completed_on = D(2025, 11, 1)
        world.delegate_membership.training.save()
    if first_broken <= 6:
        world.delegate_membership.joined_on = D(2025, 10, 6)
        world.delegate_membership.save()
    if first_broken <= 8:
        world.delegant_membership.joined_on = D(2025, 10, 6)
        world.delegant_membership.save()
    intervention = world.intervention(day, delegate=delegate, delegant=delegant)
    world.recompute(today=today)
    return intervention


@pytest.mark.parametrize("first_broken", range(1, 9))
def test_the_reason_is_the_first_failing_rule(first_broken):
    world = build_world()
    intervention = _break_rules_from(world, first_broken)
    assert world.reason_of(intervention) == RULES_IN_ORDER[first_broken - 1]


@pytest.mark.parametrize("unit", ["intervention", "patient"])
def test_a_repeat_that_also_breaks_a_rule_gives_the_rule(unit):
    world = build_world(counting_unit=unit)
    world.intervention(D(2025, 5, 2), episode_reference="EP-1")
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 5, 5), lifted_on=D(2025, 5, 6))
    suspended_repeat = world.intervention(D(2025, 5, 5), episode_reference="EP-1")
    world.recompute()
    assert world.reason_of(suspended_repeat) == "protocole_suspendu"
