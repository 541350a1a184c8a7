"""Writing interventions through the API: the file import's checks and error format, all or nothing, idempotent,
with the right token scope and the right role in the structure."""

import datetime
import threading
import time

import pytest
import time_machine
from django.db import connection, connections, transaction

from funding.models import InterventionEligibility
from portal.roles import Role
from protocols.models import ImportBatch, Intervention
from protocols.services.intervention_rows import MAX_ROWS
from tests.funding.eligibility_world import build_world
from tests.portal.factories import ProfessionalFactory, RegionFactory, StructureFactory, agent_of, professional_of

D = datetime.date


@pytest.fixture
def world():
    return build_world()


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2025, 6, 30, 12, tzinfo=datetime.UTC), tick=False):
        yield


def row(world, performed_on="2025-04-15", episode="EP-1", **extra) -> dict:
    return {
        "performed_on": performed_on,
        "protocol": world.protocol.code,
        "delegate_identifier": world.delegate.identifier,
        "delegant_identifier": world.delegant.identifier,
        "episode_reference": episode,
        **extra,
    }


def batch(world, rows, **extra) -> dict:
    return {"structure_id": world.structure.pk, "interventions": rows, **extra}


def test_a_coordinator_logs_one_intervention_with_its_eligibility(world, api_client_for):
    api = api_client_for(world.coordinator, scope="write")
    response = api.post("/interventions", {"structure_id": world.structure.pk, **row(world)})
    assert response.status_code == 201, response.json()
    body = response.json()
    intervention = Intervention.objects.get()
    assert body == {"row": 1, "id": intervention.pk, "created": True}
    assert (intervention.source, intervention.recorded_by, intervention.import_batch) == (
        "api",
        world.coordinator,
        None,
    )
    # The eligibility was computed in the same transaction.
    assert InterventionEligibility.objects.get(intervention=intervention).is_eligible
    eligibility = api.get(f"/interventions/{intervention.pk}/eligibility").json()
    assert (eligibility["status"], eligibility["reason"], eligibility["grant_id"]) == (
        "eligible",
        None,
        world.grant.pk,
    )

    # Sending it again creates nothing, and says which intervention it is.
    again = api.post("/interventions", {"structure_id": world.structure.pk, **row(world)})
    assert again.status_code == 200
    assert again.json() == {"row": 1, "id": intervention.pk, "created": False}
    assert Intervention.objects.count() == 1


def test_rows_the_protocol_does_not_cover_are_recorded_and_excluded_with_a_reason(world, api_client_for):
    """Like the file import, the API records what happened; the eligibility says why it earns nothing."""
    api = api_client_for(world.coordinator, scope="write")
    response = api.post("/interventions", {"structure_id": world.structure.pk, **row(world, "2025-03-05")})
    assert response.status_code == 201
    eligibility = api.get(f"/interventions/{response.json()['id']}/eligibility").json()
    assert (eligibility["status"], eligibility["reason"]) == ("excluded", "delegue_non_forme")
    assert eligibility["reason_label"] == "Formation du délégué non terminée à cette date"


def test_every_invalid_row_is_reported_and_nothing_is_written(world, api_client_for):
    stranger = ProfessionalFactory()
    rows = [
        row(world, "2025-04-15", "EP-1"),
        row(world, "2025-13-01", "EP-2"),
        row(world, "2025-04-16", "EP-3", protocol="LOC-INCONNU"),
        row(world, "2025-04-17", "EP-4", delegate_identifier=stranger.identifier),
        row(world, "2025-04-18", ""),
        row(world, "2025-04-19", "EP-6", delegant_identifier=world.delegate.identifier),
        row(world, "2025-04-20", "EP-7", second_contact_on="2025-04-19"),
        row(world, "2025-04-21", "185051305512345"),
        row(world, "15/04/2025", "EP-9"),  # the import's other date format is accepted
    ]
    response = api_client_for(world.coordinator, scope="write").post("/interventions/batch", batch(world, rows))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_rows"
    assert body["message"] == "7 ligne(s) en erreur : rien n'a été enregistré. Corrigez-les et renvoyez l'ensemble."
    assert [(error["row"], error["field"], error["message"]) for error in body["errors"]] == [
        (2, "performed_on", "Date illisible : attendue au format JJ/MM/AAAA ou AAAA-MM-JJ."),
        (3, "protocol", f"Protocole inconnu dans cette structure (codes connus : {world.protocol.code})."),
        (
            4,
            "delegate_identifier",
            "Aucun professionnel de la structure ou de ses équipes n'a ce numéro RPPS.",
        ),
        (5, "episode_reference", "Valeur obligatoire manquante."),
        (6, "delegant_identifier", "Le délégant doit être un autre professionnel que le délégué."),
        (7, "second_contact_on", "Le second contact ne peut pas précéder l'intervention."),
        (
            8,
            "episode_reference",
            "Cette référence ressemble à un numéro de sécurité sociale : indiquez la référence anonyme de l'épisode "
            "dans la structure, jamais le NIR du patient.",
        ),
    ]
    assert body["errors"][0]["value"] == "2025-13-01"
    assert body["errors"][-1]["value"] == "(masquée)"  # a NIR sent by mistake is not echoed back
    assert not Intervention.objects.exists()
    assert not ImportBatch.objects.exists()


def test_a_batch_is_written_once_and_recorded_as_an_import(world, api_client_for):
    api = api_client_for(world.coordinator, scope="write")
    rows = [row(world, "2025-04-15", "EP-1"), row(world, "2025-04-16", "EP-2"), row(world, "2025-04-16", "EP-2")]
    response = api.post("/interventions/batch", batch(world, rows, label="Export du logiciel, avril"))
    assert response.status_code == 201, response.json()
    body = response.json()
    first, second = Intervention.objects.order_by("pk")
    assert (body["created"], body["identical"], body["episode_repeats"], body["already_imported"]) == (2, 1, 0, False)
    assert body["interventions"] == [
        {"row": 1, "id": first.pk, "created": True},
        {"row": 2, "id": second.pk, "created": True},
        {"row": 3, "id": second.pk, "created": False},  # the same row twice in one batch is one intervention
    ]
    recorded = ImportBatch.objects.get()
    assert body["import_batch_id"] == recorded.pk
    assert (recorded.source, recorded.outcome, recorded.status, recorded.requested_by) == (
        "api",
        "imported",
        "done",
        world.coordinator,
    )
    assert (recorded.original_name, recorded.created_count, recorded.identical_count) == (
        "Export du logiciel, avril",
        2,
        1,
    )
    assert set(Intervention.objects.values_list("import_batch", flat=True)) == {recorded.pk}

    # The same batch again: already imported, nothing is read nor written.
    again = api.post("/interventions/batch", batch(world, rows))
    assert again.status_code == 200
    assert again.json()["already_imported"] is True
    assert [outcome["id"] for outcome in again.json()["interventions"]] == [first.pk, second.pk, second.pk]
    assert (Intervention.objects.count(), ImportBatch.objects.count()) == (2, 1)

    # Other rows around the known ones: only the new ones are created; a known episode on another date is a repeat.
    more = [rows[1], row(world, "2025-04-20", "EP-2"), row(world, "2025-04-21", "EP-3")]
    third = api.post("/interventions/batch", batch(world, more)).json()
    assert (third["created"], third["identical"], third["episode_repeats"]) == (2, 1, 1)
    assert [outcome["created"] for outcome in third["interventions"]] == [False, True, True]
    assert Intervention.objects.count() == 4
    reasons = dict(InterventionEligibility.objects.values_list("intervention__episode_reference", "reason"))
    assert reasons["EP-3"] == ""
    # A known episode on another date is another intervention: an AMI grant pays it (per intervention).
    repeats = InterventionEligibility.objects.filter(intervention__episode_reference="EP-2")
    assert sorted(repeats.values_list("reason", flat=True)) == ["", ""]


def test_a_delegate_logs_only_their_own_interventions(world, api_client_for):
    api = api_client_for(world.delegate.user, scope="write")
    own = api.post("/interventions", {"structure_id": world.structure.pk, **row(world, episode="EP-OWN")})
    assert own.status_code == 201
    colleague = world.add_delegate()
    response = api.post(
        "/interventions/batch",
        batch(
            world, [row(world, episode="EP-2"), row(world, episode="EP-3", delegate_identifier=colleague.identifier)]
        ),
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["field"], error["value"]) == (2, "delegate_identifier", colleague.identifier)
    assert error["message"].startswith("Vous n'enregistrez que vos propres interventions")
    assert Intervention.objects.count() == 1


def test_who_may_write(world, api_client_for):
    payload = {"structure_id": world.structure.pk, **row(world)}
    read_only = api_client_for(world.coordinator, scope="read").post("/interventions", payload)
    assert (read_only.status_code, read_only.json()["code"]) == (403, "read_only_token")
    instructor = agent_of(world.structure.region, Role.INSTRUCTOR)
    agent = api_client_for(instructor, scope="write").post("/interventions", payload)
    assert (agent.status_code, agent.json()["code"]) == (403, "forbidden")
    outsider = professional_of(StructureFactory(region=world.structure.region))
    response = api_client_for(outsider, scope="write").post("/interventions", payload)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    foreign = StructureFactory(region=RegionFactory(code="CVL"))
    response = api_client_for(world.coordinator, scope="write").post(
        "/interventions", {**payload, "structure_id": foreign.pk}
    )
    assert response.status_code == 404
    assert not Intervention.objects.exists()


def test_batch_size_and_shape_are_checked_before_anything(world, api_client_for):
    api = api_client_for(world.coordinator, scope="write")
    too_many = [row(world, episode=f"EP-{n}") for n in range(MAX_ROWS + 1)]
    response = api.post("/interventions/batch", batch(world, too_many))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "interventions", "message": "Trop d'éléments (1000 au plus)."}]
    empty = api.post("/interventions/batch", batch(world, []))
    assert empty.status_code == 422
    missing = api.post("/interventions", {"structure_id": world.structure.pk, "performed_on": "2025-04-15"})
    assert missing.status_code == 422
    fields = {error["field"]: error["message"] for error in missing.json()["errors"]}
    assert fields["protocol"] == "Valeur obligatoire manquante."
    nul = api.post("/interventions", {"structure_id": world.structure.pk, **row(world, episode="EP\x00")})
    assert nul.status_code == 422
    assert nul.json()["errors"][0]["field"] == "episode_reference"
    assert not Intervention.objects.exists()


def test_a_full_batch_of_a_thousand_rows(world, api_client_for):
    api = api_client_for(world.coordinator, scope="write")
    rows = [row(world, f"2025-04-{1 + n % 28:02d}", f"EP-{n:04d}") for n in range(MAX_ROWS)]
    response = api.post("/interventions/batch", batch(world, rows))
    assert response.status_code == 201
    assert response.json()["created"] == MAX_ROWS
    assert InterventionEligibility.objects.filter(is_eligible=True).count() == MAX_ROWS


def test_unreadable_json_is_a_400_in_french(world, api_client_for):
    api = api_client_for(world.coordinator, scope="write")
    response = api.client.post(
        "/api/v1/interventions", "{pas du json", content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert "JSON" in response.json()["message"]


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_identical_write_waits_and_is_counted_once(api_client_for):
    """Another writer (the delegate's form) inserts the same intervention while the API's batch arrives: its insert
    locks the structure (the monthly counts' trigger, funding.InterventionMonthlyCount), the batch takes the same lock
    before its check, so it waits for the other writer to commit and then finds that row already there: the
    intervention is written once, the batch writes only what is new."""
    world = build_world()
    api = api_client_for(world.coordinator, scope="write")
    inserted, release, result = threading.Event(), threading.Event(), {}

    def other_writer():
        try:
            with transaction.atomic():
                world.intervention(D(2025, 4, 15), episode_reference="EP-1")
                inserted.set()
                release.wait(20)
        finally:
            connection.close()

    def software():
        try:
            result["response"] = api.post(
                "/interventions/batch", batch(world, [row(world, "2025-04-20", "EP-2"), row(world, episode="EP-1")])
            )
        finally:
            connection.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert inserted.wait(20)
    client = threading.Thread(target=software)
    client.start()
    with connections["default"].cursor() as cursor:  # wait until the API's insert waits for the other writer
        for _ in range(400):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    release.set()
    writer.join(20)
    client.join(20)
    response = result["response"]
    assert response.status_code == 201, response.json()
    assert (response.json()["created"], response.json()["identical"]) == (1, 1)
    assert sorted(Intervention.objects.values_list("episode_reference", flat=True)) == ["EP-1", "EP-2"]
    assert ImportBatch.objects.count() == 1
