"""When and how far eligibility is recomputed: scopes, ``since``, idempotence, signals, the nightly refresh."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import InterventionEligibility
from funding.services.eligibility import eligibility_refresh_due, recompute_eligibility
from funding.tasks.eligibility import eligibility_refresh_due_task, recompute_eligibility_task
from protocols.signals import eligibility_inputs_changed
from tests.funding.eligibility_world import build_world
from tests.portal.factories import RegionFactory, StructureFactory

D = datetime.date


@pytest.fixture
def world():
    return build_world()


def test_recomputing_twice_writes_nothing_the_second_time(world):
    for day in range(1, 11):
        world.intervention(D(2025, 4, day))
    assert world.recompute() == 10
    assert world.recompute() == 0
    computed_at = set(InterventionEligibility.objects.values_list("computed_at", flat=True))
    world.recompute()
    assert set(InterventionEligibility.objects.values_list("computed_at", flat=True)) == computed_at


def test_the_whole_set_is_computed_in_a_constant_number_of_statements(world):
    for day in range(1, 29):
        world.intervention(D(2025, 4, day))
    with CaptureQueriesContext(connection) as queries:
        world.recompute()
    # savepoint, read and set the session settings, lock the structures, delete the cancelled, upsert, restore, release
    assert len(queries) == 8


def test_scopes_protocol_structure_region():
    paca, cvl = RegionFactory(code="PACA"), RegionFactory(code="CVL")
    a = build_world(structure=StructureFactory(region=paca))
    b = build_world(structure=StructureFactory(region=paca))
    c = build_world(structure=StructureFactory(region=cvl))
    interventions = {name: w.intervention(D(2025, 4, 15)) for name, w in (("a", a), ("b", b), ("c", c))}

    def computed():
        ids = set(InterventionEligibility.objects.values_list("intervention_id", flat=True))
        return {name for name, i in interventions.items() if i.pk in ids}

    assert recompute_eligibility(protocol_ids=[a.protocol.pk]) == 1 and computed() == {"a"}
    assert recompute_eligibility(structure_ids=[b.structure.pk]) == 1 and computed() == {"a", "b"}
    assert recompute_eligibility(region_ids=[cvl.pk]) == 1 and computed() == {"a", "b", "c"}
    assert recompute_eligibility(protocol_ids=[]) == 0
    InterventionEligibility.objects.all().delete()
    assert recompute_eligibility() == 3


def test_since_leaves_earlier_rows_untouched_and_repeats_stay_right():
    world = build_world(counting_unit="patient")
    early = world.intervention(D(2025, 4, 1), episode_reference="EP-1")
    late = world.intervention(D(2025, 6, 1), episode_reference="EP-1")
    world.recompute()
    assert world.reason_of(late) == "episode_deja_compte"
    InterventionEligibility.objects.filter(intervention=early).update(reason="hors_subvention", is_eligible=False)
    world.recompute(since=D(2025, 5, 1))
    assert world.reason_of(early) == "hors_subvention"  # not rewritten: before `since`
    assert world.reason_of(late) == "episode_deja_compte"  # still sees the earlier row of its episode


def test_a_team_change_signalled_by_the_protocols_layer_is_reflected(world):
    intervention = world.intervention(D(2025, 6, 15))
    world.recompute()
    assert world.reason_of(intervention) == "eligible"
    world.delegate_membership.left_on = D(2025, 6, 1)
    world.delegate_membership.save()
    eligibility_inputs_changed.send(sender=None, protocol_id=world.protocol.pk, since=D(2025, 6, 1))
    assert world.reason_of(intervention) == "delegue_hors_equipe"


def test_a_training_date_signalled_is_reflected(world):
    intervention = world.intervention(D(2025, 3, 12))
    world.recompute()
    training = world.delegate_membership.training
    training.completed_on = D(2025, 3, 20)
    training.save()
    eligibility_inputs_changed.send(sender=None, protocol_id=world.protocol.pk, since=None)
    assert world.reason_of(intervention) == "delegue_non_forme"


def test_a_grant_change_is_reflected_through_the_public_function(world):
    intervention = world.intervention(D(2025, 3, 12))
    world.recompute()
    world.grant.starts_on = D(2025, 4, 1)
    world.grant.save()
    recompute_eligibility(structure_ids=[world.grant.structure_id])
    row = InterventionEligibility.objects.get(intervention=intervention)
    assert (row.reason, row.grant) == ("hors_subvention", world.grant)


def test_the_task_recomputes_a_region(world):
    world.intervention(D(2025, 4, 15))
    assert recompute_eligibility_task.delay(region_ids=[world.structure.region_id]).get() == 1


def test_the_nightly_refresh_counts_interventions_whose_date_has_come(world):
    intervention = world.intervention(D(2025, 6, 10))
    world.recompute(today=D(2025, 6, 1))
    assert world.reason_of(intervention) == "date_future"
    assert eligibility_refresh_due(today=D(2025, 6, 9)) == 0
    assert world.reason_of(intervention) == "date_future"
    assert eligibility_refresh_due(today=D(2025, 6, 10)) == 1
    assert world.reason_of(intervention) == "eligible"


def test_the_nightly_refresh_fills_missing_rows(world):
    intervention = world.intervention(D(2025, 6, 10))
    with time_machine.travel(datetime.datetime(2025, 7, 1, 3, 15, tzinfo=datetime.UTC)):
        assert eligibility_refresh_due_task.delay().get() == 1
    assert world.reason_of(intervention) == "eligible"
