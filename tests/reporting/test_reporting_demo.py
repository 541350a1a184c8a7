"""The reporting demo: the MSP des Oliviers' 2025-H1 report accepted, 2025-H2 a partly written draft, the PACA
consolidation of 2025-H1 done; and all of it without the PDF libraries too."""

from decimal import Decimal

from django.core.management import call_command

import portal.pdf
from funding.models import Statement
from portal.jobs import JobStatus
from reporting.models import BiannualReport, ConsolidatedReport, ReportState
from reporting.services.reports import missing_sections


def test_demo_reports_and_consolidation(demo):
    h1 = BiannualReport.objects.get(grant__reference="SUB-PACA-2025-001", year=2025, half=1)
    h2 = BiannualReport.objects.get(grant__reference="SUB-PACA-2025-001", year=2025, half=2)
    assert (h1.state, h1.sworn_statement, h1.reviewed_by.email) == (
        ReportState.ACCEPTED,
        True,
        "instructeur.paca@demo.fr",
    )
    statement = Statement.objects.get(grant=h1.grant, year=2025, half=1)
    assert Decimal(h1.figures["total_amount"]) == statement.total_amount
    assert h2.state == ReportState.DRAFT and h2.use_of_funds and not h2.next_steps
    assert "Perspectives" in missing_sections(h2)
    consolidation = ConsolidatedReport.objects.get(region__code="PACA", year=2025, half=1)
    assert consolidation.status == JobStatus.DONE and consolidation.xlsx
    total = sum(
        s.total_amount for s in Statement.objects.filter(grant__structure__region__code="PACA", year=2025, half=1)
    )
    assert Decimal(consolidation.summary["total_amount"]) == total


def test_the_demo_seeds_without_the_pdf_libraries(monkeypatch):
    def unavailable(html):
        raise portal.pdf.PdfUnavailable("pango absent")

    monkeypatch.setattr(portal.pdf, "html_to_pdf", unavailable)
    call_command("seed_demo", quiet_accounts=True)
    consolidation = ConsolidatedReport.objects.get(region__code="PACA", year=2025, half=1)
    assert consolidation.status == JobStatus.DONE
    assert consolidation.xlsx and not consolidation.pdf and consolidation.summary["pdf"] is False
    assert BiannualReport.objects.get(year=2025, half=1, grant__reference="SUB-PACA-2025-001").state == "accepted"
