"""Version 2 of the national protocols, read against the seeds (issue 17): the orders of 17 June 2024 delegate
pollakiuria and odynophagia to the nurse only; the 2020 protocols are dated by no source. Declarations already
deposited keep naming version 1: a catalogue change never rewrites them."""

from django.db import migrations

from protocols import national_catalogue

VERSIONED_FIELDS = (
    "title",
    "short_title",
    "delegant_professions",
    "delegate_professions",
    "training_hours",
    "training_hours_source",
    "allowed_structure_kinds",
    "patients",
    "care_setting",
    "delegant_availability",
    "legal_reference",
)


def fill(apps, schema_editor):
    national_catalogue.apply_corrections(
        apps.get_model("protocols", "NationalProtocol"),
        apps.get_model("protocols", "NationalProtocolVersion"),
        VERSIONED_FIELDS,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0015_fill_catalogue_versions"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
