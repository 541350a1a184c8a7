"""E-mails of the reports' life: opening, reminder before the due date, overdue notice to the ARS, changes
requested, submission. Sent after the transaction commits; each is claimed on the report first (a timestamp set by
a conditional UPDATE), so a schedule that runs twice sends nothing twice."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from funding.services.notifications import link
from portal.mail import mail_on_commit
from portal.models import Region, User
from portal.roles import Role
from reporting.models import BiannualReport


def _coordinators(structure_id: int) -> list[str]:
    return User.objects.coordinators_of(structure_id).emails()


def _instructors(region_id: int) -> list[str]:
    return User.objects.agents_of(region_id, roles=[Role.INSTRUCTOR]).emails()


def _report_link(report: BiannualReport) -> str:
    return link("reporting:report_detail", report_id=report.pk)


def notify_opened(report: BiannualReport) -> None:
    mail_on_commit(
        subject=f"Rapport semestriel {report.period} à remplir — {report.grant.structure.name}",
        template="reporting/emails/opened.txt",
        context={"report": report, "link": _report_link(report)},
        recipients=_coordinators(report.grant.structure_id),
    )


def notify_changes_requested(report: BiannualReport) -> None:
    mail_on_commit(
        subject=f"Rapport semestriel {report.period} : modifications demandées",
        template="reporting/emails/changes_requested.txt",
        context={"report": report, "link": _report_link(report)},
        recipients=_coordinators(report.grant.structure_id),
    )


def notify_submitted(report: BiannualReport) -> None:
    mail_on_commit(
        subject=f"Rapport semestriel {report.period} transmis — {report.grant.structure.name}",
        template="reporting/emails/submitted.txt",
        context={"report": report, "link": link("reporting:report_review", report_id=report.pk)},
        recipients=_instructors(report.grant.structure.region_id),
    )


def reports_send_reminders(*, today: datetime.date | None = None) -> int:
    """Remind the coordinators of every report not yet transmitted whose due date is within
    ``REPORT_REMINDER_DAYS`` days; once per report. Returns the number of reports reminded."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.REPORT_REMINDER_DAYS)
    candidates = (
        BiannualReport.objects.pending()
        .filter(reminder_sent_at__isnull=True, due_on__gte=today, due_on__lte=horizon)
        .select_related("grant__structure")
        .order_by("pk")
    )
    reminded = 0
    for report in candidates:
        with transaction.atomic():
            # The claim: only the run whose UPDATE finds the column still empty sends the reminder.
            claimed = BiannualReport.objects.filter(pk=report.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=timezone.now()
            )
            if claimed:
                mail_on_commit(
                    subject=f"Rappel : rapport semestriel {report.period} à transmettre avant le "
                    f"{report.due_on:%d/%m/%Y}",
                    template="reporting/emails/reminder.txt",
                    context={"report": report, "link": _report_link(report)},
                    recipients=_coordinators(report.grant.structure_id),
                )
                reminded += 1
    return reminded


def reports_notify_overdue(*, today: datetime.date | None = None) -> int:
    """Tell each region's instructors, in one e-mail, of the reports that became overdue since the last notice.
    Returns the number of reports notified."""
    today = today or timezone.localdate()
    notified = 0
    region_ids = (
        BiannualReport.objects.overdue(today)
        .filter(overdue_notified_at__isnull=True)
        .values_list("grant__structure__region", flat=True)
        .distinct()
        .order_by()
    )
    for region in Region.objects.filter(pk__in=list(region_ids)).order_by("code"):
        with transaction.atomic():
            reports = list(
                BiannualReport.objects.overdue(today)
                .filter(overdue_notified_at__isnull=True, grant__structure__region=region)
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("grant__structure")
                .order_by("due_on", "grant__reference")
            )
            if not reports:
                continue
            BiannualReport.objects.filter(pk__in=[r.pk for r in reports]).update(overdue_notified_at=timezone.now())
            mail_on_commit(
                subject=f"{len(reports)} rapport(s) semestriel(s) en retard — {region.name}",
                template="reporting/emails/overdue.txt",
                context={
                    "region": region,
                    "reports": reports,
                    "link": link("reporting:report_agency_list") + "?etat=retard",
                },
                recipients=_instructors(region.pk),
            )
            notified += len(reports)
    return notified
