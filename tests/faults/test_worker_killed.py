"""A Celery worker's pool process killed (SIGKILL) in the middle of a computation or an import: with ``acks_late`` and
``reject_on_worker_lost`` the task goes back to the queue, the retried run finishes, and its result is the one of an
uninterrupted run (nothing lost, nothing counted twice).

The kill lands at a chosen point, not by luck: the test holds a row lock the task needs half-way through (a draft
statement it rewrites, the structure an import writes under), waits until the worker's backend waits on it, kills
the pool child, then releases the lock."""

import os
import signal

import psycopg
import pytest
from django.db import connection

import funding.tasks
from config.celery import app as celery_app
from funding.models import ComputationRun, InterventionEligibility, Statement
from portal.jobs import JobStatus
from portal.models import Structure
from portal.roles import Role
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from protocols.tasks.interventions import import_interventions_task
from tests.faults.services import pool_children, prefork_worker, wait_for, worker_log
from tests.funding.eligibility_world import build_world
from tests.funding.statement_scenarios import GrantScenario, compute, lines_of
from tests.portal.factories import agent_of
from tests.protocols.import_files import csv_bytes, row_for


@pytest.fixture
def worker(transactional_db):
    celery_app.conf.task_always_eager = False
    try:
        with prefork_worker() as process:
            wait_for(lambda: pool_children(process), timeout=60, message="the worker never started its pool")
            yield process
    finally:
        celery_app.conf.task_always_eager = True


def _lock_row(model, pk) -> psycopg.Connection:
    """Another session takes the row's lock and keeps it until ``rollback()``."""
    database = connection.settings_dict
    holder = psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=database["NAME"],
    )
    holder.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR UPDATE", [pk])
    return holder


def _kill_the_pool_child_once_it_waits_on_the_lock(process) -> None:
    def waiting():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                [connection.settings_dict["NAME"]],
            )
            return cursor.fetchone()[0]

    wait_for(waiting, timeout=60, message="the task never reached the locked row")
    (child,) = pool_children(process)
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: pool_children(process) and pool_children(process) != [child], message="no new pool child")


def _statement_snapshot(statement: Statement) -> tuple:
    statement.refresh_from_db()
    return (
        statement.eligible_count,
        statement.period_amount,
        statement.total_amount,
        statement.figures_digest,
        statement.computed_at,
        lines_of(statement),
    )


def test_compute_statements_killed_mid_write_finishes_like_an_uninterrupted_run(worker):
    scenario = GrantScenario()
    scenario.add("2025-02-01", 3)
    compute(scenario.region, "2025-H1")  # a draft the run will rewrite
    scenario.add("2025-03-01", 4)
    draft = scenario.statement("2025-H1")
    run = ComputationRun.objects.create(
        region=scenario.region, year=2025, half=1, requested_by=agent_of(scenario.region, Role.FINANCE_OFFICER)
    )
    holder = _lock_row(Statement, draft.pk)
    try:
        funding.tasks.compute_statements.delay(scenario.region.code, "2025-H1", run_id=run.pk)
        _kill_the_pool_child_once_it_waits_on_the_lock(worker)
    finally:
        holder.rollback()
        holder.close()
    run = wait_for(
        lambda: ComputationRun.objects.filter(pk=run.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]).first(),
        message="the retried run never finished",
    )
    assert run.status == JobStatus.DONE, (run.error, worker_log(worker))
    assert "SIGKILL" in worker_log(worker)  # the kill really hit the task
    after_retry = _statement_snapshot(draft)
    assert after_retry[:3] == (7, 175, 175)
    # An uninterrupted computation of the same data finds nothing to change: same figures, same lines, one draft.
    compute(scenario.region, "2025-H1")
    assert _statement_snapshot(draft) == after_retry
    assert Statement.objects.count() == 1 and ComputationRun.objects.count() == 1


def _import_rows(world, count: int) -> bytes:
    return csv_bytes([row_for(world, f"{1 + i % 28:02d}/04/2025", f"EP-{i}") for i in range(count)])


def _import_signature(batch: ImportBatch) -> tuple:
    batch.refresh_from_db()
    interventions = Intervention.objects.filter(structure=batch.structure)
    eligibility = InterventionEligibility.objects.filter(intervention__structure=batch.structure)
    return (
        batch.outcome,
        batch.rows_read,
        batch.created_count,
        batch.identical_count,
        batch.episode_repeat_count,
        sorted(interventions.values_list("performed_on", "episode_reference")),
        sorted(eligibility.values_list("is_eligible", "reason")),
    )


def test_an_import_killed_mid_task_finishes_like_an_uninterrupted_import(worker):
    rows = 400
    reference, interrupted = build_world(), build_world()
    uninterrupted = import_batch_run(
        batch_id=import_batch_create_from_bytes(
            structure=reference.structure,
            content=_import_rows(reference, rows),
            name="r.csv",
            by=reference.coordinator,
        ).pk
    )
    batch = import_batch_create_from_bytes(
        structure=interrupted.structure,
        content=_import_rows(interrupted, rows),
        name="r.csv",
        by=interrupted.coordinator,
    )
    holder = _lock_row(Structure, interrupted.structure.pk)
    try:
        import_interventions_task.delay(batch.pk)
        _kill_the_pool_child_once_it_waits_on_the_lock(worker)
    finally:
        holder.rollback()
        holder.close()
    wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]).exists(),
        message="the retried import never finished",
    )
    assert "SIGKILL" in worker_log(worker)
    expected, got = _import_signature(uninterrupted), _import_signature(batch)
    assert got[:5] == ("imported", rows, rows, 0, 0), worker_log(worker)
    assert got[1:5] == expected[1:5]
    assert got[6] == expected[6]
    assert [day for day, _ in got[5]] == [day for day, _ in expected[5]]
    assert Intervention.objects.filter(structure=interrupted.structure).count() == rows
