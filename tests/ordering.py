"""Test guard: a query without any ORDER BY comes back in random order.

PostgreSQL returns the rows of an unordered query in whatever order its plan gives: insertion order most of the
time, something else after deletions, updates or a change of plan. Code (a paginated list, an export, "the first
one") or a test that silently counts on that order then fails once in a while, in production. In tests every
top-level ``SELECT`` that has no ordering at all (neither ``order_by()`` nor ``Meta.ordering``) gets
``ORDER BY RANDOM()``, so such a dependency fails at once. ``Paginator`` over an unordered queryset already fails:
its ``UnorderedObjectListWarning`` is an error (``filterwarnings`` in pyproject.toml).

Left alone: ``DISTINCT`` (PostgreSQL wants the ORDER BY terms in the select list), subqueries and the parts of a
``UNION`` (their order means nothing), aggregates without ``GROUP BY`` (a single row) and ``exists()``.
"""

from contextlib import contextmanager
from unittest import mock

from django.db.models import OrderBy
from django.db.models.functions import Random
from django.db.models.sql.compiler import (
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLInsertCompiler,
    SQLUpdateCompiler,
)
from django.db.models.sql.query import Query

_get_order_by = SQLCompiler.get_order_by
_exists = Query.exists
_NOT_A_SELECT = (SQLInsertCompiler, SQLDeleteCompiler, SQLUpdateCompiler, SQLAggregateCompiler)


def _is_single_row_aggregate(query) -> bool:
    return query.group_by is None and any(
        getattr(annotation, "contains_aggregate", False) for annotation in query.annotation_select.values()
    )


def _get_order_by_or_random(compiler):
    order_by = _get_order_by(compiler)
    query = compiler.query
    if (
        order_by
        or isinstance(compiler, _NOT_A_SELECT)
        or query.distinct
        or query.subquery
        or query.combinator
        or _is_single_row_aggregate(query)
        or getattr(query, "is_existence_check", False)
    ):
        return order_by
    random = OrderBy(Random()).resolve_expression(query)
    sql, params = compiler.compile(random)
    return [(random, (sql, params, False))]


def _marked_exists(query, *args, **kwargs):
    existence_query = _exists(query, *args, **kwargs)
    existence_query.is_existence_check = True
    return existence_query


@contextmanager
def shuffle_unordered_querysets():
    with (
        mock.patch.object(SQLCompiler, "get_order_by", _get_order_by_or_random),
        mock.patch.object(Query, "exists", _marked_exists),
    ):
        yield
