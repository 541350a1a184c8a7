"""All funding routes share the "funding" namespace; each area of the app keeps its routes in its own module."""

from funding.urls import (
    campaigns,
    committee,
    dossiers,
    grants,
    instruction,
    interventions,
    payments,
    statements,
    tableaux,
)

app_name = "funding"

urlpatterns = [
    *campaigns.urlpatterns,
    *dossiers.urlpatterns,
    *instruction.urlpatterns,
    *committee.urlpatterns,
    *grants.urlpatterns,
    *interventions.urlpatterns,
    *statements.urlpatterns,
    *payments.urlpatterns,
    *tableaux.urlpatterns,
]
