import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the portal, in one place (times are Europe/Paris). django-celery-beat copies these entries
# into its database at start, where an admin can pause them.
app.conf.beat_schedule = {
    # Interventions whose date has come stop being excluded as "date_future".
    "eligibility-refresh-due-nightly": {
        "task": "funding.eligibility_refresh_due",
        "schedule": crontab(hour=3, minute=15),
    },
    # Jobs created while Redis was down stay queued and unsent; they go out once it is back (docs/decisions.md).
    "computation-runs-resend": {
        "task": "funding.computation_runs_resend",
        "schedule": 60.0,
    },
    "import-batches-resend": {
        "task": "protocols.import_batches_resend",
        "schedule": 60.0,
    },
    # DS dossiers awaiting the ARS's confirmation are read again (never read, DS was down, or read 6 h ago).
    "ds-checks-refresh": {
        "task": "protocols.ds_checks_refresh",
        "schedule": crontab(minute="*/15"),
    },
    "grants-sync-states-nightly": {
        "task": "funding.grants_sync_states",
        "schedule": crontab(hour=2, minute=15),
    },
    # Biannual reports: opened when a half-year ends, reminders before the due date, overdue notices to the ARS.
    "reports-open-half-yearly": {
        "task": "reporting.open_reports",
        "schedule": crontab(minute=30, hour=6, day_of_month=1, month_of_year="1,7"),
    },
    "reports-reminders-daily": {
        "task": "reporting.report_reminders",
        "schedule": crontab(minute=0, hour=8),
    },
    "reports-overdue-daily": {
        "task": "reporting.reports_overdue",
        "schedule": crontab(minute=15, hour=8),
    },
    # Open data: a new release of the national aggregates once statements were issued since the last one.
    "open-data-nightly": {
        "task": "reporting.open_data_refresh",
        "schedule": crontab(minute=45, hour=5),
    },
}
