"""The guards against unordered querysets are on: an unordered query comes back shuffled, an unordered page fails."""

import pytest
from django.core.paginator import Paginator, UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Region
from tests.portal.factories import RegionFactory


def _sql_of(queryset) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(queryset)
    return queries.captured_queries[-1]["sql"]


def test_a_query_without_order_comes_back_in_random_order():
    RegionFactory.create_batch(3)
    assert _sql_of(Region.objects.order_by()).endswith("ORDER BY RANDOM() ASC")
    assert "RANDOM()" not in _sql_of(Region.objects.order_by("pk"))
    assert "RANDOM()" not in _sql_of(Region.objects.order_by().distinct())
    assert "RANDOM()" not in _sql_of(
        Region.objects.filter(pk__in=Region.objects.order_by().values("pk")).order_by("pk")
    )


def test_counts_and_existence_checks_are_left_alone():
    with CaptureQueriesContext(connection) as queries:
        assert Region.objects.order_by().count() == Region.objects.order_by("pk").count()
        assert Region.objects.order_by().exists()
    assert not [query["sql"] for query in queries.captured_queries if "RANDOM()" in query["sql"]]


def test_paginating_an_unordered_queryset_fails():
    with pytest.raises(UnorderedObjectListWarning):
        Paginator(Region.objects.order_by(), 25)
