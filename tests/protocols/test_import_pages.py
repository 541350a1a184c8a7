"""The import pages: upload, result, error report, template files; large files through Celery on the real Redis;
the management command."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from portal.jobs import JobStatus
from protocols.imports.columns import HEADERS
from protocols.imports.reading import open_table
from protocols.imports.validation import RowChecker
from protocols.models import ImportBatch, Intervention
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for
from tests.workers import wait_for


@pytest.fixture
def world():
    return build_world()


def _upload(client, world, content: bytes, name="reporting.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})


def test_a_coordinator_imports_a_small_file_and_reads_the_summary(client, world):
    client.force_login(world.coordinator)
    rows = [row_for(world, "15/04/2025", "EP-1"), row_for(world, "16/04/2025", "EP-1")]
    response = _upload(client, world, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("protocols:import_detail", kwargs={"import_batch_id": batch.pk})
    page = client.get(response.url)
    content = page.content.decode()
    assert "Import réussi" in content
    assert "Interventions créées : <strong>2</strong>" in content
    assert (
        "(autre date ou délégué : payées par intervention, une seule fois par patient) : <strong>1</strong>" in content
    )
    assert f"{reverse('funding:intervention_list')}?import={batch.pk}" in content
    assert batch.requested_by == world.coordinator and batch.original_name == "reporting.csv"


def test_a_refused_file_shows_its_errors_and_the_report_downloads(client, world):
    client.force_login(world.coordinator)
    rows = [row_for(world, "15/04/2025", "EP-1"), row_for(world, "15/04/2025", "EP-2", protocole="LOC-XXX")]
    response = _upload(client, world, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    content = client.get(response.url).content.decode()
    assert "Fichier refusé : rien n'a été enregistré" in content
    assert "LOC-XXX" in content
    report = client.get(reverse("protocols:import_errors", kwargs={"import_batch_id": batch.pk}))
    assert report["Content-Disposition"] == f'attachment; filename="erreurs-import-{batch.pk}.csv"'
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["ligne", "colonne", "valeur", "message"]
    assert lines[1][:3] == ["3", "protocole", "LOC-XXX"]
    assert lines[1][3].startswith("Protocole inconnu dans cette structure")
    assert not Intervention.objects.exists()


def test_the_same_file_twice_says_it_was_already_imported(client, world):
    client.force_login(world.coordinator)
    content = csv_bytes([row_for(world, "15/04/2025", "EP-1")])
    _upload(client, world, content)
    response = _upload(client, world, content)
    page = client.get(response.url).content.decode()
    assert "Fichier déjà importé : rien n'a été ajouté" in page
    assert Intervention.objects.count() == 1


def test_template_files_have_the_headers_and_one_example_row(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("protocols:import_template_csv"))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert lines[0] == list(HEADERS) and len(lines) == 2
    assert lines[1][:2] == ["15/03/2025", "LOC-PACA-HTA"]
    response = client.get(reverse("protocols:import_template_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert sheet.max_row == 2
    for content in (text.encode(), response.content):
        table = open_table(content)
        assert RowChecker(structure=world.structure, headers=table.headers).header_errors == []


def test_professionals_and_other_structures_cannot_reach_imports(client, world):
    batch = ImportBatch.objects.create(structure=world.structure, sha256="0" * 64, requested_by=world.coordinator)
    client.force_login(world.delegate.user)
    assert client.get(reverse("protocols:import_list")).status_code == 403
    other = build_world()
    client.force_login(other.coordinator)
    assert client.get(reverse("protocols:import_detail", kwargs={"import_batch_id": batch.pk})).status_code == 404
    assert client.get(reverse("protocols:import_errors", kwargs={"import_batch_id": batch.pk})).status_code == 404


def test_a_large_file_goes_to_celery_and_the_page_polls_its_progress(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.INTERVENTION_IMPORT_SYNC_MAX_BYTES = 100
    client.force_login(world.coordinator)
    rows = [row_for(world, "15/04/2025", f"EP-{n}") for n in range(30)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(client, world, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    assert batch.status == JobStatus.QUEUED and not Intervention.objects.exists()
    poll_url = reverse("protocols:import_progress", kwargs={"import_batch_id": batch.pk})
    fragment = client.get(poll_url).content.decode()
    assert f'hx-get="{poll_url}"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert len(callbacks) == 1
    callbacks[0]()  # the queued task (eager in tests)
    batch.refresh_from_db()
    assert (batch.status, batch.outcome, batch.created_count) == (JobStatus.DONE, "imported", 30)
    fragment = client.get(poll_url).content.decode()
    assert "hx-get" not in fragment and "Import réussi" in fragment
    assert response.status_code == 302


# Management command ---------------------------------------------------------------------------------------------


def test_the_command_imports_a_file_for_a_structure(world, tmp_path, capsys):
    path = tmp_path / "reporting.csv"
    path.write_bytes(csv_bytes([row_for(world, "15/04/2025", "EP-1"), row_for(world, "16/04/2025", "EP-2")]))
    call_command("import_interventions", str(path), structure=world.structure.finess)
    output = capsys.readouterr().out
    assert "2 intervention(s) créée(s)" in output
    assert Intervention.objects.get(episode_reference="EP-1").recorded_by == world.coordinator
    call_command("import_interventions", str(path), structure=world.structure.finess)
    assert "déjà été importé" in capsys.readouterr().out
    assert Intervention.objects.count() == 2


def test_the_command_reports_errors_and_fails(world, tmp_path, capsys):
    path = tmp_path / "reporting.csv"
    path.write_bytes(csv_bytes([row_for(world, "xx/04/2025", "EP-1")]))
    with pytest.raises(CommandError, match="Fichier refusé"):
        call_command("import_interventions", str(path), structure=world.structure.finess)
    assert "ligne 2, date_intervention" in capsys.readouterr().err
    with pytest.raises(CommandError, match="Aucune structure"):
        call_command("import_interventions", str(path), structure="999999999")


# Celery on the real Redis ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_import_task_runs_on_a_real_worker(world, celery_worker, settings):
    """A real worker thread consumes our queue on the Redis of ``REDIS_URL``: nothing is mocked."""
    from protocols.services.imports import import_batch_create_from_bytes
    from protocols.tasks.interventions import import_interventions_task

    rows = [row_for(world, "15/04/2025", f"EP-{n}") for n in range(50)]
    batch = import_batch_create_from_bytes(
        structure=world.structure, content=csv_bytes(rows), name="r.csv", by=world.coordinator
    )
    import_interventions_task.delay(batch.pk)
    wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).is_finished, what="the import")
    batch.refresh_from_db()
    assert (batch.status, batch.outcome, batch.created_count, batch.processed) == (JobStatus.DONE, "imported", 50, 50)
    assert Intervention.objects.filter(import_batch=batch).count() == 50
    assert settings.CELERY_BROKER_URL.startswith("redis://")
