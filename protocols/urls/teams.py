"""Routes of the teams pages (namespace "protocols")."""

urlpatterns: list = []
