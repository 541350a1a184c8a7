"""Routes of the campaigns pages (namespace "funding"): public pages, then the region administrator's."""

from django.urls import path

from funding.views import campaigns, indicators

urlpatterns = [
    path("ami/", campaigns.public_campaigns, name="public_campaigns"),
    path("ami/campagne/<int:campaign_id>/", campaigns.public_campaign, name="public_campaign"),
    path("ami/<str:region_code>/", campaigns.public_region_campaigns, name="public_region_campaigns"),
    path("ars/campagnes/", campaigns.campaign_list, name="campaign_list"),
    path("ars/campagnes/nouvelle/", campaigns.campaign_create, name="campaign_create"),
    path("ars/campagnes/<int:campaign_id>/", campaigns.campaign_detail, name="campaign_detail"),
    path("ars/campagnes/<int:campaign_id>/modifier/", campaigns.campaign_edit, name="campaign_edit"),
    path("ars/campagnes/<int:campaign_id>/publier/", campaigns.campaign_publish, name="campaign_publish"),
    path("ars/campagnes/<int:campaign_id>/vagues/nouvelle/", campaigns.wave_create, name="wave_create"),
    path("ars/vagues/<int:wave_id>/modifier/", campaigns.wave_edit, name="wave_edit"),
    path("ars/campagnes/<int:campaign_id>/indicateurs/", indicators.campaign_indicators, name="campaign_indicators"),
    path(
        "ars/indicateurs/<int:indicator_id>/modifier/",
        indicators.campaign_indicator_edit,
        name="campaign_indicator_edit",
    ),
    path(
        "ars/indicateurs/<int:indicator_id>/supprimer/",
        indicators.campaign_indicator_delete,
        name="campaign_indicator_delete",
    ),
]
