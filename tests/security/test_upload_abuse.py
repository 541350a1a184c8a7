"""Upload abuse on the reporting-table import: zip bombs, oversize files, hostile names (the documents' own checks
are in tests/protocols/test_documents.py and tests/portal/test_shared_tools.py)."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from protocols.imports import reading
from protocols.imports.reading import UnreadableFile, open_table
from protocols.models import ImportBatch, Intervention
from tests.funding.eligibility_world import build_world
from tests.protocols.import_files import row_for, xlsx_bytes


@pytest.fixture
def world():
    return build_world()


def _with_member(xlsx: bytes, name: str, payload_chunks, *, count: int) -> bytes:
    """A copy of the workbook ``xlsx`` whose member ``name`` is replaced by ``count`` times ``payload_chunks``,
    written as a stream (the bomb is never held in memory here either)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == name:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                with target.open(info, "w", force_zip64=True) as member:
                    for _ in range(count):
                        member.write(payload_chunks)
            else:
                target.writestr(item, source.read(item.filename))
    return buffer.getvalue()


def _bomb(world) -> bytes:
    """A real workbook whose first sheet inflates from some 20 kB to 20 MB (a thousand to one)."""
    workbook = xlsx_bytes([list(row_for(world, "15/04/2025", "EP-1").values())])
    return _with_member(workbook, "xl/worksheets/sheet1.xml", b" " * (1 << 20), count=20)


def test_a_zip_bomb_is_refused_before_anything_is_inflated(world):
    content = _bomb(world)
    assert len(content) < 200_000
    with pytest.raises(UnreadableFile, match="archive piégée"):
        open_table(content)


def test_a_zip_bomb_uploaded_on_the_import_page_is_a_french_form_error(client, world):
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("tableau.xlsx", _bomb(world), content_type="application/octet-stream")
    response = client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    assert response.status_code == 400
    assert "archive piégée" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not Intervention.objects.exists()


def test_a_workbook_that_would_inflate_beyond_the_limit_is_refused(world, monkeypatch):
    # Honest compression (random-looking cells), but more XML than the portal agrees to read.
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 256 * 1024)
    rows = [[f"{i:08d}-{i * 7919 % 100003:06d}", i, f"EP-{i * 31337 % 999983}"] for i in range(8_000)]
    with pytest.raises(UnreadableFile, match="dépasserait"):
        open_table(xlsx_bytes(rows, headers=["a", "b", "c"]))


def test_an_ordinary_workbook_passes_the_size_checks(world):
    table = open_table(xlsx_bytes([list(row_for(world, "15/04/2025", "EP-1").values())]))
    assert len(list(table.rows)) == 1


def test_an_oversize_import_is_a_form_error(client, settings, world):
    settings.INTERVENTION_IMPORT_MAX_BYTES = 1024 * 1024
    client.force_login(world.coordinator)
    upload = SimpleUploadedFile("tableau.csv", b"a;b\n" + b"1;2\n" * 300_000, content_type="text/csv")
    response = client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    assert response.status_code == 400
    assert "dépasse la taille maximale de 1 Mo" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("name", ["../../../etc/cron.d/evil.csv", "..\\..\\windows\\evil.csv", "/abs/evil.csv"])
def test_a_hostile_import_name_never_chooses_where_the_file_goes(client, settings, world, name):
    client.force_login(world.coordinator)
    content = b"date_intervention;protocole\n15/04/2025;X\n"
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    client.post(reverse("protocols:import_list"), {"structure": world.structure.pk, "file": upload})
    batch = ImportBatch.objects.get()
    assert batch.original_name == "evil.csv"
    stored = Path(batch.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert ".." not in batch.file.name and "evil" not in batch.file.name
