"""The import task counts its deliveries on the batch (in the database, before any work) and gives up past
``IMPORT_MAX_ATTEMPTS`` with a message the coordinator sees; the real worker killed mid-task is in
tests/faults/test_import_retries.py."""

import pytest
from django.urls import reverse

from portal.jobs import JobStatus
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes
from protocols.tasks.interventions import import_interventions_task
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for


@pytest.fixture
def world():
    return build_world()


def _batch(world) -> ImportBatch:
    content = csv_bytes([row_for(world, "15/04/2025", "EP-1"), row_for(world, "16/04/2025", "EP-2")])
    return import_batch_create_from_bytes(
        structure=world.structure, content=content, name="r.csv", by=world.coordinator
    )


def test_a_delivery_is_counted_and_the_import_runs(world):
    batch = _batch(world)
    import_interventions_task.delay(batch.pk)
    batch.refresh_from_db()
    assert (batch.attempts, batch.status, batch.outcome) == (1, JobStatus.DONE, ImportBatch.Outcome.IMPORTED)
    assert Intervention.objects.count() == 2


def test_the_last_allowed_delivery_still_runs(settings, world):
    settings.IMPORT_MAX_ATTEMPTS = 3
    batch = _batch(world)
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=2)  # two runs killed before
    import_interventions_task.delay(batch.pk)
    batch.refresh_from_db()
    assert (batch.attempts, batch.outcome) == (3, ImportBatch.Outcome.IMPORTED)


def test_past_its_attempts_a_batch_is_failed_with_a_message_the_coordinator_sees(client, settings, world):
    settings.IMPORT_MAX_ATTEMPTS = 3
    batch = _batch(world)
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=3, status=JobStatus.RUNNING)  # three runs killed
    import_interventions_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.attempts == 4 and batch.status == JobStatus.FAILED
    assert "interrompu 3 fois" in batch.error
    assert not Intervention.objects.exists()
    client.force_login(world.coordinator)
    page = client.get(reverse("protocols:import_detail", kwargs={"import_batch_id": batch.pk})).content.decode()
    assert "interrompu 3 fois" in page and "Échec" in page
    listing = client.get(reverse("protocols:import_list")).content.decode()
    assert "Échec" in listing


def test_a_failed_batch_delivered_again_is_left_as_it_is(world):
    batch = _batch(world)
    batch.mark_failed("Échec précédent.")
    import_interventions_task.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == JobStatus.FAILED and batch.error == "Échec précédent."
    assert not Intervention.objects.exists()
