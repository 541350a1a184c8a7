"""Celery tasks of the reporting layer: thin, idempotent wrappers over services (ids as arguments)."""

import logging

from celery import shared_task
from django.utils import timezone

from portal.pdf import PdfUnavailable

logger = logging.getLogger(__name__)


@shared_task(name="reporting.open_reports")
def open_reports_task() -> int:
    """1 January and 1 July (Paris): open the reports of the half-year that just ended."""
    from funding.periods import Period
    from reporting.services.reports import reports_open_period

    return reports_open_period(period=Period.last_ended(timezone.localdate()))


@shared_task(name="reporting.report_reminders")
def report_reminders_task() -> int:
    from reporting.services.notifications import reports_send_reminders

    return reports_send_reminders()


@shared_task(name="reporting.reports_overdue")
def reports_overdue_task() -> int:
    from reporting.services.notifications import reports_notify_overdue

    return reports_notify_overdue()


@shared_task(name="reporting.report_pdf")
def report_pdf_task(report_id: int) -> None:
    from reporting.services.report_pdf import report_pdf_refresh

    try:
        report_pdf_refresh(report_id=report_id)
    except PdfUnavailable:
        # The report stands; its PDF is rendered at the next change or download once the libraries are installed.
        logger.warning("PDF du rapport %s non généré : bibliothèques PDF absentes.", report_id)


@shared_task(name="reporting.consolidate", acks_late=True)
def consolidate_task(consolidation_id: int) -> None:
    from reporting.services.consolidation import consolidation_execute

    consolidation_execute(consolidation_id=consolidation_id)


@shared_task(name="reporting.open_data_refresh")
def open_data_refresh_task() -> int | None:
    """Nightly: a new open-data release once statements were issued since the last one (or nothing)."""
    from reporting.services.opendata import open_data_release_request

    release = open_data_release_request()
    return release.pk if release else None


@shared_task(name="reporting.open_data_generate", acks_late=True)
def open_data_generate_task(release_id: int) -> None:
    from reporting.services.opendata import open_data_release_generate

    open_data_release_generate(release_id=release_id)
