"""Property-based tests (hypothesis) of the reporting-table import: arbitrary input never crashes it, every error
names its line, and importing the same rows again adds nothing."""

import csv
import datetime
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.imports.columns import HEADERS
from protocols.imports.reading import UnreadableFile, open_table
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import row_for

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Any text a spreadsheet may hold, except NUL (a NUL marks a binary file, refused as a whole before any row).
CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
FIRST_DAY = datetime.date(2025, 3, 10)
_episodes = itertools.count()


@pytest.fixture
def world():
    return build_world()


def _csv(rows: list[list[str]], *, delimiter=";") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _valid_row(world, day: int) -> list[str]:
    performed_on = FIRST_DAY + datetime.timedelta(days=day)
    values = row_for(world, performed_on.strftime("%d/%m/%Y"), f"EP-FUZZ-{next(_episodes)}")
    return [str(value) for value in values.values()]


def _import(world, content: bytes) -> ImportBatch:
    batch = import_batch_create_from_bytes(
        structure=world.structure, content=content, name="f.csv", by=world.coordinator
    )
    return import_batch_run(batch_id=batch.pk)


BREAKABLE = {"date_intervention": 0, "protocole": 1, "delegue_identifiant": 4}


@FUZZ
@given(
    rows=st.lists(st.tuples(st.sampled_from([None, *BREAKABLE]), st.integers(0, 200), CELL), min_size=1, max_size=12)
)
def test_each_invalid_row_is_reported_on_its_own_line(world, rows):
    """Rows are valid, or have one field replaced by garbage (``§…`` is never a date, a code nor an identifier)."""
    content, broken_lines = [], set()
    for index, (broken, day, garbage) in enumerate(rows):
        row = _valid_row(world, day)
        if broken:
            row[BREAKABLE[broken]] = "§" + garbage
            broken_lines.add(index + 2)  # line 1 is the header
        content.append(row)
    before = Intervention.objects.count()
    batch = _import(world, _csv(content))
    if broken_lines:
        assert batch.outcome == ImportBatch.Outcome.REJECTED
        assert {error["ligne"] for error in batch.errors} == broken_lines
        assert all(error["message"] for error in batch.errors)
        assert Intervention.objects.count() == before  # all or nothing
    else:
        assert batch.outcome == ImportBatch.Outcome.IMPORTED, batch.errors
        assert batch.created_count == len(rows) == Intervention.objects.count() - before


@FUZZ
@given(rows=st.lists(st.lists(CELL, max_size=14), max_size=8), delimiter=st.sampled_from([";", ","]))
def test_arbitrary_cells_never_crash_the_import(world, rows, delimiter):
    before = Intervention.objects.count()
    batch = _import(world, _csv(rows, delimiter=delimiter))
    assert batch.is_finished and batch.outcome in (
        ImportBatch.Outcome.IMPORTED,
        ImportBatch.Outcome.REJECTED,
        ImportBatch.Outcome.ALREADY_IMPORTED,
    )
    if batch.outcome == ImportBatch.Outcome.REJECTED:
        assert batch.errors and all(1 <= error["ligne"] <= len(rows) + 2 for error in batch.errors)
        assert Intervention.objects.count() == before


@settings(max_examples=150, deadline=None)
@given(content=st.one_of(st.binary(max_size=600), st.binary(max_size=600).map(lambda b: b"PK\x03\x04" + b)))
def test_arbitrary_bytes_are_read_or_refused_with_a_message(content):
    try:
        table = open_table(content)
        for _line, _cells in table.rows:
            pass
    except UnreadableFile as error:
        assert str(error)


@FUZZ
@given(days=st.lists(st.integers(0, 200), min_size=1, max_size=10), shuffle=st.randoms(use_true_random=False))
def test_importing_the_same_rows_again_adds_nothing(world, days, shuffle):
    rows = [_valid_row(world, day) for day in days]
    first = _import(world, _csv(rows))
    assert (first.outcome, first.created_count) == (ImportBatch.Outcome.IMPORTED, len(rows))
    count = Intervention.objects.count()
    # The very same file: recognised by its hash.
    assert _import(world, _csv(rows)).outcome == ImportBatch.Outcome.ALREADY_IMPORTED
    # The same rows in another order and another separator: every row is found identical.
    shuffle.shuffle(rows)
    again = _import(world, _csv(rows, delimiter=","))
    assert (again.outcome, again.created_count, again.identical_count) == ("imported", 0, len(rows))
    assert Intervention.objects.count() == count
