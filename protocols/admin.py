"""The national catalogue in the technical administration: where the platform's administrators (superusers) keep it
up to date when an order changes, and mark the protocols funded by the Assurance maladie's forfait."""

from django.contrib import admin

from protocols.models import NationalProtocol
from protocols.services.common import notify_eligibility_change


@admin.register(NationalProtocol)
class NationalProtocolAdmin(admin.ModelAdmin):
    list_display = ["code", "short_title", "forfait_amount", "forfait_unit", "training_hours"]
    list_filter = ["forfait_unit"]
    search_fields = ["code", "short_title", "title"]
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
                    "delegant_availability",
                ]
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.has_forfait:
            # Adhesions declared before the forfait was set get their SNP line (funding listens; idempotent).
            for protocol_id in obj.adhesions.declared().values_list("pk", flat=True):
                notify_eligibility_change(protocol_id=protocol_id)
