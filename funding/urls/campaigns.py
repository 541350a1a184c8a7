"""Routes of the campaigns pages (namespace "funding")."""

urlpatterns: list = []
