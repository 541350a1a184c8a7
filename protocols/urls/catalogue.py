"""Routes of the catalogue pages (namespace "protocols")."""

urlpatterns: list = []
