"""The two SNP protocols of seed 003 are funded by the Assurance maladie: 25 € per patient, no cap."""

from django.db import migrations

from protocols import national_catalogue


def fill(apps, schema_editor):
    national_catalogue.fill_forfaits(apps.get_model("protocols", "NationalProtocol"))


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0011_national_protocol_forfait"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
