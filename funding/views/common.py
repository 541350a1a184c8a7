"""Small helpers shared by the funding views: scoped fetches (a foreign object is a 404) and optional links."""

from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from funding.models import Campaign, CommitteeMeeting, Criterion, Dossier, Review, Wave
from portal.roles import Role

ADMIN = [Role.REGION_ADMIN]


def optional_url(name: str, **kwargs) -> str:
    """The URL of a page another area provides, or "" while it does not exist yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def dossier_queryset(user, roles):
    return Dossier.objects.visible_to(user, roles=roles).select_related(
        "campaign__region", "wave", "structure", "protocol", "submitted_by"
    )


def get_campaign_for_admin(user, campaign_id) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(user, roles=ADMIN).select_related("region"), pk=campaign_id)


def get_criterion_for_admin(user, criterion_id) -> Criterion:
    # Criteria have no scope of their own: they are reached through the campaigns the user administers.
    campaigns = Campaign.objects.visible_to(user, roles=ADMIN)
    return get_object_or_404(
        Criterion.objects.filter(campaign__in=campaigns).select_related("campaign__region"), pk=criterion_id
    )


def get_wave_for_admin(user, wave_id) -> Wave:
    return get_object_or_404(Wave.objects.visible_to(user, roles=ADMIN).select_related("campaign__region"), pk=wave_id)


def get_meeting_for_admin(user, meeting_id) -> CommitteeMeeting:
    return get_object_or_404(
        CommitteeMeeting.objects.visible_to(user, roles=ADMIN).select_related("campaign__region", "wave"),
        pk=meeting_id,
    )


def get_dossier_for_admin(user, dossier_id) -> Dossier:
    return get_object_or_404(
        Dossier.objects.visible_to(user, roles=ADMIN).select_related(
            "campaign__region", "wave", "structure", "protocol"
        ),
        pk=dossier_id,
    )


def get_review_for_admin(user, review_id) -> Review:
    return get_object_or_404(
        Review.objects.visible_to(user, roles=ADMIN).select_related(
            "assignment__reviewer", "assignment__dossier__campaign", "assignment__dossier__structure", "reopened_by"
        ),
        pk=review_id,
    )
