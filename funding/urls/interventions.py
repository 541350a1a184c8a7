"""Routes of the interventions pages (namespace "funding")."""

from django.urls import path

from funding.views import interventions

urlpatterns = [
    path("suivi-interventions/", interventions.intervention_overview, name="intervention_overview"),
    path("suivi-interventions/detail/", interventions.intervention_list, name="intervention_list"),
    path("suivi-interventions/export/", interventions.intervention_export, name="intervention_export"),
]
