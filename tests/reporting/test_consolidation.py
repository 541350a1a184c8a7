"""The region's consolidation: its totals are the sums of the statements of the period; the same figures by
département, protocol, structure kind and priority zone; PDF and XLSX; progress page; the CLI."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from funding.models import Statement
from portal.errors import ApplicationError
from portal.jobs import JobStatus
from portal.models import Structure
from portal.roles import Role
from reporting.models import BiannualReport, ConsolidatedReport
from reporting.services.consolidation import consolidation_start
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import RegionFactory, agent_of
from tests.reporting.conftest import H1


@pytest.fixture
def region(world):
    """Three grants in PACA (two départements, an MSP in a ZIP, a CDS, a CPTS) and one in another region."""
    Structure.objects.filter(pk=world.grant.structure_id).update(departement="13", in_zip=True)
    cds = GrantScenario(dossier__structure__region=world.region, dossier__structure__cds=True)
    Structure.objects.filter(pk=cds.grant.structure_id).update(departement="83")
    cds.add("2025-02-10", 400)  # over the cap: 7,000 €
    cpts = GrantScenario(dossier__structure__region=world.region, dossier__structure__cpts=True)
    Structure.objects.filter(pk=cpts.grant.structure_id).update(departement="13")
    cpts.add("2025-04-01", 8)
    foreign = GrantScenario(dossier__structure__region=RegionFactory(code="CVL"))
    foreign.add("2025-04-01", 50)
    world.issue()
    compute(foreign.region, "2025-H1", issue=True)
    world.pay(world.scenario.statement("2025-H1"), "2500.00")
    world.open()
    return world


def _consolidate(world, capture):
    with capture(execute=True):
        job = consolidation_start(region=world.region, period=H1, by=world.instructor)
    return ConsolidatedReport.objects.get(pk=job.pk)


def test_totals_equal_the_sum_of_the_statements(region, django_capture_on_commit_callbacks):
    job = _consolidate(region, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE, job.error
    statements = Statement.objects.filter(grant__structure__region=region.region, year=2025, half=1)
    expected = statements.aggregate(total=Sum("total_amount"), eligible=Sum("eligible_count"))
    assert Decimal(job.summary["total_amount"]) == expected["total"] == Decimal("2500.00") + Decimal("7000.00") + 200
    assert job.summary["eligible"] == expected["eligible"]
    assert job.summary["grants"] == 3
    assert Decimal(job.summary["paid"]) == Decimal("2500.00")

    with job.xlsx.open("rb") as stored:
        workbook = load_workbook(io.BytesIO(stored.read()))
    assert workbook.sheetnames == [
        "Totaux",
        "Subventions",
        "Départements",
        "Protocoles",
        "Types de structure",
        "Zones prioritaires",
    ]
    totals = list(workbook["Totaux"].iter_rows(values_only=True))
    assert totals[0][4] == "montant_total" and Decimal(str(totals[1][4])) == expected["total"]
    grants = list(workbook["Subventions"].iter_rows(values_only=True))[1:]
    assert len(grants) == 3 and sum(Decimal(str(row[13])) for row in grants) == expected["total"]
    departements = {
        row[0]: Decimal(str(row[4])) for row in list(workbook["Départements"].iter_rows(values_only=True))[1:]
    }
    assert departements == {"13": Decimal("2700.00"), "83": Decimal("7000.00")}
    kinds = {row[0] for row in list(workbook["Types de structure"].iter_rows(values_only=True))[1:]}
    assert kinds == {"MSP", "CDS", "CPTS"}
    zones = {row[0]: row[1] for row in list(workbook["Zones prioritaires"].iter_rows(values_only=True))[1:]}
    assert zones == {"ZIP": 1, "Hors zone prioritaire": 2}

    with job.pdf.open("rb") as stored:
        pages = PdfReader(io.BytesIO(stored.read())).pages
    text = re.sub(r"[\s\u202f\u00a0]+", " ", " ".join(page.extract_text() for page in pages))
    assert "consolidation du 1er semestre 2025" in text
    assert "Montant des états 9 700,00 €" in text
    assert "Par département" in text and "Par zone prioritaire" in text and "Hors zone prioritaire" in text
    assert region.grant.reference in text


def test_only_agents_of_the_region_consolidate_it(region):
    foreign = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    with pytest.raises(ApplicationError):
        consolidation_start(region=region.region, period=H1, by=foreign)
    assert not ConsolidatedReport.objects.exists()


def test_the_page_shows_progress_then_the_downloads(client, region, django_capture_on_commit_callbacks):
    client.force_login(region.finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:consolidation_list"), {"region": region.region.pk, "period": "2025-H1"}
        )
    job = ConsolidatedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reporting:consolidation_detail", kwargs={"consolidation_id": job.pk}
    )
    fragment = client.get(reverse("reporting:consolidation_progress", kwargs={"consolidation_id": job.pk}))
    assert fragment.status_code == 200
    assert b'data-status="done"' in fragment.content and b"hx-trigger" not in fragment.content
    assert reverse("reporting:consolidation_xlsx", kwargs={"consolidation_id": job.pk}).encode() in fragment.content
    download = client.get(reverse("reporting:consolidation_pdf", kwargs={"consolidation_id": job.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    download.close()


def test_a_bad_period_is_a_400(client, region):
    client.force_login(region.instructor)
    response = client.post(reverse("reporting:consolidation_list"), {"region": region.region.pk, "period": "2025-H3"})
    assert response.status_code == 400
    assert not ConsolidatedReport.objects.exists()


def test_generate_reports_command_writes_the_reports_pdfs_and_the_consolidation(region, tmp_path):
    call_command("generate_reports", region="paca", period="2025-H1", output=str(tmp_path))
    assert all(report.pdf for report in BiannualReport.objects.filter(grant__structure__region=region.region))
    assert (tmp_path / "consolidation-PACA-2025-H1.pdf").read_bytes().startswith(b"%PDF")
    workbook = load_workbook(tmp_path / "consolidation-PACA-2025-H1.xlsx")
    assert "Totaux" in workbook.sheetnames
    assert ConsolidatedReport.objects.get().status == JobStatus.DONE


@pytest.mark.parametrize("count", [1, 8])
def test_the_consolidations_list_runs_a_constant_number_of_queries(client, world, count, django_assert_num_queries):
    for _ in range(count):
        ConsolidatedReport.objects.create(region=world.region, year=2025, half=1, requested_by=world.instructor)
    client.force_login(world.instructor)
    client.get(reverse("reporting:consolidation_list"))  # session and scope warm-up
    # session, user, scope (2), TOTP check, regions of the form, jobs (with region and requester), savepoints
    with django_assert_num_queries(9):
        response = client.get(reverse("reporting:consolidation_list"))
    assert response.status_code == 200
    assert response.content.count(b"/ars/consolidations/") >= count
