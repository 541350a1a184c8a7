"""Routes of the protocols pages (namespace "protocols")."""

from django.urls import path

from protocols.views import protocols

urlpatterns = [
    path("protocoles/", protocols.protocol_list, name="protocol_list"),
    path("protocoles/nouveau/", protocols.protocol_create, name="protocol_create"),
    path("protocoles/<int:protocol_id>/", protocols.protocol_detail, name="protocol_detail"),
    path("protocoles/<int:protocol_id>/modifier/", protocols.protocol_edit, name="protocol_edit"),
    path("protocoles/<int:protocol_id>/brouillon/", protocols.protocol_autosave, name="protocol_autosave"),
    path("protocoles/<int:protocol_id>/liste-de-controle/", protocols.protocol_checklist, name="protocol_checklist"),
    path("protocoles/<int:protocol_id>/pdf/", protocols.protocol_pdf, name="protocol_pdf"),
    path("mes-protocoles/", protocols.my_protocols, name="my_protocols"),
]
