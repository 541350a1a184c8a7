"""Routes of the dossiers pages (namespace "funding")."""

urlpatterns: list = []
