"""The report's PDF: letterhead, the engine's figures, the three SVG charts, the coordinator's text, the signature
block; cached by the hash of what it shows, rendered again only when the report changes."""

import io
import re

from django.urls import reverse
from pypdf import PdfReader

from reporting.models import BiannualReport
from reporting.services.report_pdf import report_pdf_context, report_pdf_refresh, source_hash
from reporting.services.reports import report_accept, report_save_draft, report_submit
from tests.reporting.factories import WRITTEN


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


def _accepted(world):
    statement = world.issue()
    world.pay(statement, "1000.00")
    (report,) = world.open()
    report = report_save_draft(report=report, by=world.coordinator, **WRITTEN)
    report = report_submit(report=report, by=world.coordinator, sworn_statement=True)
    return report_accept(report=report, by=world.instructor), statement


def test_the_pdf_shows_the_figures_the_text_the_charts_and_the_signature(world):
    report, statement = _accepted(world)
    report = report_pdf_refresh(report_id=report.pk)
    with report.pdf.open("rb") as stored:
        data = stored.read()
    text = _text(data)
    assert "Agence régionale de santé Provence-Alpes-Côte d'Azur" in text
    assert "Rapport semestriel — 1er semestre 2025" in text
    assert "MSP des Tests" in text and world.grant.reference in text
    assert "Interventions éligibles 100" in text and "Interventions exclues 6" in text
    assert statement.reference in text
    assert "Montant émis 2 500,00 €" in text
    assert "Montant payé 1 000,00 €" in text
    assert "Plafond annuel consommé 2 500,00 € sur 7 000,00 € (35,7 %)" in text
    assert WRITTEN["use_of_funds"] in text and "Patients suivis 120" in text
    assert "atteste sur l'honneur" in text and "Accepté le" in text
    # The charts are drawn: their axes and legends are text of the SVG, beside the same figures in tables.
    for title in ("Interventions par mois", "Interventions éligibles et exclues du semestre", "Plafond annuel 2025"):
        assert title in text
    assert text.count("janv. 2025") == 2  # the chart's axis and the monthly table
    assert "Éligibles Exclues" in text  # the stacked chart's legend
    assert str(report_pdf_context(report)["charts"][0].svg).startswith("<svg")


def test_the_pdf_is_cached_and_rendered_again_only_when_the_report_changes(world):
    (report,) = world.open()
    report = report_save_draft(report=report, by=world.coordinator, use_of_funds="Première version")
    first = report_pdf_refresh(report_id=report.pk)
    name, digest = first.pdf.name, first.pdf_sha256
    assert first.pdf_source_hash == source_hash(BiannualReport.objects.get(pk=report.pk))
    again = report_pdf_refresh(report_id=report.pk)
    assert (again.pdf.name, again.pdf_sha256) == (name, digest)
    report_save_draft(report=report, by=world.coordinator, use_of_funds="Seconde version")
    changed = report_pdf_refresh(report_id=report.pk)
    assert changed.pdf.name != name
    with changed.pdf.open("rb") as stored:
        assert "Seconde version" in _text(stored.read())


def test_submission_queues_the_pdf_task_a_draft_save_does_not(world, django_capture_on_commit_callbacks):
    (report,) = world.open()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_save_draft(report=report, by=world.coordinator, **WRITTEN)
    assert not BiannualReport.objects.get(pk=report.pk).pdf  # rendered on download only
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, by=world.coordinator, sworn_statement=True)
    stored = BiannualReport.objects.get(pk=report.pk)
    assert stored.pdf and stored.pdf_source_hash == source_hash(stored)


def test_download_serves_an_up_to_date_pdf_to_the_coordinator_and_the_instructor(client, world):
    (report,) = world.open()
    report_save_draft(report=report, by=world.coordinator, use_of_funds="Texte du coordinateur")
    for user in (world.coordinator, world.instructor):
        client.force_login(user)
        response = client.get(reverse("reporting:report_pdf", kwargs={"report_id": report.pk}))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "Texte du coordinateur" in _text(b"".join(response.streaming_content))
