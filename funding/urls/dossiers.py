"""Routes of the dossiers pages (namespace "funding"): the coordinator's application, shared downloads, messages."""

from django.urls import path

from funding.views import dossiers, threads

urlpatterns = [
    path("candidatures/", dossiers.my_dossiers, name="my_dossiers"),
    path("candidatures/nouvelle/<int:campaign_id>/", dossiers.dossier_start, name="dossier_start"),
    path("candidatures/<int:dossier_id>/", dossiers.dossier_detail, name="dossier_detail"),
    path("candidatures/<int:dossier_id>/modifier/", dossiers.dossier_edit, name="dossier_edit"),
    path("candidatures/<int:dossier_id>/enregistrement/", dossiers.dossier_autosave, name="dossier_autosave"),
    path("candidatures/<int:dossier_id>/pieces/", dossiers.dossier_attachment_add, name="dossier_attachment_add"),
    path(
        "candidatures/pieces/<int:dossier_attachment_id>/",
        dossiers.dossier_attachment_download,
        name="dossier_attachment_download",
    ),
    path(
        "candidatures/pieces/<int:dossier_attachment_id>/retirer/",
        dossiers.dossier_attachment_delete,
        name="dossier_attachment_delete",
    ),
    path("candidatures/<int:dossier_id>/depot/", dossiers.dossier_submit, name="dossier_submit"),
    path("candidatures/<int:dossier_id>/recepisse/", dossiers.dossier_receipt, name="dossier_receipt"),
    path(
        "candidatures/<int:dossier_id>/recepisse/etat/", dossiers.dossier_receipt_status, name="dossier_receipt_status"
    ),
    path("candidatures/<int:dossier_id>/retrait/", dossiers.dossier_withdraw, name="dossier_withdraw"),
    path("candidatures/<int:dossier_id>/supprimer/", dossiers.dossier_delete, name="dossier_delete"),
    path(
        "candidatures/<int:dossier_id>/complements/",
        dossiers.dossier_complement_answer,
        name="dossier_complement_answer",
    ),
    path("candidatures/<int:dossier_id>/messages/", threads.dossier_message_post_view, name="dossier_message_post"),
    path(
        "candidatures/messages/<int:dossier_message_id>/piece/",
        threads.dossier_message_attachment,
        name="dossier_message_attachment",
    ),
]
