"""Routes of the declarations pages (namespace "protocols")."""

urlpatterns: list = []
