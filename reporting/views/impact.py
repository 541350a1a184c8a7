"""The impact of a wave, per AMI campaign (ARS staff who follow grants). Thin views over
``reporting.dashboards.impact``; the campaign and its grants come through ``visible_to``."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from funding.models import Campaign
from portal.decorators import role_required
from portal.roles import Role
from reporting.dashboards import impact
from reporting.selectors.aggregates import fir_grants

IMPACT_ROLES = (Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN)


@role_required(*IMPACT_ROLES)
@require_GET
def wave_impact_index(request):
    campaigns = (
        Campaign.objects.visible_to(request.user, roles=IMPACT_ROLES)
        .annotate(grants=Count("dossiers__grant", filter=Q(dossiers__grant__isnull=False)))
        .filter(grants__gt=0)
        .select_related("region")
        .order_by("-published_at", "pk")
    )
    return render(request, "reporting/impact/index.html", {"campaigns": campaigns})


@role_required(*IMPACT_ROLES)
@require_GET
def wave_impact(request, campaign_id):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user, roles=IMPACT_ROLES), pk=campaign_id)
    grants = fir_grants(request.user, IMPACT_ROLES).filter(dossier__campaign=campaign)
    context = {"campaign": campaign, **impact.wave_impact(campaign, grants, timezone.localdate())}
    return render(request, "reporting/impact/detail.html", context)
