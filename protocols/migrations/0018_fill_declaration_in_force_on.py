"""Every declaration before the channels was made on the portal: it is in force from its portal deposit."""

from django.db import migrations
from django.db.models import F


def fill(apps, schema_editor):
    Declaration = apps.get_model("protocols", "Declaration")
    Declaration.objects.filter(in_force_on__isnull=True, channel="portal").update(in_force_on=F("deposited_on"))


class Migration(migrations.Migration):
    dependencies = [("protocols", "0017_declaration_ds_channel")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
