"""The monthly counts of interventions (``InterventionMonthlyCount``) stay equal to a fresh ``GROUP BY`` of the
interventions and their eligibility after every write path: a form's log, edit and cancellation, a deletion, an
import (COPY), a team change and a suspension (eligibility recomputed), and raw SQL; the rebuild and its command."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from funding.models import InterventionEligibility, InterventionMonthlyCount
from funding.services.monthly_counts import monthly_counts_drift, monthly_counts_rebuild
from portal.roles import Role
from protocols.models import ImportBatch, Intervention
from protocols.services import interventions as intervention_services
from protocols.services import vigilance as vigilance_services
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from protocols.signals import eligibility_inputs_changed
from tests.funding.eligibility_world import build_world
from tests.portal.factories import RegionFactory, StructureFactory, agent_of
from tests.protocols.import_files import csv_bytes, row_for

D = datetime.date


def counts(world) -> dict:
    """{(month, outcome): interventions} of the world's protocol; outcome: ``eligible``, a reason or ``pending``."""
    rows = InterventionMonthlyCount.objects.filter(protocol=world.protocol)
    return {
        (row.month, "pending" if row.is_eligible is None else row.reason or "eligible"): row.interventions
        for row in rows
    }


def assert_exact():
    assert monthly_counts_drift() == []
    assert not InterventionMonthlyCount.objects.filter(interventions=0).exists()  # emptied rows are removed


def test_counts_follow_every_write_path(django_capture_on_commit_callbacks):
    world = build_world()
    other = build_world(structure=StructureFactory(region=RegionFactory(code="CVL")))
    by = world.delegate.user

    # A form's log: counted at once, eligibility computed in the same transaction.
    with django_capture_on_commit_callbacks(execute=True):
        logged = intervention_services.intervention_log(
            by=by, protocol=world.protocol, performed_on=D(2025, 4, 2), delegant=world.delegant, episode_reference="A"
        )
    assert counts(world) == {(D(2025, 4, 1), "eligible"): 1}
    assert_exact()

    # Rows written without their eligibility (a factory, as raw SQL would) are "not computed yet", then computed.
    for day in (3, 4, 5):
        world.intervention(D(2025, 4, day), episode_reference=f"B{day}")
    other.intervention(D(2025, 4, 3))
    assert counts(world)[(D(2025, 4, 1), "pending")] == 3
    assert_exact()
    world.recompute()
    other.recompute()
    assert counts(world) == {(D(2025, 4, 1), "eligible"): 4}
    assert_exact()

    # An edit moves the intervention to another month.
    with django_capture_on_commit_callbacks(execute=True):
        intervention_services.intervention_update(
            intervention=logged, by=by, performed_on=D(2025, 5, 6), delegant=world.delegant, episode_reference="A"
        )
    assert counts(world) == {(D(2025, 4, 1), "eligible"): 3, (D(2025, 5, 1), "eligible"): 1}
    assert_exact()

    # A cancellation and a deletion take it out.
    with django_capture_on_commit_callbacks(execute=True):
        intervention_services.intervention_cancel(intervention=logged, by=by)
    assert counts(world) == {(D(2025, 4, 1), "eligible"): 3}
    assert_exact()
    Intervention.objects.filter(episode_reference="B5").get().delete()
    assert counts(world) == {(D(2025, 4, 1), "eligible"): 2}
    assert_exact()

    # An import (COPY, then the protocol's eligibility in the same transaction); one row before the training.
    rows = [row_for(world, f"{day:02d}/06/2025", f"IMP-{day}") for day in range(1, 11)]
    rows.append(row_for(world, "05/03/2025", "IMP-EARLY"))
    batch = import_batch_create_from_bytes(
        structure=world.structure, content=csv_bytes(rows), name="t.csv", by=world.coordinator
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_run(batch_id=batch.pk)
    assert batch.outcome == ImportBatch.Outcome.IMPORTED
    assert counts(world)[(D(2025, 6, 1), "eligible")] == 10
    assert counts(world)[(D(2025, 3, 1), "delegue_non_forme")] == 1
    assert_exact()

    # A team change: the delegant leaves on 5 June, the later rows become excluded (the protocols layer announces it,
    # the funding layer recomputes the protocol's eligibility in the same transaction).
    world.delegant_membership.left_on = D(2025, 6, 5)
    world.delegant_membership.save()
    eligibility_inputs_changed.send(sender=None, protocol_id=world.protocol.pk, since=D(2025, 6, 5))
    assert counts(world)[(D(2025, 6, 1), "eligible")] == 4
    assert counts(world)[(D(2025, 6, 1), "delegant_hors_equipe")] == 6
    assert_exact()

    # A suspension from 1 April: April's rows are excluded for it (the first failing rule).
    instructor = agent_of(world.structure.region, Role.INSTRUCTOR)
    with django_capture_on_commit_callbacks(execute=True):
        vigilance_services.protocol_suspend(
            protocol=world.protocol, by=instructor, starts_on=D(2025, 4, 1), reason="Événement indésirable grave"
        )
    assert counts(world)[(D(2025, 4, 1), "protocole_suspendu")] == 2
    assert (D(2025, 4, 1), "eligible") not in counts(world)
    assert_exact()

    # Any reason code is a key (no column per reason): a code the engine does not know yet is counted as well.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {InterventionEligibility._meta.db_table} SET is_eligible = FALSE, reason = 'protocole_termine' "
            "WHERE intervention_id IN (SELECT id FROM protocols_intervention WHERE episode_reference = 'IMP-1')"
        )
    assert counts(world)[(D(2025, 6, 1), "protocole_termine")] == 1
    assert_exact()

    # The other region was never touched by all this.
    assert counts(other) == {(D(2025, 4, 1), "eligible"): 1}


def test_rebuild_repairs_a_drift_and_keeps_other_regions():
    world = build_world()
    other = build_world(structure=StructureFactory(region=RegionFactory(code="CVL")))
    for day in (1, 2):
        world.intervention(D(2025, 4, day))
        other.intervention(D(2025, 4, day))
    world.recompute()
    InterventionMonthlyCount.objects.filter(protocol=world.protocol).update(interventions=7)
    InterventionMonthlyCount.objects.filter(protocol=other.protocol).update(interventions=9)
    assert len(monthly_counts_drift()) == 2
    with pytest.raises(CommandError, match="diffèrent"):
        call_command("rebuild_monthly_counts", "--check")

    monthly_counts_rebuild(region_ids=[world.structure.region_id])
    assert monthly_counts_drift(region_ids=[world.structure.region_id]) == []
    assert counts(other) == {(D(2025, 4, 1), "pending"): 9}  # left alone

    call_command("rebuild_monthly_counts", "--region", "CVL")
    call_command("rebuild_monthly_counts", "--check")
    assert counts(other) == {(D(2025, 4, 1), "pending"): 2}
