"""Routes of the statements pages (namespace "funding")."""

urlpatterns: list = []
