"""The Celery task on the real Redis: a worker runs in this process, on this worktree's queue, against the test
database (committed data: ``transactional_db``)."""

import time

import pytest
from celery import signals
from django.db import connection, transaction

import funding.tasks
from funding.models import ComputationRun, Statement
from funding.periods import Period
from funding.services.statement_runs import computation_run_start
from funding.services.statements import lock_region_period
from portal.jobs import JobStatus
from portal.roles import Role
from tests.funding.statement_scenarios import GrantScenario
from tests.portal.factories import agent_of


@pytest.fixture
def redis_worker(celery_worker):
    return celery_worker


def _wait_until_finished(run: ComputationRun, timeout=40) -> ComputationRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.2)
    raise AssertionError(f"the run is still {run.status} after {timeout} s")


def test_the_task_is_importable_where_the_issue_says():
    assert funding.tasks.compute_statements.name == "funding.tasks.statements.compute_statements"
    assert funding.tasks.compute_statements.acks_late
    assert funding.tasks.compute_statements.max_retries == 5


def test_the_officer_button_queues_the_task_on_commit_and_a_worker_computes(redis_worker):
    scenario = GrantScenario()
    scenario.add("2025-03-01", 4)
    officer = agent_of(scenario.region, Role.FINANCE_OFFICER)
    with transaction.atomic():
        run = computation_run_start(region=scenario.region, period=Period(2025, 1), by=officer)
        # Nothing is sent before the commit: the worker could not read the run yet.
    run = _wait_until_finished(run)
    assert run.status == JobStatus.DONE, run.error
    assert run.task_id
    assert run.summary["statements"] == 1 and run.summary["total_amount"] == "100.00"
    assert scenario.statement("2025-H1").total_amount == 100


def test_the_task_is_idempotent(redis_worker):
    scenario = GrantScenario()
    scenario.add("2025-03-01", 2)
    first = funding.tasks.compute_statements.delay(scenario.region.code, "2025-H1")
    deadline = time.monotonic() + 40
    while not ComputationRun.objects.filter(status=JobStatus.DONE).exists():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    run = ComputationRun.objects.get()
    # The same run delivered again (acks_late after a lost worker) does nothing more.
    again = funding.tasks.compute_statements.delay(scenario.region.code, "2025-H1", run_id=run.pk)
    deadline = time.monotonic() + 20
    while ComputationRun.objects.get().task_id != again.id:
        assert time.monotonic() < deadline, "the second delivery never reached the worker"
        time.sleep(0.2)
    assert first.id != again.id
    assert ComputationRun.objects.count() == 1
    assert ComputationRun.objects.get().finished_at == run.finished_at
    assert Statement.objects.count() == 1


def test_a_database_error_is_retried_and_the_run_completes(redis_worker):
    """The worker's connections give up waiting for a lock after 300 ms: the run meets a real OperationalError
    while the test holds the region's lock, the task retries with backoff, and succeeds once the lock is free."""
    scenario = GrantScenario()
    scenario.add("2025-03-01", 3)
    officer = agent_of(scenario.region, Role.FINANCE_OFFICER)
    retries = []

    def on_retry(sender=None, reason=None, **kwargs):
        retries.append(str(reason))

    signals.task_retry.connect(on_retry, weak=False)
    options = connection.settings_dict.setdefault("OPTIONS", {})
    original = options.get("options", "")
    options["options"] = f"{original} -c lock_timeout=300"  # the last setting wins
    run = ComputationRun.objects.create(region=scenario.region, year=2025, half=1, requested_by=officer)
    try:
        with transaction.atomic():
            lock_region_period(region=scenario.region, period=Period(2025, 1))
            funding.tasks.compute_statements.delay(scenario.region.code, "2025-H1", run_id=run.pk)
            deadline = time.monotonic() + 20
            while not retries and time.monotonic() < deadline:
                time.sleep(0.1)
            assert retries, "the task did not retry while the lock was held"
            assert "lock timeout" in retries[0]
    finally:
        options["options"] = original
    run = _wait_until_finished(run)
    signals.task_retry.disconnect(on_retry)
    assert run.status == JobStatus.DONE, run.error
    assert scenario.statement("2025-H1").eligible_count == 3
