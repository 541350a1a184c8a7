"""Opening, writing, submitting and reviewing a report: every transition with its guard, both ways."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from funding.models import GrantState
from portal.errors import ApplicationError
from portal.roles import Role
from reporting.models import BiannualReport, ReportState, ReportTransition
from reporting.services.reports import (
    allowed_targets,
    report_accept,
    report_request_changes,
    report_save_draft,
    report_submit,
)
from tests.funding.factories import GrantFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of
from tests.reporting.conftest import H1
from tests.reporting.factories import WRITTEN, BiannualReportFactory


def test_opening_is_idempotent_and_sets_the_due_date(world, settings):
    settings.REPORT_DUE_DAYS = 30
    first = world.open()
    assert len(first) == 1
    assert world.open() == []
    report = BiannualReport.objects.get()
    assert report.due_on == datetime.date(2025, 7, 31)
    assert report.state == ReportState.TODO
    assert report.history.count() == 1


def test_only_grants_running_in_the_half_year_and_not_closed_before_owe_a_report(world):
    region = world.region
    GrantFactory(dossier__structure__region=region, starts_on=datetime.date(2025, 7, 1))  # starts after H1
    closed = GrantFactory(
        dossier__structure__region=region,
        state=GrantState.CLOSED,
        closed_at=datetime.datetime(2024, 12, 1, tzinfo=datetime.UTC),
        close_reason="Fin",
    )
    closed_during = GrantFactory(
        dossier__structure__region=region,
        state=GrantState.CLOSED,
        closed_at=datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC),
        close_reason="Fin",
    )
    GrantFactory(dossier__structure__region=RegionFactory(code="CVL"))  # another region
    opened = {report.grant for report in world.open()}
    assert opened == {world.grant, closed_during}
    assert closed not in opened


def test_saving_a_draft_moves_todo_to_draft_once_with_a_transition(world):
    (report,) = world.open()
    report = report_save_draft(report=report, by=world.coordinator, use_of_funds="Coordination")
    assert report.state == ReportState.DRAFT
    report = report_save_draft(report=report, by=world.coordinator, sharing="Moitié-moitié")
    assert (report.use_of_funds, report.sharing, report.state) == ("Coordination", "Moitié-moitié", "draft")
    assert list(ReportTransition.objects.values_list("from_state", "to_state")) == [("todo", "draft")]


def test_only_a_coordinator_of_the_structure_writes_the_report(world):
    (report,) = world.open()
    other = coordinator_of(StructureFactory(region=world.region))
    for user in (world.instructor, other):
        with pytest.raises(ApplicationError):
            report_save_draft(report=report, by=user, use_of_funds="x")
    assert BiannualReport.objects.get().use_of_funds == ""


def _written(world):
    (report,) = world.open()
    return report_save_draft(report=report, by=world.coordinator, **WRITTEN)


def test_submit_needs_every_section(world):
    (report,) = world.open()
    report = report_save_draft(report=report, by=world.coordinator, use_of_funds="Coordination")
    with pytest.raises(ApplicationError) as refused:
        report_submit(report=report, by=world.coordinator, sworn_statement=True)
    assert "Difficultés rencontrées" in refused.value.message and "Indicateurs du protocole" in refused.value.message
    assert BiannualReport.objects.get().state == ReportState.DRAFT


def test_submit_needs_the_sworn_statement_and_the_coordinator(world):
    report = _written(world)
    with pytest.raises(ApplicationError, match="attestation"):
        report_submit(report=report, by=world.coordinator, sworn_statement=False)
    with pytest.raises(ApplicationError):
        report_submit(report=report, by=world.instructor, sworn_statement=True)
    assert BiannualReport.objects.get().state == ReportState.DRAFT


def test_a_report_still_to_do_cannot_be_submitted(world):
    (report,) = world.open()
    with pytest.raises(ApplicationError):
        report_submit(report=report, by=world.coordinator, sworn_statement=True)


def test_submit_then_request_changes_then_resubmit_then_accept(world):
    report = _written(world)
    report = report_submit(report=report, by=world.coordinator, sworn_statement=True)
    assert (report.state, report.sworn_statement, report.submitted_by) == ("submitted", True, world.coordinator)
    assert report.submitted_at is not None
    with pytest.raises(ApplicationError):  # the coordinator cannot review their own report
        report_accept(report=report, by=world.coordinator)
    with pytest.raises(ApplicationError):  # a comment says what to change
        report_request_changes(report=report, by=world.instructor, comment="  ")
    mail.outbox.clear()
    report = report_request_changes(report=report, by=world.instructor, comment="Détaillez la répartition.")
    assert (report.state, report.ars_comment, report.sworn_statement) == (
        "changes_requested",
        "Détaillez la répartition.",
        False,
    )
    assert allowed_targets(report, world.coordinator) == [ReportState.SUBMITTED]
    with pytest.raises(ApplicationError):  # not in the ARS's hands any more
        report_accept(report=report, by=world.instructor)
    report = report_save_draft(report=report, by=world.coordinator, sharing="30 % / 70 %, revu en équipe.")
    assert report.state == ReportState.CHANGES_REQUESTED
    report = report_submit(report=report, by=world.coordinator, sworn_statement=True)
    report = report_accept(report=report, by=world.instructor)
    assert (report.state, report.reviewed_by) == ("accepted", world.instructor)
    assert list(ReportTransition.objects.order_by("pk").values_list("to_state", flat=True)) == [
        "draft",
        "submitted",
        "changes_requested",
        "submitted",
        "accepted",
    ]
    with pytest.raises(ApplicationError):
        report_save_draft(report=report, by=world.coordinator, sharing="Après coup")
    with pytest.raises(ApplicationError):
        report_request_changes(report=report, by=world.instructor, comment="Trop tard")


def test_changes_requested_emails_the_coordinator(world, django_capture_on_commit_callbacks):
    report = report_submit(report=_written(world), by=world.coordinator, sworn_statement=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_request_changes(report=report, by=world.instructor, comment="Ajoutez les indicateurs 2025.")
    (message,) = mail.outbox
    assert message.to == [world.coordinator.email]
    assert "Ajoutez les indicateurs 2025." in message.body


def test_an_instructor_of_another_region_cannot_review(world):
    report = report_submit(report=_written(world), by=world.coordinator, sworn_statement=True)
    foreign = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    finance = world.finance
    for user in (foreign, finance):
        with pytest.raises(ApplicationError):
            report_accept(report=report, by=user)
    assert BiannualReport.objects.get().state == ReportState.SUBMITTED


def test_read_and_write_rules_next_to_visible_to(world):
    report = _written(world)
    other_region = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    committee = agent_of(world.region, Role.COMMITTEE_MEMBER)
    assert list(BiannualReport.objects.visible_to(world.coordinator)) == [report]
    assert list(BiannualReport.objects.visible_to(world.finance)) == [report]
    assert not BiannualReport.objects.visible_to(other_region).exists()
    assert not BiannualReport.objects.visible_to(committee).exists()
    assert list(BiannualReport.objects.editable_by(world.coordinator)) == [report]
    assert not BiannualReport.objects.editable_by(world.instructor).exists()
    assert not BiannualReport.objects.reviewable_by(world.instructor).exists()
    report_submit(report=report, by=world.coordinator, sworn_statement=True)
    assert not BiannualReport.objects.editable_by(world.coordinator).exists()
    assert list(BiannualReport.objects.reviewable_by(world.instructor)) == [report]
    assert not BiannualReport.objects.reviewable_by(world.finance).exists()


def test_a_submitted_report_is_sworn_and_dated_in_the_database():
    with pytest.raises(IntegrityError):
        BiannualReportFactory(state=ReportState.SUBMITTED, submitted_at=timezone.now(), sworn_statement=False)


def test_a_submitted_report_has_a_submission_date_in_the_database():
    with pytest.raises(IntegrityError):
        BiannualReportFactory(state=ReportState.ACCEPTED, sworn_statement=True, submitted_at=None)


def test_one_report_per_grant_and_half_year(world):
    (report,) = world.open()
    with pytest.raises(IntegrityError):
        BiannualReportFactory(grant=report.grant, year=H1.year, half=H1.half)


def test_submission_emails_the_region_instructors(world, django_capture_on_commit_callbacks):
    report = _written(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, by=world.coordinator, sworn_statement=True)
    (message,) = mail.outbox
    assert message.to == [world.instructor.email]
    assert f"/ars/rapports/{report.pk}/" in message.body
