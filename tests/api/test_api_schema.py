"""Property-based tests of the API against its own OpenAPI schema (schemathesis, in-process WSGI, no network).

Every operation receives generated requests, valid and invalid, with a coordinator's write token over a world with
data: no answer may be a 500, and every answer must match the schema (status code, content type, body). The run is
bounded (``SCHEMATHESIS_MAX_EXAMPLES`` examples per operation, 15 by default, and a deadline per example) to stay
within about a minute on a small machine; run it longer with, for instance::

    SCHEMATHESIS_MAX_EXAMPLES=1000 .venv/bin/pytest tests/api/test_api_schema.py -p no:cacheprovider

A second test sends each operation one valid request on real objects of a coordinator and of an ARS agent (the
generated identifiers are mostly unknown, hence 404s) and validates those answers too.
"""

import datetime
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from config.wsgi import application
from funding.models import Statement
from portal.roles import Role
from portal.tokens import api_token_create
from tests.funding.eligibility_world import build_world
from tests.funding.factories import DossierFactory
from tests.funding.statement_scenarios import compute
from tests.portal.factories import RegionFactory, StructureFactory, agent_of

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)


@pytest.fixture
def _wsgi_keeps_the_test_connection():
    """Calling the WSGI application directly fires ``request_finished``, whose handler closes the database
    connection (and with it the test's transaction): disconnect it as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(settings, _wsgi_keeps_the_test_connection):
    # The fuzzer sends hundreds of requests a minute with one token: the rate limit has its own tests.
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    world = build_world(structure=StructureFactory(region=RegionFactory(code="PACA")))
    intervention = world.intervention(datetime.date(2025, 4, 15))
    world.recompute()
    _token, key = api_token_create(user=world.coordinator, name="schemathesis", scope="write")
    return {"world": world, "intervention": intervention, "key": key}


def load_schema():
    """The schema as the app publishes it, called in-process (WSGI). Built from the routers, without a database, so
    that pytest can collect one test per operation (schemathesis' lazy fixture loader fails under pytest 9.2)."""
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
    loaded.app = application
    return loaded


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=datetime.timedelta(seconds=5),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_generated_requests_never_fail_the_schema(case, api_world):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_world['key']}"}, checks=CHECKS)


def test_real_objects_answers_match_the_schema(api_world):
    world, intervention = api_world["world"], api_world["intervention"]
    dossier = DossierFactory(structure=world.structure, submitted=True, protocol=world.protocol)
    compute(world.structure.region, "2025-H1", issue=True)
    statement = Statement.objects.get(grant=world.grant)
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)
    assert loaded.raw_schema == schema.raw_schema  # the published schema is the one the fuzzer uses
    ids = {
        "structure_id": world.structure.pk,
        "protocol_id": world.protocol.pk,
        "intervention_id": intervention.pk,
        "dossier_id": dossier.pk,
        "statement_id": statement.pk,
    }
    row = {
        "performed_on": "2025-04-20",
        "protocol": world.protocol.code,
        "delegate_identifier": world.delegate.identifier,
        "delegant_identifier": world.delegant.identifier,
        "episode_reference": "EP-SCHEMA",
    }
    bodies = {
        "/api/v1/interventions": {"structure_id": world.structure.pk, **row},
        "/api/v1/interventions/batch": {"structure_id": world.structure.pk, "interventions": [row]},
    }
    agent = agent_of(world.structure.region, Role.INSTRUCTOR)
    _token, agent_key = api_token_create(user=agent, name="a", scope="read")
    keys = {"GET": [api_world["key"], agent_key], "POST": [api_world["key"]]}
    answered = set()
    for result in loaded.get_all_operations():
        operation = result.ok()
        path_parameters = {name: ids[name] for name in ids if "{" + name + "}" in operation.path}
        for key in keys[operation.method.upper()]:
            body = {"body": bodies[operation.path]} if operation.method.upper() == "POST" else {}
            case = operation.Case(path_parameters=path_parameters, **body)
            response = case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
            assert response.status_code in (200, 201), (operation.label, response.text)
            answered.add(operation.label)
    assert len(answered) == len(list(loaded.get_all_operations()))
