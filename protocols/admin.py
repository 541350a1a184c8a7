"""The national catalogue in the technical administration: the platform's administrators (superusers) mark the
protocols funded by the Assurance maladie's forfait here. The protocol's content is read-only here: a change of order
is a new version, recorded in the portal (« Enregistrer une nouvelle version » on the catalogue page), so that the
history is kept and past declarations keep the version they name."""

from django.contrib import admin

from protocols.models import VERSIONED_FIELDS, NationalProtocol, NationalProtocolVersion
from protocols.signals import eligibility_inputs_changed


@admin.register(NationalProtocol)
class NationalProtocolAdmin(admin.ModelAdmin):
    list_display = ["code", "short_title", "forfait_amount", "forfait_unit", "training_hours"]
    list_filter = ["forfait_unit"]
    search_fields = ["code", "short_title", "title"]
    readonly_fields = VERSIONED_FIELDS
    fieldsets = [
        (None, {"fields": ["code", "short_title", "title", "legal_reference"]}),
        (
            "Forfait de l'Assurance maladie (SNP)",
            {
                "fields": ["forfait_amount", "forfait_unit"],
                "description": "Un protocole au forfait ouvre une ligne SNP à chaque adhésion déclarée d'une CPTS, "
                "d'une MSP ou d'un CDS, payée par la CPAM de rattachement de la structure, sans plafond. Le forfait "
                "est figé sur chaque ligne à son ouverture.",
            },
        ),
        (
            "Conditions",
            {
                "fields": [
                    "delegant_professions",
                    "delegate_professions",
                    "training_hours",
                    "training_hours_source",
                    "allowed_structure_kinds",
                    "patients",
                    "care_setting",
                    "delegant_availability",
                ],
                "description": "Lecture seule : une nouvelle version se saisit dans le portail (catalogue national).",
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.has_forfait:
            # Adhesions declared before the forfait was set get their SNP line (funding listens; idempotent).
            for protocol_id in obj.adhesions.declared().values_list("pk", flat=True):
                eligibility_inputs_changed.send(sender=NationalProtocol, protocol_id=protocol_id)


@admin.register(NationalProtocolVersion)
class NationalProtocolVersionAdmin(admin.ModelAdmin):
    """The catalogue's history, read-only: a version is never edited nor deleted (declarations name it)."""

    list_display = ["national_protocol", "number", "effective_on", "order_reference", "recorded_by", "recorded_at"]
    list_filter = ["national_protocol"]
    list_select_related = ["national_protocol", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
