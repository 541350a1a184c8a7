"""Routes of the interventions pages (namespace "funding")."""

urlpatterns: list = []
