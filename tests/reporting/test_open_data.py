"""Open data: the national aggregates per region, protocol and half-year, small counts suppressed, a Table Schema
the file matches, the licence line; made again (by beat, through a stored release) after each issue of statements."""

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.urls import reverse
from frictionless import Resource, Schema

from config.celery import app
from portal.jobs import JobStatus
from reporting import opendata
from reporting.models import OpenDataRelease
from reporting.tasks import open_data_refresh_task
from tests.reporting.dashboard_world import issue
from tests.reporting.national_world import MARKER_NAME, region_with_activity

TODAY = datetime.datetime(2026, 1, 25, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.parametrize(("count", "published"), [(0, 0), (1, "< 5"), (4, "< 5"), (5, 5), (6, 6)])
def test_suppression_of_small_counts(count, published):
    assert opendata.suppress(count) == published


@pytest.fixture
def world(db):
    """Three regions whose eligible interventions of 2025-H1 are 4, 5 and 6 (one delegant, one delegate each)."""
    return {
        code: region_with_activity(code, eligible=eligible, excluded=0)
        for code, eligible in (("BRE", 4), ("OCC", 5), ("PACA", 6))
    }


def publish(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return open_data_refresh_task()


def rows_of(release) -> dict:
    with release.csv.open("rb") as handle:
        lines = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))
    return {(line["code_region"], line["annee"], line["semestre"]): line for line in lines}


def test_the_release_suppresses_small_counts(world, django_capture_on_commit_callbacks):
    release = OpenDataRelease.objects.get(pk=publish(django_capture_on_commit_callbacks))
    assert release.status == JobStatus.DONE and (release.year, release.half) == (2025, 1)
    rows = rows_of(release)
    bre, occ, paca = rows[("BRE", "2025", "1")], rows[("OCC", "2025", "1")], rows[("PACA", "2025", "1")]
    assert (bre["interventions_eligibles"], occ["interventions_eligibles"], paca["interventions_eligibles"]) == (
        "< 5",
        "5",
        "6",
    )
    # 4 eligible at €25 would give the count away: the amounts are left empty; at 5 and more they are published.
    assert (bre["montant_emis"], bre["montant_paye"]) == ("", "")
    assert (occ["montant_emis"], occ["montant_paye"]) == ("125.00", "62.50")
    assert (paca["montant_emis"], paca["montant_paye"]) == ("150.00", "75.00")
    # One structure, one delegant, one delegate, no excluded act: counts of one are suppressed, zero stays zero.
    assert (paca["structures_engagees"], paca["delegants"], paca["delegues"]) == ("< 5", "< 5", "< 5")
    assert paca["interventions_exclues"] == "0"
    assert paca["type_protocole"] == "local" and paca["code_protocole"] == "chronic"
    assert set(rows) == {("BRE", "2025", "1"), ("OCC", "2025", "1"), ("PACA", "2025", "1")}


def test_the_file_matches_its_schema(world, django_capture_on_commit_callbacks, tmp_path, client):
    release = OpenDataRelease.objects.get(pk=publish(django_capture_on_commit_callbacks))
    schema = json.loads(client.get(reverse("reporting:open_data_schema")).content)
    assert schema["licenses"][0]["name"] == "etalab-2.0"
    assert [field["name"] for field in schema["fields"]] == [field.name for field in opendata.FIELDS]
    target = tmp_path / "agregats.csv"
    with release.csv.open("rb") as handle:
        target.write_bytes(handle.read())
    report = Resource(path=target.name, basepath=str(tmp_path), schema=Schema.from_descriptor(schema)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # The validator is not lenient: a count that is neither a number nor "< 5" breaks it.
    broken = target.read_text().replace("< 5", "moins de 5", 1)
    target.write_text(broken)
    resource = Resource(path=target.name, basepath=str(tmp_path), schema=Schema.from_descriptor(schema))
    assert not resource.validate().valid


def test_the_json_gives_the_same_rows(world, django_capture_on_commit_callbacks):
    release = OpenDataRelease.objects.get(pk=publish(django_capture_on_commit_callbacks))
    with release.json.open("rb") as handle:
        document = json.loads(handle.read())
    assert document["licence"]["title"] == "Licence Ouverte / Open Licence version 2.0"
    assert document["jusqu_au_semestre"] == "2025-S1"
    by_region = {row["code_region"]: row for row in document["donnees"]}
    assert by_region["BRE"]["interventions_eligibles"] == "< 5" and by_region["BRE"]["montant_emis"] is None
    assert by_region["PACA"]["interventions_eligibles"] == 6 and by_region["PACA"]["montant_emis"] == "150.00"
    assert len(document["donnees"]) == release.rows == 3


def test_a_release_only_after_an_issue(world, django_capture_on_commit_callbacks):
    first = publish(django_capture_on_commit_callbacks)
    assert publish(django_capture_on_commit_callbacks) == first  # nothing issued since: the same release
    assert OpenDataRelease.objects.count() == 1
    scenario = world["PACA"]
    scenario.add("2025-08-04", 7)
    issue(scenario.region, "2025-H2")
    second = publish(django_capture_on_commit_callbacks)
    assert second != first
    release = OpenDataRelease.objects.get(pk=second)
    assert (release.year, release.half) == (2025, 2)
    assert rows_of(release)[("PACA", "2025", "2")]["interventions_eligibles"] == "7"


def test_nothing_issued_nothing_published(db, client, django_capture_on_commit_callbacks):
    region_with_activity("PACA", issued=False)
    assert publish(django_capture_on_commit_callbacks) is None
    assert client.get(reverse("reporting:open_data")).status_code == 200
    assert client.get(reverse("reporting:open_data_csv")).status_code == 404


def test_the_public_page(client, world, django_capture_on_commit_callbacks):
    publish(django_capture_on_commit_callbacks)
    response = client.get(reverse("reporting:open_data"))  # anonymous
    assert response.status_code == 200
    page = response.content.decode()
    assert "Licence Ouverte / Open Licence version 2.0" in page and "« &lt; 5 »" in page
    for name in ("reporting:open_data_csv", "reporting:open_data_json"):
        download = client.get(reverse(name))
        assert download.status_code == 200 and download["Access-Control-Allow-Origin"] == "*"
        body = b"".join(download.streaming_content).decode()
        assert MARKER_NAME not in body
        for scenario in world.values():
            assert scenario.grant.structure.finess not in body and scenario.delegate.rpps not in body


def test_the_beat_schedules_it():
    entry = app.conf.beat_schedule["open-data-nightly"]
    assert entry["task"] == "reporting.open_data_refresh"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({5}, {45})


def test_amounts_in_the_schema_are_numbers():
    fields = {field["name"]: field for field in opendata.table_schema()["fields"]}
    assert fields["montant_emis"]["type"] == "number" and fields["delegues"]["type"] == "integer"
    assert opendata.table_schema()["missingValues"] == ["", "< 5"]
