"""Routes of the declarations pages (namespace "protocols"): declaring, versions, vigilance, the ARS pages."""

from django.urls import path

from protocols.views import declarations, ds, endings, vigilance

urlpatterns = [
    path("protocoles/<int:protocol_id>/declarer/", declarations.declaration_new, name="declaration_new"),
    path("protocoles/<int:protocol_id>/declarations/", declarations.declaration_list, name="declaration_list"),
    path("declarations/<int:declaration_id>/", declarations.declaration_detail, name="declaration_detail"),
    path("declarations/<int:declaration_id>/recepisse/", declarations.declaration_receipt, name="declaration_receipt"),
    path(
        "declarations/<int:declaration_id>/demarches-simplifiees/",
        ds.declaration_ds_enter,
        name="declaration_ds_enter",
    ),
    path(
        "declarations/<int:declaration_id>/demarches-simplifiees/confirmer/",
        ds.declaration_ds_confirm,
        name="declaration_ds_confirm",
    ),
    path(
        "ars/<int:region_id>/canal-de-declaration/", ds.region_declaration_channel, name="region_declaration_channel"
    ),
    path(
        "declarations/<int:declaration_id>/pieces/<int:member_document_id>/",
        declarations.declaration_document_file,
        name="declaration_document_file",
    ),
    path(
        "protocoles/<int:protocol_id>/evenements/",
        vigilance.protocol_adverse_events,
        name="protocol_adverse_events",
    ),
    path("evenements/<int:adverse_event_id>/", vigilance.adverse_event_detail, name="adverse_event_detail"),
    path("protocoles/<int:protocol_id>/suspendre/", vigilance.protocol_suspend, name="protocol_suspend"),
    path("suspensions/<int:suspension_id>/lever/", vigilance.suspension_lift, name="suspension_lift"),
    path("protocoles/<int:protocol_id>/annuler-la-mise-en-oeuvre/", endings.protocol_end, name="protocol_end"),
    path("fins-de-mise-en-oeuvre/<int:ending_id>/courrier/", endings.protocol_end_letter, name="protocol_end_letter"),
    path("protocoles/<int:protocol_id>/indicateurs/", vigilance.protocol_indicators, name="protocol_indicators"),
    path("ars/declarations/", vigilance.agency_declarations, name="agency_declarations"),
    path("ars/pieces/", vigilance.agency_documents, name="agency_documents"),
    path("ars/pieces/<int:member_document_id>/", vigilance.member_document_review, name="member_document_review"),
    path("ars/evenements/", vigilance.agency_adverse_events, name="agency_adverse_events"),
]
