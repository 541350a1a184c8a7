"""Shared tools of the portal layer: uploads checked by content, private storage, PDFs, exports."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

import portal.pdf
from portal.downloads import safe_filename
from portal.exports import Column, csv_lines, neutralise, xlsx_bytes
from portal.pdf import render_pdf
from portal.roles import Role
from portal.uploads import DocumentField, PrivateUploadTo, check_upload
from tests.funding.factories import DossierFactory
from tests.portal.factories import RegionFactory, agent_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [(PDF, "a.pdf", "application/pdf"), (PNG, "b.png", "image/png"), (JPEG, "c.JPG", "image/jpeg")],
)
def test_accepted_types_are_recognised_by_content(content, name, expected):
    checked = check_upload(SimpleUploadedFile(name, content))
    assert checked.content_type == expected
    assert len(checked.sha256) == 64


def test_a_renamed_file_is_refused():
    executable = SimpleUploadedFile("attestation.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(ValidationError) as error:
        check_upload(executable)
    assert error.value.code == "file_type"
    assert "PDF, JPEG ou PNG" in error.value.messages[0]


def test_oversize_and_empty_files_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="taille maximale"):
        check_upload(SimpleUploadedFile("gros.pdf", PDF + b"0" * 2048))
    with pytest.raises(ValidationError, match="vide"):
        check_upload(SimpleUploadedFile("vide.pdf", b""))


def test_document_field_validates_and_exposes_the_check():
    field = DocumentField()
    cleaned = field.clean(SimpleUploadedFile("piece.pdf", PDF))
    assert cleaned.checked.content_type == "application/pdf"
    with pytest.raises(ValidationError):
        field.clean(SimpleUploadedFile("piece.pdf", b"<html>"))


def test_stored_names_are_random_and_keep_no_user_text():
    upload_to = PrivateUploadTo("pieces")
    first, second = upload_to(None, "../../etc/passwd.pdf"), upload_to(None, "../../etc/passwd.pdf")
    assert first != second
    assert first.startswith("private/pieces/") and first.endswith(".pdf")
    assert ".." not in first and "passwd" not in first
    assert upload_to(None, "script.sh").rsplit("/", 1)[1].count(".") == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../secret.pdf", "secret.pdf"),
        ("C:\\Users\\x\\carte.png", "carte.png"),
        ('a<b>:"c".pdf', "abc.pdf"),
        ("", "document"),
    ],
)
def test_display_names_are_sanitised(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+33", "-1+1", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise(value).startswith("'")


def test_csv_export_neutralises_and_keeps_numbers():
    columns = [Column("nom", lambda row: row[0]), Column("montant", lambda row: row[1])]
    text = "".join(csv_lines(columns, [("=1+1", 25), ("Durand", 7000)]))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["nom", "montant"], ["'=1+1", "25"], ["Durand", "7000"]]


def test_xlsx_export_has_a_sheet_per_view():
    columns = [Column("nom", lambda row: row)]
    workbook = load_workbook(io.BytesIO(xlsx_bytes([("Synthèse", columns, ["=A1", "b"]), ("Détail", columns, ["c"])])))
    assert workbook.sheetnames == ["Synthèse", "Détail"]
    assert [cell.value for cell in workbook["Synthèse"]["A"]] == ["nom", "'=A1", "b"]


def test_pdf_rendering_with_the_letterhead(tmp_path, settings):
    region = RegionFactory(code="PACA")
    region.address = "132 boulevard de Paris\n13003 Marseille"
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}]
    (tmp_path / "doc.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}<h1>Récépissé n° {{ number }}</h1>{% endblock %}'
    )
    pdf = render_pdf("doc.html", {"region": region, "number": "AMI-PACA-2025-001"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF")
    assert "Récépissé n° AMI-PACA-2025-001" in text
    assert "132 boulevard de Paris" in text
    assert "Provence-Alpes-Côte d'Azur" in text


def test_a_pdf_that_cannot_be_rendered_is_a_clear_503(client, monkeypatch):
    """On a machine without the PDF libraries (pango), downloading a PDF says so instead of failing with a 500."""

    def unavailable(html):
        raise portal.pdf.PdfUnavailable("pango absent")

    monkeypatch.setattr(portal.pdf, "html_to_pdf", unavailable)
    dossier = DossierFactory(submitted=True, state="under_instruction", structure__region=RegionFactory(code="PACA"))
    client.force_login(agent_of(dossier.structure.region, Role.INSTRUCTOR))
    response = client.get(reverse("funding:instruction_pdf", kwargs={"dossier_id": dossier.pk}))
    assert response.status_code == 503
    assert "génération des documents PDF n'est pas disponible" in response.content.decode()
