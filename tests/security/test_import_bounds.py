"""Spreadsheet and CSV bounds (protocols.imports.bounds): a far cell, an oversized part, too many cells in a row, an
overlong CSV line or too many columns are refused with a French message, before they cost memory: as a form error
on the upload page, as an error of the ``import_interventions`` command, as a failed batch in the import's reader."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.jobs import JobStatus
from protocols.imports.bounds import BoundsExceeded, scan_xlsx
from protocols.imports.reading import UnreadableFile, check_upload_bounds, open_table
from protocols.models import ImportBatch, Intervention
from protocols.services.imports import import_batch_run
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import csv_bytes, row_for, xlsx_bytes
from tests.protocols.tableau_files import Line, tableau_rows, tableau_xlsx

WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _sheet(rows_xml: str, dimension: str = "A1:B2") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main"><dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    )


def _workbook(sheet_xml: str, extra_parts: dict[str, bytes] | None = None) -> bytes:
    """A minimal XLSX written by hand: what an attacker sends (some hundreds of bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, content in (extra_parts or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _far_cell_workbook() -> bytes:
    cells = '<c r="A1" t="inlineStr"><is><t>date</t></is></c><c r="ZZZZZZ1" t="inlineStr"><is><t>x</t></is></c>'
    return _workbook(_sheet(f'<row r="1">{cells}</row>'))


def _peak_bytes(action) -> tuple[int, Exception]:
    tracemalloc.start()
    try:
        action()
    except BoundsExceeded as error:
        caught = error
    else:
        raise AssertionError("the file was not refused")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, caught


@pytest.fixture
def world():
    return build_world()


def test_a_1kb_workbook_with_a_cell_at_zzzzzz1_is_refused_without_allocating(world):
    content = _far_cell_workbook()
    assert len(content) < 1500
    # The reader padded the row up to column ZZZZZZ (321 million cells, gigabytes); now it refuses first.
    peak, error = _peak_bytes(lambda: list(open_table(content).rows))
    assert "ZZZZZZ1" in str(error) and "colonne XFD" in str(error)
    assert peak < 8 * 1024 * 1024
    peak, error = _peak_bytes(lambda: check_upload_bounds(io.BytesIO(content)))
    assert "ZZZZZZ1" in str(error)
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("rows_xml", "dimension", "expected"),
    [
        ('<row r="1"><c r="A1048577"><v>1</v></c></row>', "A1:B2", "A1048577"),
        ('<row r="1048577"><c><v>1</v></c></row>', "A1:B2", "1048577"),
        ('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFE3", "A1:XFE3"),
    ],
    ids=["cell-row", "row", "dimension"],
)
def test_rows_cells_and_dimension_past_the_sheet_are_refused(rows_xml, dimension, expected):
    content = _workbook(_sheet(rows_xml, dimension))
    for check in (lambda: list(open_table(content).rows), lambda: check_upload_bounds(io.BytesIO(content))):
        with pytest.raises(BoundsExceeded, match="au-delà des limites d'une feuille"):
            check()


def test_too_many_cells_in_a_row_are_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 20
    within = "".join(f"<c><v>{n}</v></c>" for n in range(20))
    beyond = "".join(f"<c><v>{n}</v></c>" for n in range(21))
    ok = _workbook(_sheet(f'<row r="1">{within}</row><row r="2">{within}</row>'))
    assert len(list(open_table(ok).rows)) == 1
    check_upload_bounds(io.BytesIO(ok))
    refused = _workbook(_sheet(f'<row r="1">{within}</row><row r="2">{beyond}</row>'))
    for check in (lambda: list(open_table(refused).rows), lambda: check_upload_bounds(io.BytesIO(refused))):
        with pytest.raises(BoundsExceeded, match="la ligne 2 a des cellules au-delà de la colonne T"):
            check()
    # A far cell within XFD but past the configured width: refused the same way, before padding.
    far = _workbook(_sheet('<row r="1"><c r="A1"><v>1</v></c><c r="AB1"><v>2</v></c></row>'))
    with pytest.raises(BoundsExceeded, match="la ligne 1 a des cellules au-delà de la colonne T"):
        list(open_table(far).rows)


def test_an_oversized_shared_strings_part_is_refused_by_its_real_size(settings):
    settings.IMPORT_MAX_PART_BYTES = 1024 * 1024
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "".join(f"<si><t>EP-{n * 7919 % 1000003:07d}-{n}</t></si>" for n in range(50_000))
        + "</sst>"
    ).encode()
    assert len(strings) > 1024 * 1024
    content = _workbook(_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), {"xl/sharedStrings.xml": strings})
    assert len(content) < 1024 * 1024  # the part is too large inflated, not as uploaded
    for check in (lambda: open_table(content), lambda: check_upload_bounds(io.BytesIO(content))):
        with pytest.raises(BoundsExceeded, match="table des textes .* dépasse 1 Mo"):
            check()


def test_an_oversized_sheet_is_refused_while_streaming(settings):
    settings.IMPORT_MAX_PART_BYTES = 1024 * 1024
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 40_000))
    content = _workbook(_sheet(rows, f"A1:A{39_999}"))
    with pytest.raises(BoundsExceeded, match="feuille sheet1.xml dépasse 1 Mo"):
        list(open_table(content).rows)
    with pytest.raises(BoundsExceeded, match="feuille sheet1.xml dépasse 1 Mo"):
        check_upload_bounds(io.BytesIO(content))


def test_a_csv_line_too_long_is_refused(settings, world):
    settings.IMPORT_MAX_CSV_LINE = 2048
    good = csv_bytes([row_for(world, "15/04/2025", "EP-1")])
    long_line = good + b"x;" * 1500 + b"\r\n"
    for check in (lambda: list(open_table(long_line).rows), lambda: check_upload_bounds(io.BytesIO(long_line))):
        with pytest.raises(BoundsExceeded, match="la ligne 3 dépasse 2048 caractères"):
            check()
    # Old Mac line breaks (a lone \r) are lines too, not one long line.
    check_upload_bounds(io.BytesIO(good.replace(b"\r\n", b"\r") * 200))


def test_a_csv_with_too_many_columns_is_refused(settings, world):
    settings.IMPORT_MAX_COLUMNS = 30
    good = csv_bytes([row_for(world, "15/04/2025", "EP-1")])
    wide = good + b";" * 30 + b"\r\n"
    for check in (lambda: list(open_table(wide).rows), lambda: check_upload_bounds(io.BytesIO(wide))):
        with pytest.raises(BoundsExceeded, match="la ligne 3 a 31 colonnes \\(30 au plus\\)"):
            check()
    assert len(list(open_table(good).rows)) == 1


def test_the_upload_page_refuses_a_far_cell_as_a_form_error(client, world):
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("tableau.xlsx", _far_cell_workbook(), content_type="application/octet-stream")
    response = client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    assert response.status_code == 400
    assert "ZZZZZZ1" in response.content.decode() and "colonne XFD" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_command_refuses_a_far_cell_with_a_clear_error(tmp_path, world):
    path = tmp_path / "tableau.xlsx"
    path.write_bytes(_far_cell_workbook())
    with pytest.raises(CommandError, match="ZZZZZZ1.*colonne XFD"):
        call_command("import_interventions", str(path), "--structure", world.structure.finess)
    assert not ImportBatch.objects.exists()


def test_past_the_upload_check_the_reader_fails_the_batch_with_the_message(settings, world):
    """A batch stored within the bounds then read under tighter ones (or past what the upload scans): the reader
    refuses it, the batch is failed with the message the import page shows, nothing is written."""
    content = xlsx_bytes([list(row_for(world, "15/04/2025", "EP-1").values())], headers=None)
    upload = SimpleUploadedFile("tableau.xlsx", content)
    check_upload_bounds(upload)  # within the bounds at upload
    batch = ImportBatch.objects.create(structure=world.structure, sha256="0" * 64, requested_by=world.coordinator)
    batch.file.save("import.xlsx", upload)
    settings.IMPORT_MAX_COLUMNS = 10  # tightened since: the portal's template has 11 columns
    batch = import_batch_run(batch_id=batch.pk)
    assert batch.status == JobStatus.FAILED
    assert batch.outcome == ImportBatch.Outcome.REJECTED
    assert "au-delà de la colonne J" in batch.error and batch.errors[0]["message"] == batch.error
    assert not Intervention.objects.exists()


def test_the_import_page_shows_the_failed_batch_message(client, world):
    batch = ImportBatch.objects.create(structure=world.structure, sha256="1" * 64, requested_by=world.coordinator)
    batch.file.save("import.xlsx", io.BytesIO(_far_cell_workbook()))
    import_batch_run(batch_id=batch.pk)
    client.force_login(world.coordinator)
    page = client.get(reverse("protocols:import_detail", kwargs={"import_batch_id": batch.pk})).content.decode()
    assert "Échec" in page and "ZZZZZZ1" in page


def test_the_ars_tableau_still_imports_within_the_bounds(world):
    lines = [Line(world.protocol.code, "15/04/2025", world.delegate, world.delegant)]
    content = tableau_xlsx(tableau_rows(lines, finess=world.structure.finess))
    check_upload_bounds(io.BytesIO(content))
    table = open_table(content, finess=world.structure.finess)
    assert table.layout == "tableau" and len(list(table.rows)) >= 1


def _declaring(content: bytes, name: str, size: int) -> bytes:
    """``content`` whose archive declares ``size`` bytes for the member ``name`` (local and central headers)."""
    data = bytearray(content)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                data[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(data)


def test_a_sheet_larger_than_its_archive_declares_is_refused_as_damaged_never_a_crash(client, world):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 200))
    content = _declaring(_workbook(_sheet(rows, "A1:A199")), "xl/worksheets/sheet1.xml", 300)
    with pytest.raises(UnreadableFile, match="illisible ou endommagé"):
        list(open_table(content).rows)
    check_upload_bounds(io.BytesIO(content))  # damaged, not out of bounds: the import says so
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("tableau.xlsx", content, content_type="application/octet-stream")
    response = client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.outcome == ImportBatch.Outcome.REJECTED
    assert "illisible ou endommagé" in batch.errors[0]["message"]


def test_openpyxl_reads_nothing_before_the_whole_workbook_is_checked():
    """A workbook the fast reader does not understand (no xl/workbook.xml) goes to openpyxl, which pads rows up to
    the sheet's dimension: every part is scanned first, and the far cell refused."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", _sheet('<row r="1"><c r="ZZZZZZ1"><v>1</v></c></row>', "A1:B2"))
    peak, error = _peak_bytes(lambda: open_table(buffer.getvalue()))
    assert "ZZZZZZ1" in str(error) and peak < 8 * 1024 * 1024


def _openpyxl_only_workbook(sheet_xml: str) -> bytes:
    """No xl/workbook.xml: the fast reader gives up and openpyxl, the tolerant one, reads the sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def test_before_openpyxl_a_reference_the_scan_cannot_read_refuses_the_file():
    """openpyxl accepts ``r="a1"``; the scan cannot check what it cannot read, so the file is refused rather than the
    checks of the part switched off (a far cell further down would then reach openpyxl unchecked)."""
    cells = '<c r="a1"><v>1</v></c><c r="ZZZ1"><v>1</v></c>'
    content = _openpyxl_only_workbook(_sheet(f'<row r="1">{cells}</row>'))
    peak, error = _peak_bytes(lambda: open_table(content))
    assert "illisible" in str(error) and peak < 8 * 1024 * 1024


def test_before_openpyxl_a_declared_range_wider_than_allowed_is_refused():
    """openpyxl pads every row up to the declared range: A1:XFD1048576 with two rows would be millions of cells."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    content = _openpyxl_only_workbook(_sheet(rows, "A1:XFD1048576"))
    peak, error = _peak_bytes(lambda: open_table(content))
    assert "colonne" in str(error) and peak < 8 * 1024 * 1024


def test_only_the_check_before_openpyxl_refuses_a_wide_declared_range():
    """The fast reader pads nothing: a range declared wider than the data is no reason to refuse its file there."""
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>date</t></is></c></row>'
    archive = zipfile.ZipFile(io.BytesIO(_workbook(_sheet(rows, "A1:XFD3"))))
    scan_xlsx(archive)  # the fast reader's and the upload's check: accepted
    with pytest.raises(BoundsExceeded, match="colonne"):
        scan_xlsx(archive, strict=True)


def test_a_workbook_with_malformed_xml_is_refused_as_damaged_never_a_crash():
    content = _workbook(
        _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), {"xl/sharedStrings.xml": b"<sst><si>"}
    )
    with pytest.raises(UnreadableFile, match="illisible ou endommagé"):
        list(open_table(content).rows)
