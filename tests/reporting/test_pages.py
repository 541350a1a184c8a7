"""Pages of the reports: lists (constant queries, filters, empty state), the coordinator's form (autosave, 400 on
bad input, submit), the instructor's review (400 without a comment, accept), menus."""

import datetime

import pytest
from django.urls import reverse

from portal.roles import Role
from reporting.models import BiannualReport, ReportState
from reporting.services.reports import report_save_draft, report_submit
from tests.funding.factories import GrantFactory
from tests.portal.factories import StructureMembershipFactory, agent_of
from tests.reporting.conftest import H1
from tests.reporting.factories import WRITTEN, BiannualReportFactory


def _reports_of(structure, count):
    for number in range(count):
        grant = GrantFactory(dossier__structure=structure)
        BiannualReportFactory(grant=grant, year=2024 - number % 3, half=1 + number % 2)


@pytest.mark.parametrize("count", [1, 12])
def test_coordinator_list_runs_a_constant_number_of_queries(client, world, count, django_assert_num_queries):
    _reports_of(world.grant.structure, count)
    client.force_login(world.coordinator)
    client.get(reverse("reporting:report_list"))  # session and scope warm-up
    # session, user, scope (2), TOTP check, count, page, and the middleware's savepoint pair
    with django_assert_num_queries(8):
        response = client.get(reverse("reporting:report_list"))
    assert response.status_code == 200
    assert response.content.count(b"/rapports/") >= count


@pytest.mark.parametrize("count", [1, 12])
def test_agency_list_runs_a_constant_number_of_queries(client, world, count, django_assert_num_queries):
    _reports_of(world.grant.structure, count)
    client.force_login(world.instructor)
    client.get(reverse("reporting:report_agency_list"))  # session and scope warm-up
    # session, user, scope (2), TOTP check, count, page, periods, départements, savepoint
    with django_assert_num_queries(10):
        response = client.get(reverse("reporting:report_agency_list"))
    assert response.status_code == 200
    assert response.content.count(b"/ars/rapports/") >= count


def test_agency_list_filters_and_empty_state(client, world):
    (report,) = world.open()
    BiannualReport.objects.filter(pk=report.pk).update(due_on=datetime.date(2025, 7, 31))
    client.force_login(world.instructor)
    url = reverse("reporting:report_agency_list")
    assert world.grant.structure.name in client.get(url, {"etat": "retard"}).content.decode()
    assert world.grant.structure.name in client.get(url, {"periode": "2025-H1"}).content.decode()
    empty = client.get(url, {"etat": "accepted"})
    assert empty.status_code == 200 and b"Aucun rapport ne correspond" in empty.content
    assert client.get(url, {"periode": "n'importe quoi", "etat": "x"}).status_code == 200


def test_empty_lists_say_so(client, world):
    client.force_login(world.coordinator)
    assert b'data-testid="empty-state"' in client.get(reverse("reporting:report_list")).content
    client.force_login(world.instructor)
    assert b'data-testid="empty-state"' in client.get(reverse("reporting:report_agency_list")).content


def test_lists_are_for_their_roles(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("reporting:report_agency_list")).status_code == 403
    client.force_login(world.instructor)
    assert client.get(reverse("reporting:report_list")).status_code == 403


def test_the_coordinator_writes_saves_and_submits(client, world):
    (report,) = world.open()
    client.force_login(world.coordinator)
    url = reverse("reporting:report_detail", kwargs={"report_id": report.pk})
    page = client.get(url)
    assert page.status_code == 200 and b"Transmettre le rapport" in page.content and b"<svg" in page.content
    data = {**{k: v for k, v in WRITTEN.items() if k != "indicator_values"}, "indicators": "Patients suivis : 120"}
    assert client.post(url, data).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.indicator_values) == ("draft", [{"label": "Patients suivis", "value": "120"}])
    refused = client.post(reverse("reporting:report_submit", kwargs={"report_id": report.pk}), {})
    assert refused.status_code == 400 and b"attestation" in refused.content
    done = client.post(reverse("reporting:report_submit", kwargs={"report_id": report.pk}), {"sworn_statement": "on"})
    assert done.status_code == 302
    assert BiannualReport.objects.get(pk=report.pk).state == ReportState.SUBMITTED
    read_only = client.get(url)
    assert b"Transmettre le rapport" not in read_only.content and WRITTEN["sharing"].encode() in read_only.content


def test_bad_indicators_are_a_400_and_nothing_is_saved(client, world):
    (report,) = world.open()
    client.force_login(world.coordinator)
    url = reverse("reporting:report_detail", kwargs={"report_id": report.pk})
    response = client.post(url, {"use_of_funds": "Texte", "indicators": "une ligne sans valeur"})
    assert response.status_code == 400 and "libellé : valeur".encode() in response.content
    assert BiannualReport.objects.get(pk=report.pk).use_of_funds == ""


def test_submitting_an_incomplete_report_is_a_400(client, world):
    (report,) = world.open()
    report_save_draft(report=report, by=world.coordinator, use_of_funds="Texte")
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reporting:report_submit", kwargs={"report_id": report.pk}), {"sworn_statement": "on"}
    )
    assert response.status_code == 400 and "Sections à compléter".encode() in response.content


def test_autosave_keeps_valid_sections_and_reports_invalid_ones(client, world):
    (report,) = world.open()
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reporting:report_autosave", kwargs={"report_id": report.pk}),
        {"use_of_funds": "Écrit en direct", "indicators": "sans deux-points"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"sauf" in response.content
    # The notice of the sections still to write follows the saves (out-of-band fragment).
    assert b'hx-swap-oob="innerHTML"' in response.content
    assert "Sections à compléter avant la transmission : Répartition".encode() in response.content
    report.refresh_from_db()
    assert (report.use_of_funds, report.indicator_values, report.state) == ("Écrit en direct", [], "draft")


def test_the_instructor_asks_for_changes_with_a_comment_then_accepts(client, world):
    (report,) = world.open()
    report = report_submit(
        report=report_save_draft(report=report, by=world.coordinator, **WRITTEN),
        by=world.coordinator,
        sworn_statement=True,
    )
    client.force_login(world.instructor)
    review = reverse("reporting:report_review", kwargs={"report_id": report.pk})
    assert b"Demander des modifications" in client.get(review).content
    changes = reverse("reporting:report_request_changes", kwargs={"report_id": report.pk})
    assert client.post(changes, {"comment": ""}).status_code == 400
    assert client.post(changes, {"comment": "Précisez les indicateurs."}).status_code == 302
    assert BiannualReport.objects.get(pk=report.pk).state == ReportState.CHANGES_REQUESTED
    accept = client.post(reverse("reporting:report_accept", kwargs={"report_id": report.pk}), {})
    assert accept.status_code == 400  # no longer submitted: the service refuses, the page says why
    assert BiannualReport.objects.get(pk=report.pk).state == ReportState.CHANGES_REQUESTED


def test_a_finance_officer_reads_but_does_not_review(client, world):
    (report,) = world.open()
    client.force_login(world.finance)
    assert client.get(reverse("reporting:report_review", kwargs={"report_id": report.pk})).status_code == 200
    assert client.post(reverse("reporting:report_accept", kwargs={"report_id": report.pk}), {}).status_code == 403


def test_menus_per_role(client, world):
    coordinator_menu = client_menu(client, world.coordinator)
    assert "Rapports semestriels" in coordinator_menu and "Consolidations régionales" not in coordinator_menu
    instructor_menu = client_menu(client, world.instructor)
    assert "Rapports des structures" in instructor_menu and "Consolidations régionales" in instructor_menu
    committee = agent_of(world.region, Role.COMMITTEE_MEMBER)
    assert "Rapports des structures" not in client_menu(client, committee)


def client_menu(client, user) -> str:
    client.force_login(user)
    return client.get("/").content.decode()


def test_a_professional_of_the_structure_sees_no_report(client, world):
    (report,) = world.open()
    professional = StructureMembershipFactory(structure=world.grant.structure, role=Role.PROFESSIONAL).user
    client.force_login(professional)
    assert client.get(reverse("reporting:report_detail", kwargs={"report_id": report.pk})).status_code == 403
    assert not BiannualReport.objects.visible_to(professional).exists()
    assert H1.year == report.year


def test_agency_staff_reading_a_report_land_on_the_review_page(client, world):
    (report,) = world.open()
    client.force_login(world.finance)
    response = client.get(reverse("reporting:report_detail", kwargs={"report_id": report.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report_review", kwargs={"report_id": report.pk})


def test_posting_to_a_submitted_report_is_a_400_that_says_why(client, world):
    (report,) = world.open()
    report_submit(
        report=report_save_draft(report=report, by=world.coordinator, **WRITTEN),
        by=world.coordinator,
        sworn_statement=True,
    )
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reporting:report_detail", kwargs={"report_id": report.pk}), {"use_of_funds": "Après coup"}
    )
    assert response.status_code == 400 and b"plus modifiable" in response.content
    assert BiannualReport.objects.get(pk=report.pk).use_of_funds == WRITTEN["use_of_funds"]
