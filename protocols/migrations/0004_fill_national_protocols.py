"""Fill the national catalogue (data in ``protocols/national_catalogue.py``)."""

from django.db import migrations

from protocols import national_catalogue


def fill(apps, schema_editor):
    national_catalogue.fill(apps.get_model("protocols", "NationalProtocol"))


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0003_protocols_no_overlaps"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
