"""Routes of the grants pages (namespace "funding")."""

from django.urls import path

from funding.views import grants, indicators

urlpatterns = [
    path("subventions/", grants.grant_list, name="grant_list"),
    path("subventions/<int:grant_id>/", grants.grant_detail, name="grant_detail"),
    path("subventions/<int:grant_id>/cloture/", grants.grant_close, name="grant_close"),
    path("subventions/<int:grant_id>/indicateurs/", indicators.grant_indicators, name="grant_indicators"),
    path("ars/commission/dossiers/<int:dossier_id>/subvention/", grants.grant_open, name="grant_open"),
]
