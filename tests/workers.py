"""A real Celery worker for the tests that need one (browser journeys, task tests): a worker thread of this process
consumes this worktree's queue (``CELERY_QUEUE``) on the Redis of ``REDIS_URL``. Tests are eager otherwise.

The worker reads committed rows only, so its users also request ``transactional_db`` (the ``celery_worker``
fixture of ``tests/conftest.py`` does it). Tasks queued with ``delay_on_commit`` by the live server's thread go
through Redis to this worker, as in production.
"""

import time
from collections.abc import Callable
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app as celery_app


@contextmanager
def celery_worker_on_redis():
    """Switch eager mode off, empty our queue (left-overs of an interrupted run) and start a worker thread on it."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    try:
        with start_worker(
            celery_app,
            queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
            perform_ping_check=False,
            shutdown_timeout=30,
            loglevel="WARNING",
        ) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = True


def wait_for(condition: Callable[[], object], *, timeout: float = 30, what: str = "the worker") -> object:
    """Poll ``condition`` (a database read) until it is truthy: what a test does while the worker works. Never a
    fixed sleep: the loop ends as soon as the row is there."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} has not finished after {timeout} s")
        time.sleep(0.1)
