"""Routes of the payments pages (namespace "funding")."""

urlpatterns: list = []
