"""Routes of the grants pages (namespace "funding")."""

urlpatterns: list = []
