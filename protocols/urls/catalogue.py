"""Routes of the catalogue pages (namespace "protocols")."""

from django.urls import path

from protocols.views import catalogue

urlpatterns = [
    path("catalogue/", catalogue.national_protocol_list, name="national_protocol_list"),
    path("catalogue/<int:national_protocol_id>/", catalogue.national_protocol_detail, name="national_protocol_detail"),
    path(
        "catalogue/<int:national_protocol_id>/versions/",
        catalogue.national_protocol_versions,
        name="national_protocol_versions",
    ),
    path(
        "catalogue/<int:national_protocol_id>/versions/nouvelle/",
        catalogue.national_protocol_version_create,
        name="national_protocol_version_create",
    ),
]
