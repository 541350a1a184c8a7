from django.urls import path

from portal.views import account, agency, invitations, mfa, national, structures, tokens

app_name = "portal"

urlpatterns = [
    path("compte/", account.account, name="account"),
    path("compte/double-authentification/", mfa.totp_enrollment, name="totp_enrollment"),
    path("compte/jetons/", tokens.api_tokens, name="api_tokens"),
    path("compte/jetons/<int:api_token_id>/revoquer/", tokens.api_token_revoke_view, name="api_token_revoke"),
    path("accessibilite/", account.accessibility, name="accessibility"),
    path("mentions-legales/", account.legal, name="legal"),
    path("invitations/lien/<str:token>/", invitations.invitation_link, name="invitation_link"),
    path("invitations/<int:invitation_id>/", invitations.invitation_respond, name="invitation_respond"),
    path("invitations/<int:invitation_id>/retirer/", structures.invitation_revoke, name="invitation_revoke"),
    path("structures/", structures.structure_list, name="structure_list"),
    path("structures/nouvelle/", structures.structure_create, name="structure_create"),
    path("structures/<int:structure_id>/", structures.structure_detail, name="structure_detail"),
    path("structures/<int:structure_id>/inviter/", structures.structure_invite, name="structure_invite"),
    path("structures/<int:structure_id>/cpam/", structures.structure_cpam, name="structure_cpam"),
    path(
        "structures/roles/<int:structure_membership_id>/retirer/",
        structures.structure_membership_remove,
        name="structure_membership_remove",
    ),
    path("ars/equipe/", agency.staff_home, name="staff_home"),
    path("ars/<int:region_id>/equipe/", agency.region_staff, name="region_staff"),
    path(
        "ars/roles/<int:region_membership_id>/retirer/",
        agency.region_membership_remove,
        name="region_membership_remove",
    ),
    path("plateforme/pilotes-nationaux/", national.national_pilots, name="national_pilots"),
    path(
        "plateforme/pilotes-nationaux/<int:region_membership_id>/retirer/",
        national.national_pilot_remove,
        name="national_pilot_remove",
    ),
]
