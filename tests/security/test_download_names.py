"""Every download name goes through one helper (portal.downloads) that builds a safe Content-Disposition header:
RFC 6266 with an ASCII fallback and an RFC 5987 ``filename*`` keeping accents; quotes, CR, LF and ``;`` never reach
the header, whatever the name (an uploaded file's original name, a code, a structure's name)."""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse

from portal.downloads import content_disposition, safe_filename
from tests.funding.factories import DossierAttachmentFactory, DossierFactory
from tests.portal.factories import RegionFactory, coordinator_of

ROOT = Path(settings.BASE_DIR)
APPS = ("portal", "protocols", "funding", "reporting", "config")


def parsed(value: str) -> tuple[str, str]:
    """(disposition, file name) as a browser reads the header: ``filename*`` first (RFC 6266 § 4.3), else
    ``filename``. Splitting on ";" is sound only because no name may hold one (checked below)."""
    disposition, *parameters = [part.strip() for part in value.split(";")]
    values = dict(parameter.split("=", 1) for parameter in parameters)
    if "filename*" in values:
        charset, _, encoded = values["filename*"].partition("''")
        assert charset == "UTF-8"
        return disposition, unquote(encoded, encoding="utf-8", errors="strict")
    return disposition, values["filename"].removeprefix('"').removesuffix('"')


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("etats-PACA-2025S1.csv", "etats-PACA-2025S1.csv"),
        ("Décision D-2025-001.pdf", "Decision D-2025-001.pdf"),
        ("PV commission 2025-03-04.pdf", "PV commission 2025-03-04.pdf"),
        ("Œdème — protocole.pdf", "_deme _ protocole.pdf"),
    ],
)
def test_ascii_names_stay_and_accents_are_kept_beside_an_ascii_fallback(name, fallback):
    value = content_disposition(name)
    assert value.isascii()
    assert f'filename="{fallback}"' in value
    assert parsed(value) == ("attachment", name)
    assert ("filename*=UTF-8''" in value) == (name != fallback)


@pytest.mark.parametrize(
    "name",
    [
        'rapport"; filename="evil.exe',
        "pièce\r\nSet-Cookie: sessionid=volee.pdf",
        "a;b\\c.pdf",
        "../../etc/passwd",
        "\x00\x1b[31mrouge.pdf",
        "ligne\u2028séparée.pdf",
    ],
)
def test_quotes_line_breaks_and_semicolons_never_reach_the_header(name):
    value = content_disposition(name, inline=True)
    assert value.isascii()
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    # Exactly the parameters the helper writes: the name cannot add or end one.
    assert re.fullmatch(r"inline; filename=\"[^\"\\;]*\"(; filename\*=UTF-8''[A-Za-z0-9%._~-]*)?", value), value
    disposition, filename = parsed(value)
    assert disposition == "inline"
    assert filename == safe_filename(name)
    assert not set(filename) & set('";\\/\r\n')


def test_empty_names_get_a_default():
    assert parsed(content_disposition("")) == ("attachment", "document")
    assert parsed(content_disposition(" . ")) == ("attachment", "document")


def _project_sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_every_download_goes_through_the_helper():
    """No view writes the header, nor lets FileResponse write it: grep the code for the ways around the helper."""
    offenders = []
    for path in _project_sources():
        if path == ROOT / "portal" / "downloads.py":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in ("Content-Disposition", "FileResponse(", "as_attachment", "content_disposition_header"):
            if pattern.lower() in text.lower():
                offenders.append(f"{path.relative_to(ROOT)} : {pattern}")
    assert offenders == []


def test_an_uploaded_name_is_served_safely(client):
    draft = DossierFactory(complete=True, structure__region=RegionFactory(code="PACA"))
    attachment = DossierAttachmentFactory(dossier=draft, original_name='Projet "santé";\r\nX-Piège: 1.pdf')
    client.force_login(coordinator_of(draft.structure))
    response = client.get(
        reverse("funding:dossier_attachment_download", kwargs={"dossier_attachment_id": attachment.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert parsed(response["Content-Disposition"]) == ("attachment", "Projet santé X-Piège 1.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()
