"""Every night at 03:15 (Paris), interventions whose date has come stop being excluded as ``date_future``
(``funding.eligibility_refresh_due``). Declared here, in the database scheduler, where the ARS's technical admin can
see and adjust it."""

from django.db import migrations

TASK_NAME = "Éligibilité : interventions arrivées à leur date"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Paris"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME, defaults={"task": "funding.eligibility_refresh_due", "crontab": crontab}
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
