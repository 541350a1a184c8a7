"""All protocols routes share the "protocols" namespace; each area keeps its routes in its own module."""

from protocols.urls import catalogue, declarations, interventions, protocols, teams

app_name = "protocols"

urlpatterns = [
    *catalogue.urlpatterns,
    *protocols.urlpatterns,
    *teams.urlpatterns,
    *declarations.urlpatterns,
    *interventions.urlpatterns,
]
