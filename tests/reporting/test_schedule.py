"""The beat jobs of the reports: opening on 1 January and 1 July, reminders before the due date, overdue notices
to the ARS. Each runs twice here and sends each e-mail once."""

import datetime

import time_machine
from django.core import mail

from config.celery import app
from reporting.models import BiannualReport, ReportState
from reporting.services.reports import report_save_draft, report_submit
from reporting.tasks import open_reports_task, report_reminders_task, reports_overdue_task
from tests.portal.factories import agent_of, coordinator_of
from tests.reporting.factories import WRITTEN

PARIS_NEW_YEAR = datetime.datetime(2026, 1, 1, 6, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


def _twice(task, capture):
    results = []
    for _ in range(2):
        with capture(execute=True):
            results.append(task())
    return results


def test_the_schedule_opens_on_1_january_and_1_july_paris_time():
    schedule = app.conf.beat_schedule
    opening = schedule["reports-open-half-yearly"]["schedule"]
    assert (opening.day_of_month, opening.month_of_year, opening.hour) == ({1}, {1, 7}, {6})
    assert schedule["reports-reminders-daily"]["task"] == "reporting.report_reminders"
    assert schedule["reports-overdue-daily"]["task"] == "reporting.reports_overdue"
    assert app.conf.timezone == "Europe/Paris"


def test_opening_twice_opens_and_emails_once(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with time_machine.travel(PARIS_NEW_YEAR, tick=False):
        assert _twice(open_reports_task, django_capture_on_commit_callbacks) == [1, 0]
    report = BiannualReport.objects.get()
    assert (report.year, report.half) == (2025, 2)  # the half-year that just ended
    assert report.due_on == datetime.date(2026, 1, 31)
    (message,) = mail.outbox
    assert message.to == [world.coordinator.email]
    assert "2nd semestre 2025" in message.body and f"/rapports/{report.pk}/" in message.body


def test_opening_on_1_july_opens_the_first_half_year(world, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.datetime(2025, 7, 1, 4, 30, tzinfo=datetime.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            open_reports_task()
    assert BiannualReport.objects.values_list("year", "half").get() == (2025, 1)


def test_reminder_once_within_the_window(world, settings, django_capture_on_commit_callbacks):
    settings.REPORT_REMINDER_DAYS = 7
    (report,) = world.open()  # due 2025-07-31
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2025, 7, 23, 8, 0, tzinfo=datetime.UTC), tick=False):
        assert _twice(report_reminders_task, django_capture_on_commit_callbacks) == [0, 0]  # 8 days before
    assert mail.outbox == []
    with time_machine.travel(datetime.datetime(2025, 7, 24, 8, 0, tzinfo=datetime.UTC), tick=False):
        assert _twice(report_reminders_task, django_capture_on_commit_callbacks) == [1, 0]  # 7 days before
    (message,) = mail.outbox
    assert message.to == [world.coordinator.email] and "31 juillet 2025" in message.body
    assert BiannualReport.objects.get().reminder_sent_at is not None


def test_no_reminder_for_a_submitted_report(world, django_capture_on_commit_callbacks):
    (report,) = world.open()
    report = report_save_draft(report=report, by=world.coordinator, **WRITTEN)
    report_submit(report=report, by=world.coordinator, sworn_statement=True)
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2025, 7, 30, 8, 0, tzinfo=datetime.UTC), tick=False):
        assert _twice(report_reminders_task, django_capture_on_commit_callbacks) == [0, 0]
    assert mail.outbox == []


def test_overdue_notice_once_to_the_region_instructors(world, django_capture_on_commit_callbacks):
    (late,) = world.open()
    coordinator_of(world.grant.structure)  # coordinators are not the recipients of the overdue notice
    other_instructor = agent_of(world.region)
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2025, 7, 31, 20, 0, tzinfo=datetime.UTC), tick=False):
        assert _twice(reports_overdue_task, django_capture_on_commit_callbacks) == [0, 0]  # due today: not late
    with time_machine.travel(datetime.datetime(2025, 8, 1, 8, 0, tzinfo=datetime.UTC), tick=False):
        assert _twice(reports_overdue_task, django_capture_on_commit_callbacks) == [1, 0]
    (message,) = mail.outbox
    assert sorted(message.to) == sorted([world.instructor.email, other_instructor.email])
    assert world.grant.reference in message.body and "31/07/2025" in message.body
    assert BiannualReport.objects.get(pk=late.pk).state == ReportState.TODO
