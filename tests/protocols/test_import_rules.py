"""Whole-file refusal with an error report, duplicates within and across files, idempotent re-imports."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funding.models import InterventionEligibility
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.portal.factories import ProfessionalFactory, coordinator_of
from tests.protocols.import_files import csv_bytes, row_for

D = datetime.date


@pytest.fixture
def world():
    return build_world()


def _import(world, content: bytes, name="reporting.csv") -> ImportBatch:
    batch = import_batch_create_from_bytes(structure=world.structure, content=content, name=name, by=world.coordinator)
    return import_batch_run(batch_id=batch.pk)


def _errors(batch):
    return [(error["ligne"], error["colonne"], error["message"]) for error in batch.errors]


def test_one_invalid_row_refuses_the_whole_file_and_reports_every_error(world):
    stranger = ProfessionalFactory()  # exists in the portal, but not in this structure nor its teams
    rows = [
        row_for(world, "15/04/2025", "EP-1"),
        row_for(world, "2025-13-01", "EP-2"),
        row_for(world, "16/04/2025", "EP-3", protocole="LOC-INCONNU"),
        row_for(world, "17/04/2025", "EP-4", delegue_identifiant=stranger.identifier),
        row_for(world, "18/04/2025", "EP-5", delegant_identifiant="123"),
        row_for(world, "19/04/2025", ""),
        row_for(world, "20/04/2025", "EP-7", delegant_identifiant=world.delegate.identifier),
        row_for(world, "21/04/2025", "EP-8", date_second_contact="20/04/2025"),
        row_for(world, "22/04/2025", "185051305512345"),
        row_for(world, "23/04/2025", "EP-10"),
    ]
    batch = _import(world, csv_bytes(rows))
    assert batch.outcome == "rejected"
    assert (batch.rows_read, batch.error_count, batch.created_count) == (10, 8, 0)
    assert not Intervention.objects.exists()
    assert _errors(batch) == [
        (3, "date_intervention", "Date illisible : attendue au format JJ/MM/AAAA ou AAAA-MM-JJ."),
        (4, "protocole", f"Protocole inconnu dans cette structure (codes connus : {world.protocol.code})."),
        (
            5,
            "delegue_identifiant",
            "Aucun professionnel de la structure ou de ses équipes n'a ce numéro RPPS.",
        ),
        (6, "delegant_identifiant", "Identifiant attendu : RPPS (11 chiffres), ADELI ou N° AM (9 chiffres)."),
        (7, "reference_episode", "Valeur obligatoire manquante."),
        (8, "delegant_identifiant", "Le délégant doit être un autre professionnel que le délégué."),
        (9, "date_second_contact", "Le second contact ne peut pas précéder l'intervention."),
        (
            10,
            "reference_episode",
            "Cette référence ressemble à un numéro de sécurité sociale : indiquez la référence anonyme de l'épisode "
            "dans la structure, jamais le NIR du patient.",
        ),
    ]
    assert batch.errors[7]["valeur"] == "(masquée)"  # a NIR typed by mistake is not kept in the report


def test_a_missing_column_refuses_the_file(world):
    headers = ["date_intervention", "protocole", "delegue_identifiant", "reference_episode"]
    content = csv_bytes([row_for(world, "15/04/2025", "EP-1")], headers=headers)
    batch = _import(world, content)
    assert batch.outcome == "rejected"
    assert {(line, column) for line, column, _ in _errors(batch)} == {
        (1, "delegue_nom"),
        (1, "delegue_prenom"),
        (1, "delegant_nom"),
        (1, "delegant_prenom"),
        (1, "delegant_identifiant"),
        (2, "delegant_identifiant"),  # and the rows cannot name their delegant
    }


def test_optional_columns_may_be_absent_names_may_be_empty(world):
    headers = [h for h in csv_bytes([]).decode().strip().split(";") if "second" not in h]
    row = row_for(world, "15/04/2025", "EP-1", delegue_nom="", delegant_prenom="")
    batch = _import(world, csv_bytes([row], headers=headers))
    assert (batch.outcome, batch.created_count) == ("imported", 1), batch.errors


def test_names_are_informative_identifiers_decide(world):
    row = row_for(world, "15/04/2025", "EP-1", delegue_nom="Quelqu'un d'autre", delegue_prenom="X")
    batch = _import(world, csv_bytes([row]))
    assert batch.outcome == "imported"
    assert Intervention.objects.get().delegate == world.delegate


def test_protocol_codes_are_case_insensitive(world):
    batch = _import(world, csv_bytes([row_for(world, "15/04/2025", "EP-1", protocole=world.protocol.code.lower())]))
    assert batch.outcome == "imported", batch.errors


def test_a_protocol_of_another_structure_is_unknown(world):
    other = build_world()
    batch = _import(world, csv_bytes([row_for(world, "15/04/2025", "EP-1", protocole=other.protocol.code)]))
    assert batch.outcome == "rejected"


def test_duplicates_within_a_file(world):
    colleague = world.add_delegate()
    rows = [
        row_for(world, "15/04/2025", "EP-1"),
        row_for(world, "15/04/2025", "EP-1"),  # identical: ignored
        row_for(world, "22/04/2025", "EP-1"),  # same episode, another date: stored, another intervention
        row_for(world, "15/04/2025", "EP-1", delegate=colleague),  # same episode, another delegate: idem
    ]
    batch = _import(world, csv_bytes(rows))
    assert (batch.rows_read, batch.created_count, batch.identical_count, batch.episode_repeat_count) == (4, 3, 1, 2)
    reasons = sorted(InterventionEligibility.objects.values_list("performed_on", "reason"))
    # An AMI grant pays per intervention (seed 000): the repeats of the episode are paid too.
    assert reasons == [(D(2025, 4, 15), ""), (D(2025, 4, 15), ""), (D(2025, 4, 22), "")]


def test_duplicates_across_files(world):
    first = _import(world, csv_bytes([row_for(world, "15/04/2025", "EP-1"), row_for(world, "16/04/2025", "EP-2")]))
    assert first.created_count == 2
    rows = [
        row_for(world, "15/04/2025", "EP-1"),  # already imported: ignored
        row_for(world, "10/04/2025", "EP-2"),  # an earlier date for EP-2: another intervention of the episode
        row_for(world, "17/04/2025", "EP-3"),
    ]
    second = _import(world, csv_bytes(rows))
    assert (second.created_count, second.identical_count, second.episode_repeat_count) == (2, 1, 1)
    assert Intervention.objects.count() == 4
    paid = sorted(
        InterventionEligibility.objects.filter(is_eligible=True).values_list(
            "intervention__episode_reference", "performed_on"
        )
    )
    # An AMI grant pays per intervention (seed 000): both dates of EP-2 count.
    assert paid == [
        ("EP-1", D(2025, 4, 15)),
        ("EP-2", D(2025, 4, 10)),
        ("EP-2", D(2025, 4, 16)),
        ("EP-3", D(2025, 4, 17)),
    ]


def test_reimporting_the_same_file_adds_nothing(world):
    content = csv_bytes([row_for(world, "15/04/2025", "EP-1")])
    first = _import(world, content)
    again = _import(world, content)
    assert (first.outcome, again.outcome) == ("imported", "already")
    assert again.created_count == 0
    assert Intervention.objects.count() == 1


def test_a_refused_file_may_be_imported_once_fixed(world):
    bad = _import(world, csv_bytes([row_for(world, "15/04/2025", "EP-1"), row_for(world, "xx", "EP-2")]))
    assert bad.outcome == "rejected"
    fixed = _import(world, csv_bytes([row_for(world, "15/04/2025", "EP-1"), row_for(world, "16/04/2025", "EP-2")]))
    assert (fixed.outcome, fixed.created_count) == ("imported", 2)


def test_running_a_batch_twice_writes_once(world):
    batch = import_batch_create_from_bytes(
        structure=world.structure,
        content=csv_bytes([row_for(world, "15/04/2025", "EP-1")]),
        name="r.csv",
        by=world.coordinator,
    )
    import_batch_run(batch_id=batch.pk)
    import_batch_run(batch_id=batch.pk)
    assert Intervention.objects.count() == 1


def test_imports_are_not_refused_for_eligibility_reasons(world):
    """A reporting table records what happened: a date before the training is stored, and excluded with a reason."""
    batch = _import(world, csv_bytes([row_for(world, "05/03/2025", "EP-1"), row_for(world, "15/06/2027", "EP-2")]))
    assert batch.outcome == "imported"
    assert dict(InterventionEligibility.objects.values_list("intervention__episode_reference", "reason")) == {
        "EP-1": "delegue_non_forme",
        "EP-2": "date_future",
    }


def test_only_coordinators_of_the_structure_import(world):
    from portal.errors import ApplicationError

    with pytest.raises(ApplicationError):
        import_batch_create_from_bytes(
            structure=world.structure, content=b"x", name="r.csv", by=coordinator_of(build_world().structure)
        )


def test_the_file_is_checked_by_its_content(client, world):
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("reporting.csv", b"%PDF-1.4\x00\x00binary", content_type="text/csv")
    response = client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    assert response.status_code == 400
    assert "ni un CSV ni un classeur XLSX" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_batch_written_by_a_worker_that_died_before_finishing_is_just_finished(world):
    from portal.jobs import JobStatus

    batch = _import(world, csv_bytes([row_for(world, "15/04/2025", "EP-1")]))
    ImportBatch.objects.filter(pk=batch.pk).update(status=JobStatus.RUNNING, finished_at=None)
    batch = import_batch_run(batch_id=batch.pk)
    assert (batch.status, batch.outcome) == (JobStatus.DONE, "imported")
    assert Intervention.objects.count() == 1
