"""Version 1 of every national protocol: the catalogue as it stood; existing declarations name it (issue 17)."""

from django.db import migrations

from protocols import national_catalogue

# Frozen here rather than imported from the models: a migration must not change when the live model does.
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
    national_catalogue.fill_initial_versions(
        apps.get_model("protocols", "NationalProtocol"),
        apps.get_model("protocols", "NationalProtocolVersion"),
        apps.get_model("protocols", "Declaration"),
        VERSIONED_FIELDS,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0014_national_protocol_versions"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
