"""Routes of the protocols pages (namespace "protocols")."""

urlpatterns: list = []
