"""Redis stopped while a computation is asked for: a clear 503 page, /healthz names the broker, and once Redis is
back the run goes out (beat sweep) and a real worker computes it exactly once."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.celery import app as celery_app
from funding.models import ComputationRun, Statement
from funding.periods import Period
from funding.services.statement_runs import computation_runs_resend
from portal.jobs import JobStatus
from portal.roles import Role
from protocols.models import ImportBatch
from protocols.services.imports import import_batches_resend
from tests.faults.services import RedisServer, free_port, point_celery_at, prefork_worker, wait_for
from tests.funding.eligibility_world import build_world
from tests.funding.statement_scenarios import GrantScenario
from tests.portal.factories import agent_of
from tests.protocols.import_files import csv_bytes, row_for


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def own_redis(transactional_db, settings):
    """Broker and cache of this test on a dedicated redis-server that the test may stop."""
    redis = RedisServer()
    redis.start()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    celery_app.conf.task_always_eager = False
    point_celery_at(redis.url)
    try:
        yield redis
    finally:
        redis.stop()
        celery_app.conf.task_always_eager = True
        point_celery_at(settings.CELERY_BROKER_URL)


def test_a_computation_asked_while_redis_is_down_runs_once_when_it_is_back(client, own_redis):
    period = Period.last_ended()
    scenario = GrantScenario(starts_on=period.start - datetime.timedelta(days=400))
    scenario.add(period.start + datetime.timedelta(days=10), 4)
    client.force_login(agent_of(scenario.region, Role.FINANCE_OFFICER))
    form = {"region": scenario.region.pk, "period": str(period)}

    own_redis.stop()
    response = client.post(reverse("funding:statement_compute"), form)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Service temporairement indisponible" in page and "Votre demande est enregistrée" in page
    run = ComputationRun.objects.get()
    assert (run.status, run.task_id) == (JobStatus.QUEUED, "")  # saved, not handed to the broker

    health = client.get(reverse("healthz"))
    assert health.status_code == 503
    assert health.json()["broker"].startswith("erreur") and health.json()["database"] == "ok"

    # A second click while Redis is still down neither duplicates the run nor answers a 500.
    assert client.post(reverse("funding:statement_compute"), form).status_code == 503
    assert ComputationRun.objects.count() == 1
    assert computation_runs_resend() == 0  # the sweep meets the same broken broker and gives up quietly

    own_redis.start()
    point_celery_at(own_redis.url)
    assert client.get(reverse("healthz")).status_code == 200
    # A minute later, beat's sweep sends what the broker missed; a real worker (its own process) computes it.
    ComputationRun.objects.update(requested_at=run.requested_at - datetime.timedelta(minutes=1))
    with prefork_worker(REDIS_URL=own_redis.url) as worker:
        assert computation_runs_resend() == 1
        assert computation_runs_resend() == 0  # sent means sent: never twice
        run = wait_for(
            lambda: ComputationRun.objects.filter(pk=run.pk, status=JobStatus.DONE).first(),
            message="the run was never computed after Redis came back",
        )
        assert worker.poll() is None
    assert run.task_id
    assert ComputationRun.objects.count() == 1
    statement = Statement.objects.get()
    assert (statement.eligible_count, statement.total_amount) == (4, 100)


def test_a_click_once_redis_is_back_sends_the_waiting_run_instead_of_a_new_one(
    client, django_capture_on_commit_callbacks
):
    """Tasks run inline here (eager): what matters is that the click sends the unsent run, and only that one."""
    period = Period.last_ended()
    scenario = GrantScenario(starts_on=period.start - datetime.timedelta(days=400))
    scenario.add(period.start + datetime.timedelta(days=10), 2)
    officer = agent_of(scenario.region, Role.FINANCE_OFFICER)
    waiting = ComputationRun.objects.create(
        region=scenario.region, year=period.year, half=period.half, requested_by=officer
    )
    client.force_login(officer)
    form = {"region": scenario.region.pk, "period": str(period)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:statement_compute"), form)
    assert response.url == reverse("funding:computation_run_detail", kwargs={"computation_run_id": waiting.pk})
    waiting.refresh_from_db()
    assert waiting.status == JobStatus.DONE and waiting.task_id
    assert ComputationRun.objects.count() == 1


def test_a_large_import_uploaded_while_the_broker_is_down_waits_for_the_sweep(
    transactional_db, client, settings, world
):
    """A real commit (``transactional_db``): the send fails after it, inside the request, as in production."""
    settings.INTERVENTION_IMPORT_SYNC_MAX_BYTES = 10  # this file goes to the worker
    content = csv_bytes([row_for(world, "15/04/2025", "EP-1"), row_for(world, "16/04/2025", "EP-2")])
    client.force_login(world.coordinator)
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there: a real refused connection
    celery_app.conf.task_always_eager = False
    point_celery_at(dead)
    try:
        upload = SimpleUploadedFile("tableau.csv", content, content_type="text/csv")
        response = client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    finally:
        celery_app.conf.task_always_eager = True
        point_celery_at(settings.CELERY_BROKER_URL)
    assert response.status_code == 503 and "Votre demande est enregistrée" in response.content.decode()
    batch = ImportBatch.objects.get()
    assert (batch.outcome, batch.status, batch.task_id) == ("pending", JobStatus.QUEUED, "")
    assert import_batches_resend() == 0  # too recent: it may still be on its way
    ImportBatch.objects.update(requested_at=batch.requested_at - datetime.timedelta(minutes=1))
    assert import_batches_resend() == 1  # eager here: the import runs inline
    batch.refresh_from_db()
    assert (batch.outcome, batch.created_count) == ("imported", 2)
    assert import_batches_resend() == 0
