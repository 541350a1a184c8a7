"""The finance officer's pages: compute, follow, review, issue, export; who may see what."""

import csv
import io
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import ComputationRun, Statement, StatementStatus
from portal.jobs import JobStatus
from portal.roles import Role
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import agent_of, coordinator_of


@pytest.fixture
def scenario():
    scenario = GrantScenario()
    scenario.add("2025-03-01", 8)
    scenario.add("2025-03-02", 2, eligible=False, reason="delegant_hors_equipe")
    return scenario


@pytest.fixture
def officer(scenario):
    return agent_of(scenario.region, Role.FINANCE_OFFICER)


def _compute_through_the_button(client, region, period, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:statement_compute"), {"region": region.pk, "period": period})
    assert response.status_code == 302
    return ComputationRun.objects.latest("requested_at")


def test_the_officer_computes_follows_and_issues(client, scenario, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    home = client.get(reverse("funding:statement_home"))
    assert home.status_code == 200
    assert "Calculer les brouillons" in home.content.decode()
    run = _compute_through_the_button(client, scenario.region, "2025-H1", django_capture_on_commit_callbacks)
    assert run.status == JobStatus.DONE
    page = client.get(reverse("funding:computation_run_detail", kwargs={"computation_run_id": run.pk}))
    content = unescape(page.content.decode())
    assert page.status_code == 200
    assert scenario.grant.reference in content and "Émettre les états" in content
    fragment = client.get(reverse("funding:computation_run_progress", kwargs={"computation_run_id": run.pk}))
    assert 'data-status="done"' in fragment.content.decode() and "hx-get" not in fragment.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:computation_run_issue", kwargs={"computation_run_id": run.pk}))
    issue_run = ComputationRun.objects.latest("requested_at")
    assert response.url == reverse("funding:computation_run_detail", kwargs={"computation_run_id": issue_run.pk})
    assert (issue_run.issue_after, issue_run.status, issue_run.expected_digest) == (True, "done", run.result_digest)
    statement = scenario.statement("2025-H1")
    assert (statement.status, statement.issued_by) == (StatementStatus.ISSUED, officer)
    assert "États émis" in unescape(client.get(response.url).content.decode())


def test_issue_is_refused_when_the_figures_changed_since_the_review(
    client, scenario, officer, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    run = _compute_through_the_button(client, scenario.region, "2025-H1", django_capture_on_commit_callbacks)
    scenario.add("2025-03-03", 1)  # an import lands between the review and the click
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("funding:computation_run_issue", kwargs={"computation_run_id": run.pk}))
    issue_run = ComputationRun.objects.latest("requested_at")
    assert issue_run.status == JobStatus.FAILED
    assert "Les montants ont changé" in issue_run.error
    assert scenario.statement("2025-H1").status == StatementStatus.DRAFT
    page = client.get(reverse("funding:computation_run_detail", kwargs={"computation_run_id": issue_run.pk}))
    assert "Les montants ont changé" in unescape(page.content.decode())


def test_a_running_run_polls_and_shows_its_progress(client, scenario, officer):
    client.force_login(officer)
    run = ComputationRun.objects.create(region=scenario.region, year=2025, half=1, status=JobStatus.RUNNING)
    fragment = client.get(reverse("funding:computation_run_progress", kwargs={"computation_run_id": run.pk}))
    content = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in content and 'data-status="running"' in content


def test_a_second_click_returns_the_run_already_queued(client, scenario, officer):
    client.force_login(officer)
    first = client.post(reverse("funding:statement_compute"), {"region": scenario.region.pk, "period": "2025-H1"})
    second = client.post(reverse("funding:statement_compute"), {"region": scenario.region.pk, "period": "2025-H1"})
    assert first.url == second.url
    assert ComputationRun.objects.count() == 1


def test_an_invalid_period_is_a_form_error(client, scenario, officer):
    client.force_login(officer)
    response = client.post(reverse("funding:statement_compute"), {"region": scenario.region.pk, "period": "2025-H3"})
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in response.content.decode()
    assert not ComputationRun.objects.exists()


def test_region_admin_reads_but_cannot_compute_or_issue(client, scenario):
    admin = agent_of(scenario.region, Role.REGION_ADMIN)
    compute(scenario.region, "2025-H1")
    run = ComputationRun.objects.create(
        region=scenario.region, year=2025, half=1, status=JobStatus.DONE, result_digest="x"
    )
    client.force_login(admin)
    assert client.get(reverse("funding:statement_home")).status_code == 200
    assert "Calculer les brouillons" not in client.get(reverse("funding:statement_home")).content.decode()
    period_url = reverse("funding:statement_period", kwargs={"region_id": scenario.region.pk, "period": "2025-H1"})
    assert client.get(period_url).status_code == 200
    assert client.post(reverse("funding:statement_compute"), {"region": scenario.region.pk}).status_code == 403
    issue_url = reverse("funding:computation_run_issue", kwargs={"computation_run_id": run.pk})
    assert client.post(issue_url).status_code == 403


def test_coordinator_sees_issued_statements_of_the_structure_only(client, scenario):
    coordinator = coordinator_of(scenario.grant.structure)
    compute(scenario.region, "2025-H1")
    client.force_login(coordinator)
    url = reverse("funding:statement_detail", kwargs={"statement_id": scenario.statement("2025-H1").pk})
    assert client.get(url).status_code == 404  # a draft is the ARS's working copy
    compute(scenario.region, "2025-H1", issue=True)
    response = client.get(url)
    assert response.status_code == 200 and "Émis" in response.content.decode()
    assert client.get(reverse("funding:statement_home")).status_code == 403


def test_statement_detail_lists_interventions_with_reasons_and_filters(client, scenario, officer):
    compute(scenario.region, "2025-H1")
    client.force_login(officer)
    url = reverse("funding:statement_detail", kwargs={"statement_id": scenario.statement("2025-H1").pk})
    content = unescape(client.get(url).content.decode())
    assert "Interventions de l'état (10)" in content
    assert "Délégant absent de l'équipe à cette date" in content
    excluded = unescape(client.get(url, {"statut": "exclue"}).content.decode())
    assert "Interventions de l'état (2)" in excluded


def test_the_period_page_costs_the_same_queries_for_more_grants(
    client, scenario, officer, django_assert_max_num_queries
):
    compute(scenario.region, "2025-H1")
    client.force_login(officer)
    url = reverse("funding:statement_period", kwargs={"region_id": scenario.region.pk, "period": "2025-H1"})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        GrantScenario(dossier__structure__region=scenario.region).add("2025-04-01", 2)
    compute(scenario.region, "2025-H1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_exports_from_the_period_page(client, scenario, officer):
    compute(scenario.region, "2025-H1")
    client.force_login(officer)
    url = reverse("funding:statement_period_export", kwargs={"region_id": scenario.region.pk, "period": "2025-H1"})
    summary = client.get(url, {"format": "csv"})
    assert summary["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(summary.streaming_content).decode()), delimiter=";"))
    assert rows[1][3] == scenario.grant.reference and rows[1][5] == "brouillon"
    detail = client.get(url, {"format": "csv", "detail": "1"})
    assert len(b"".join(detail.streaming_content).decode().splitlines()) == 1 + 10
    xlsx = client.get(url, {"format": "xlsx", "detail": "1"})
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).sheetnames == ["États", "Lignes", "Détail"]
    pdf = client.get(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(url, {"format": "docx"}).status_code == 400


def test_statement_pdf_and_csv_downloads(client, scenario, officer):
    compute(scenario.region, "2025-H1", issue=True)
    client.force_login(officer)
    statement = scenario.statement("2025-H1")
    pdf = client.get(reverse("funding:statement_pdf", kwargs={"statement_id": statement.pk}))
    assert pdf.content.startswith(b"%PDF")
    assert Statement.objects.get(pk=statement.pk).pdf_sha256
    detail = client.get(reverse("funding:statement_csv", kwargs={"statement_id": statement.pk}))
    assert len(b"".join(detail.streaming_content).decode().splitlines()) == 11
