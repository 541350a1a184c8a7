"""PostgreSQL drops the request's connection half-way through a write (``pg_terminate_backend`` from another
session, as a failover or an administrator would): the user gets the friendly 503 page, and nothing of the request is
saved (its transaction dies with the connection)."""

import datetime

import psycopg
import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from funding.models import InterventionEligibility
from protocols.models import Intervention
from tests.funding.eligibility_world import build_world


@pytest.fixture
def world(transactional_db):
    return build_world()


def _inserts_into(sql: str, table: str) -> bool:
    return " ".join(sql.split()).replace('"', "").startswith(f"INSERT INTO {table} ")


class TerminateBackendBefore:
    """A Django execute wrapper that, when the request is about to write to ``table``, has another session kill the
    request's PostgreSQL backend for real; the statement then meets the dropped connection."""

    def __init__(self, table: str):
        self.table = table
        self.statements: list[str] = []
        self.terminated = False

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        if not self.terminated and _inserts_into(sql, self.table):
            self.terminated = True
            backend_pid = context["connection"].connection.info.backend_pid
            database = connection.settings_dict
            with psycopg.connect(
                host=database["HOST"] or "127.0.0.1",
                port=database["PORT"] or 5432,
                user=database["USER"],
                dbname=database["NAME"],
                autocommit=True,
            ) as admin:
                assert admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid]).fetchone()[0]
        return execute(sql, params, many, context)


def test_a_connection_dropped_mid_write_gives_the_503_page_and_saves_nothing(client, world):
    client.force_login(world.delegate.user)
    killer = TerminateBackendBefore(InterventionEligibility._meta.db_table)
    data = {
        "protocol": world.protocol.pk,
        "performed_on": "2025-11-18",
        "delegant": world.delegant.pk,
        "episode_reference": "EP-2025-0042",
        "second_contact_on": "",
        "second_contact_delegate": "",
    }
    with time_machine.travel(datetime.datetime(2025, 11, 20, 10, tzinfo=datetime.UTC), tick=False):
        with connection.execute_wrapper(killer):
            response = client.post(reverse("protocols:intervention_create"), data)
    assert killer.terminated, "the request never reached the eligibility write"
    # The intervention itself was written earlier in the same request, then lost with the connection.
    assert any(_inserts_into(sql, Intervention._meta.db_table) for sql in killer.statements)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Service temporairement indisponible" in page
    assert "Votre dernière action n'a pas été enregistrée" in page
    assert Intervention.objects.count() == 0
    assert InterventionEligibility.objects.count() == 0
    assert Intervention.history.count() == 0
