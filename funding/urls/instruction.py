"""Routes of the instruction pages (namespace "funding")."""

from django.urls import path

from funding.views import instruction

urlpatterns = [
    path("ars/instruction/", instruction.instruction_list, name="instruction_list"),
    path("ars/instruction/export.csv", instruction.instruction_export_csv, name="instruction_export_csv"),
    path("ars/instruction/export.xlsx", instruction.instruction_export_xlsx, name="instruction_export_xlsx"),
    path("ars/instruction/actions/", instruction.instruction_bulk, name="instruction_bulk"),
    path("ars/instruction/<int:dossier_id>/", instruction.instruction_dossier, name="instruction_dossier"),
    path("ars/instruction/<int:dossier_id>/commencer/", instruction.instruction_start, name="instruction_start"),
    path("ars/instruction/<int:dossier_id>/controles/", instruction.instruction_check, name="instruction_check"),
    path(
        "ars/instruction/<int:dossier_id>/complements/",
        instruction.instruction_complement_request,
        name="instruction_complement_request",
    ),
    path(
        "ars/instruction/<int:dossier_id>/recevable/",
        instruction.instruction_admissible,
        name="instruction_admissible",
    ),
    path(
        "ars/instruction/<int:dossier_id>/irrecevable/",
        instruction.instruction_inadmissible,
        name="instruction_inadmissible",
    ),
    path(
        "ars/instruction/<int:dossier_id>/commission/",
        instruction.instruction_to_committee,
        name="instruction_to_committee",
    ),
    path("ars/instruction/<int:dossier_id>/notes/", instruction.instruction_note_add, name="instruction_note_add"),
    path("ars/instruction/<int:dossier_id>/pdf/", instruction.instruction_pdf, name="instruction_pdf"),
]
