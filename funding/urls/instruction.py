"""Routes of the instruction pages (namespace "funding")."""

urlpatterns: list = []
