"""The import reads what spreadsheet tools write: separators, encodings, BOM, XLSX, both date formats, headers."""

import datetime
import io

import pytest

from funding.models import InterventionEligibility
from protocols.imports.columns import HEADERS, normalize_header
from protocols.imports.reading import UnreadableFile, open_table
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for, xlsx_bytes

D = datetime.date


@pytest.fixture
def world():
    return build_world()


def _import(world, content: bytes, name="reporting.csv") -> ImportBatch:
    batch = import_batch_create_from_bytes(structure=world.structure, content=content, name=name, by=world.coordinator)
    return import_batch_run(batch_id=batch.pk)


@pytest.mark.parametrize(
    "options",
    [
        {"delimiter": ";"},
        {"delimiter": ","},
        {"delimiter": ";", "bom": True},
        {"delimiter": ",", "bom": True},
        {"delimiter": ";", "encoding": "cp1252"},
        {"delimiter": ",", "encoding": "cp1252"},
    ],
    ids=["semicolon", "comma", "semicolon-bom", "comma-bom", "cp1252-semicolon", "cp1252-comma"],
)
def test_csv_separators_and_encodings(world, options):
    world.delegate.user.last_name = "Bénédicte-Åström"  # accents that differ between UTF-8 and Windows-1252
    rows = [
        row_for(world, "15/04/2025", "EP-1"),
        row_for(world, "2025-04-16", "EP-2"),
        row_for(world, "1/5/2025", "EP-3"),
    ]
    batch = _import(world, csv_bytes(rows, **options))
    assert (batch.outcome, batch.rows_read, batch.created_count) == ("imported", 3, 3), batch.errors
    assert sorted(Intervention.objects.values_list("performed_on", flat=True)) == [
        D(2025, 4, 15),
        D(2025, 4, 16),
        D(2025, 5, 1),
    ]


def test_headers_are_case_and_accent_insensitive_and_unknown_columns_ignored(world):
    headers = [
        "Date_Intervention",
        "PROTOCOLE",
        "Délégué_Nom",
        "délégué prénom",
        "Délégué-Identifiant",
        "DÉLÉGANT_NOM",
        "Délégant_Prénom",
        "délégant_identifiant",
        "Référence_Épisode",
        "Montant (€)",
    ]
    assert [normalize_header(h) for h in headers[:9]] == list(HEADERS[:9])
    row = row_for(world, "15/04/2025", "EP-1") | {"montant": "25"}
    content = csv_bytes([row], headers=headers)
    batch = _import(world, content)
    assert (batch.outcome, batch.created_count) == ("imported", 1), batch.errors


def test_xlsx_with_date_cells_number_identifiers_and_text_dates(world):
    delegate, delegant = world.delegate, world.delegant
    rows = [
        [
            datetime.datetime(2025, 4, 15),
            world.protocol.code,
            "Nom",
            "Prénom",
            int(delegate.identifier),  # Excel turned the RPPS into a number
            "Nom",
            "Prénom",
            int(delegant.identifier),
            "EP-1",
            datetime.date(2025, 4, 17),
            None,
        ],
        ["16/04/2025", world.protocol.code, None, None, delegate.identifier, None, None, delegant.identifier, "EP-2"],
        [None] * 11,  # an empty line in the middle is skipped
        ["2025-04-18", world.protocol.code, "", "", delegate.identifier, "", "", delegant.identifier, "EP-3"],
    ]
    batch = _import(world, xlsx_bytes(rows), name="reporting.xlsx")
    assert (batch.outcome, batch.rows_read, batch.created_count) == ("imported", 3, 3), batch.errors
    first = Intervention.objects.get(episode_reference="EP-1")
    assert (first.performed_on, first.second_contact_on) == (D(2025, 4, 15), D(2025, 4, 17))


def test_xlsx_errors_give_the_spreadsheet_line(world):
    rows = [
        ["15/04/2025", world.protocol.code, "", "", world.delegate.identifier, "", "", world.delegant.identifier, "A"],
        ["31/02/2025", world.protocol.code, "", "", world.delegate.identifier, "", "", world.delegant.identifier, "B"],
    ]
    batch = _import(world, xlsx_bytes(rows), name="reporting.xlsx")
    assert batch.outcome == "rejected"
    assert batch.errors == [
        {
            "ligne": 3,
            "colonne": "date_intervention",
            "valeur": "31/02/2025",
            "message": "Date illisible : attendue au format JJ/MM/AAAA ou AAAA-MM-JJ.",
        }
    ]


def test_an_adeli_that_lost_its_leading_zero_is_found(world):
    delegate = world.add_delegate()
    delegate.rpps, delegate.adeli = None, "013456789"
    delegate.save()
    row = row_for(world, "15/04/2025", "EP-1", delegue_identifiant="13456789")
    batch = _import(world, csv_bytes([row]))
    assert batch.outcome == "imported", batch.errors
    assert Intervention.objects.get().delegate == delegate


def test_the_imported_interventions_get_their_eligibility_in_the_same_transaction(world):
    rows = [row_for(world, "15/04/2025", "EP-1"), row_for(world, "20/04/2025", "EP-1", delegate=world.add_delegate())]
    _import(world, csv_bytes(rows))
    assert sorted(InterventionEligibility.objects.values_list("reason", flat=True)) == ["", ""]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier est vide."),
        (b"PK\x03\x04not really a zip", "Ce classeur XLSX est illisible ou endommagé."),
    ],
)
def test_unreadable_files(content, message):
    with pytest.raises(UnreadableFile, match=message):
        open_table(content)


def test_a_damaged_xlsx_is_refused_with_a_report(world):
    batch = _import(world, b"PK\x03\x04garbage", name="reporting.xlsx")
    assert batch.outcome == "rejected"
    assert batch.errors[0]["message"] == "Ce classeur XLSX est illisible ou endommagé."


def _xlsx_with(**options) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    if options.get("date1904"):
        workbook.epoch = datetime.datetime(1904, 1, 1)
    sheet = workbook.active
    sheet.append(["date_intervention", "protocole", "reference_episode", "montant"])
    sheet.append([datetime.datetime(2025, 4, 15), "LOC-A", "EP-1", 25])
    sheet.append([datetime.date(2025, 4, 16), "LOC-A", 12345, 25.5])
    sheet.append([])
    sheet.append([None, "LOC-B", "EP-3", None])  # a leading empty cell
    sheet.append(["2025-04-18", True, "Épisode à l'accent", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("date1904", [False, True])
def test_the_fast_xlsx_reader_reads_what_openpyxl_reads(date1904):
    from protocols.imports.reading import _open_xlsx_with_openpyxl

    content = _xlsx_with(date1904=date1904)
    fast, slow = open_table(content), _open_xlsx_with_openpyxl(content)
    assert fast.headers == slow.headers == ["date_intervention", "protocole", "reference_episode", "montant"]

    def trimmed(rows):  # a missing trailing cell and an empty one mean the same
        return [
            (line, cells[: max((i + 1 for i, v in enumerate(cells) if v is not None), default=0)])
            for line, cells in rows
        ]

    fast_rows, slow_rows = trimmed(fast.rows), trimmed(slow.rows)
    assert fast_rows == slow_rows
    assert fast_rows[0] == (2, [datetime.datetime(2025, 4, 15), "LOC-A", "EP-1", 25])
    assert [line for line, _ in fast_rows] == [2, 3, 5, 6]
