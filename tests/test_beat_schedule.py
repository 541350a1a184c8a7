"""Periodic jobs are declared in one place (config/celery.py) and each names a task that exists."""

from config.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"{name} names an unknown task {entry['task']}"


def test_nightly_jobs_run_at_night_paris_time():
    schedule = app.conf.beat_schedule
    refresh = schedule["eligibility-refresh-due-nightly"]["schedule"]
    assert (refresh.hour, refresh.minute) == ({3}, {15})
    assert app.conf.timezone == "Europe/Paris"
