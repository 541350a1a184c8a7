"""Routes of the committee pages (namespace "funding")."""

urlpatterns: list = []
