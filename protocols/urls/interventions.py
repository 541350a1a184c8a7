"""Routes of the interventions pages (namespace "protocols")."""

from django.urls import path

from protocols.views import interventions, interventions_import

urlpatterns = [
    path("interventions/", interventions.my_interventions, name="my_interventions"),
    path("interventions/nouvelle/", interventions.intervention_create, name="intervention_create"),
    path("interventions/<int:intervention_id>/modifier/", interventions.intervention_edit, name="intervention_edit"),
    path(
        "interventions/<int:intervention_id>/annuler/", interventions.intervention_cancel, name="intervention_cancel"
    ),
    path("interventions/import/", interventions_import.import_list, name="import_list"),
    path("interventions/import/modele.csv", interventions_import.import_template_csv, name="import_template_csv"),
    path("interventions/import/modele.xlsx", interventions_import.import_template_xlsx, name="import_template_xlsx"),
    path("interventions/import/<int:import_batch_id>/", interventions_import.import_detail, name="import_detail"),
    path(
        "interventions/import/<int:import_batch_id>/avancement/",
        interventions_import.import_progress,
        name="import_progress",
    ),
    path(
        "interventions/import/<int:import_batch_id>/erreurs.csv",
        interventions_import.import_errors,
        name="import_errors",
    ),
]
