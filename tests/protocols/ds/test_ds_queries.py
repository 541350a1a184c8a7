"""Every GraphQL query the portal sends to démarches-simplifiées is valid against the platform's public schema."""

import pytest
from graphql import parse, validate

from protocols.ds.client import QUERIES
from tests.protocols.ds.fake_ds import SCHEMA


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_is_valid_against_the_ds_schema(name):
    document = parse(QUERIES[name])
    assert validate(SCHEMA, document) == []
    # The operation carries the name the client sends as ``operationName``.
    assert [definition.name.value for definition in document.definitions] == [name]


def test_the_validation_catches_a_field_ds_does_not_have():
    broken = QUERIES["PortalDossier"].replace("dateDepot", "dateDeDepot")
    errors = validate(SCHEMA, parse(broken))
    assert errors and "dateDeDepot" in errors[0].message
