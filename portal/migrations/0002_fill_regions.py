from django.db import migrations

from portal.regions import REGIONS, agency_name


def fill_regions(apps, schema_editor):
    Region = apps.get_model("portal", "Region")
    for code, name in REGIONS:
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "agency_name": agency_name(name)}
        )


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(fill_regions, migrations.RunPython.noop)]
