"""Two computations at once, on two real PostgreSQL connections (threads), give one set of drafts."""

import threading
import time

import pytest
from django.db import connection, transaction

from funding.models import ComputationRun, Statement, StatementLine
from funding.periods import Period
from funding.services.statement_runs import computation_run_execute
from funding.services.statements import lock_region_period
from portal.jobs import JobStatus
from tests.funding.statement_scenarios import GrantScenario, compute


def _in_thread(target, errors):
    def run():
        try:
            target()
        except Exception as error:  # reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def region_with_two_grants(transactional_db):
    first = GrantScenario()
    second = GrantScenario(dossier__structure__region=first.region)
    first.add("2025-03-01", 12)
    second.add("2025-04-01", 7)
    second.add("2025-04-02", 2, eligible=False)
    return first.region


def test_two_runs_started_together_produce_one_set_of_drafts(region_with_two_grants):
    region = region_with_two_grants
    runs = [ComputationRun.objects.create(region=region, year=2025, half=1) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def execute(run):
        def target():
            barrier.wait(timeout=10)
            computation_run_execute(run=ComputationRun.objects.select_related("region").get(pk=run.pk))

        return target

    threads = [_in_thread(execute(run), errors) for run in runs]
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert Statement.objects.filter(grant__structure__region=region).count() == 2
    assert StatementLine.objects.filter(statement__grant__structure__region=region).count() == 2
    runs = [ComputationRun.objects.get(pk=run.pk) for run in runs]
    assert [run.status for run in runs] == [JobStatus.DONE, JobStatus.DONE]
    assert runs[0].result_digest == runs[1].result_digest != ""
    assert sorted(Statement.objects.values_list("eligible_count", "excluded_count")) == [(7, 2), (12, 0)]


def test_a_second_computation_waits_for_the_lock_of_the_first(region_with_two_grants):
    region = region_with_two_grants
    errors = []
    with transaction.atomic():
        lock_region_period(region=region, period=Period(2025, 1))
        thread = _in_thread(lambda: compute(region, "2025-H1"), errors)
        deadline = time.monotonic() + 10
        while not _someone_waits_for_an_advisory_lock():
            assert time.monotonic() < deadline, "the second computation never waited for the lock"
            time.sleep(0.05)
        assert thread.is_alive()
        assert not Statement.objects.exists()
    thread.join(timeout=30)
    assert not errors, errors
    assert Statement.objects.count() == 2


def test_another_period_is_not_blocked(region_with_two_grants):
    region = region_with_two_grants
    errors = []
    with transaction.atomic():
        lock_region_period(region=region, period=Period(2025, 1))
        thread = _in_thread(lambda: compute(region, "2025-H2"), errors)
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert not errors, errors
    assert set(Statement.objects.values_list("half", flat=True)) == {2}


def _someone_waits_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0] > 0
