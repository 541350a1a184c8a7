"""Routes of the tableau de reporting's sworn statement (namespace "funding")."""

from django.urls import path

from funding.views import tableaux

urlpatterns = [
    path("tableaux/", tableaux.tableau_list, name="tableau_list"),
    path("tableaux/ouvrir/", tableaux.tableau_open, name="tableau_open"),
    path("tableaux/<int:tableau_id>/", tableaux.tableau_detail, name="tableau_detail"),
    path("tableaux/<int:tableau_id>/attester/", tableaux.tableau_confirm, name="tableau_confirm"),
    path("tableaux/<int:tableau_id>/transmettre/", tableaux.tableau_transmit, name="tableau_transmit"),
    path("tableaux/<int:tableau_id>/tableau.xlsx", tableaux.tableau_download, name="tableau_download"),
]
