"""Routes of the teams pages (namespace "protocols")."""

from django.urls import path

from protocols.views import teams

urlpatterns = [
    path("protocoles/<int:protocol_id>/equipe/", teams.team_page, name="team_page"),
    path("protocoles/<int:protocol_id>/equipe/inviter/", teams.team_invite, name="team_invite"),
    path("equipes/<int:team_membership_id>/reponse/", teams.team_membership_respond, name="team_membership_respond"),
    path("equipes/<int:team_membership_id>/retirer/", teams.team_invitation_withdraw, name="team_invitation_withdraw"),
    path("equipes/<int:team_membership_id>/depart/", teams.team_member_leave, name="team_member_leave"),
    path("equipes/<int:team_membership_id>/formation/", teams.training_edit, name="training_edit"),
    path(
        "equipes/<int:team_membership_id>/formation/attestation/",
        teams.training_certificate,
        name="training_certificate",
    ),
    path("equipes/<int:team_membership_id>/pieces/", teams.member_documents, name="member_documents"),
    path("pieces/<int:member_document_id>/deposer/", teams.member_document_upload, name="member_document_upload"),
    path("pieces/<int:member_document_id>/fichier/", teams.member_document_file, name="member_document_file"),
]
