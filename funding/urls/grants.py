"""Routes of the grants pages (namespace "funding")."""

from django.urls import path

from funding.views import grants

urlpatterns = [
    path("subventions/", grants.grant_list, name="grant_list"),
    path("subventions/<int:grant_id>/", grants.grant_detail, name="grant_detail"),
    path("subventions/<int:grant_id>/cloture/", grants.grant_close, name="grant_close"),
    path("ars/commission/dossiers/<int:dossier_id>/subvention/", grants.grant_open, name="grant_open"),
]
