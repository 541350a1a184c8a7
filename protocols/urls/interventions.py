"""Routes of the interventions pages (namespace "protocols")."""

urlpatterns: list = []
