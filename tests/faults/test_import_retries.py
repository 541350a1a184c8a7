"""An import whose worker dies every time (as a file too heavy for the worker's memory would make it: the kernel
kills the pool child) is delivered again a bounded number of times, then failed with a message for the coordinator:
it never loops. A real prefork worker on Redis and PostgreSQL; the kills land at chosen points (each delivery is
counted on the batch before any work, and the structure's row, locked by the test, keeps the task from finishing)."""

import os
import signal

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from portal.jobs import JobStatus
from portal.models import Structure
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes
from protocols.tasks.interventions import import_interventions_task
from tests.faults.services import pool_children, prefork_worker, wait_for, worker_log
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for

MAX_ATTEMPTS = 2


@pytest.fixture
def worker(transactional_db):
    celery_app.conf.task_always_eager = False
    try:
        with prefork_worker(IMPORT_MAX_ATTEMPTS=str(MAX_ATTEMPTS)) as process:
            wait_for(lambda: pool_children(process), timeout=60, message="the worker never started its pool")
            yield process
    finally:
        celery_app.conf.task_always_eager = True


def _lock_row(model, pk) -> psycopg.Connection:
    database = connection.settings_dict
    holder = psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=database["NAME"],
    )
    holder.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR UPDATE", [pk])
    return holder


def _attempts(batch) -> int:
    return ImportBatch.objects.filter(pk=batch.pk).values_list("attempts", flat=True).first()


def _still_held_by_the_broker(task_id: str) -> bool:
    """The task's message is still queued, or delivered and not acknowledged (kombu's ``unacked`` hash)."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queued = broker.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)
    unacked = broker.hvals("unacked")
    return any(task_id in message.decode() for message in [*queued, *unacked])


def test_an_import_killed_at_every_run_is_failed_after_its_attempts_and_never_loops(worker):
    world = build_world()
    content = csv_bytes([row_for(world, f"{1 + i % 28:02d}/04/2025", f"EP-{i}") for i in range(50)])
    batch = import_batch_create_from_bytes(
        structure=world.structure, content=content, name="r.csv", by=world.coordinator
    )
    holder = _lock_row(Structure, world.structure.pk)
    try:
        result = import_interventions_task.delay(batch.pk)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            # The delivery is counted before any work; the task cannot finish while the test holds the lock.
            wait_for(lambda n=attempt: _attempts(batch) == n, message=f"delivery {attempt} never started")
            (child,) = pool_children(worker)
            os.kill(child, signal.SIGKILL)
            wait_for(lambda c=child: pool_children(worker) and pool_children(worker) != [c], message="no new child")
        batch = wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, status=JobStatus.FAILED).first(),
            message="the batch was never failed",
        )
    finally:
        holder.rollback()
        holder.close()
    assert "SIGKILL" in worker_log(worker)
    assert batch.attempts == MAX_ATTEMPTS + 1  # the two killed runs, and the delivery that gave up
    assert f"interrompu {MAX_ATTEMPTS} fois" in batch.error and "rien n'a été enregistré" in batch.error
    assert batch.outcome == ImportBatch.Outcome.PENDING and not Intervention.objects.exists()
    # The last delivery was acknowledged: nothing left in Redis to deliver the task again.
    wait_for(lambda: not _still_held_by_the_broker(result.id), message="the broker still holds the task")
    assert _attempts(batch) == MAX_ATTEMPTS + 1
