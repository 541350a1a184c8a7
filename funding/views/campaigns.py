"""AMI campaigns: the region administrator's pages (campaigns, waves, publication) and the public pages (published
campaigns of a region, without logging in)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.forms.campaigns import CampaignForm, PublishForm, WaveForm
from funding.models import Campaign, Criterion, DossierState, Wave
from funding.services import campaigns as services
from funding.views.common import optional_url
from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error
from portal.models import Region
from portal.roles import Role

ADMIN = [Role.REGION_ADMIN]
READERS = [Role.REGION_ADMIN, Role.INSTRUCTOR]


def _get_campaign_for_user(user, campaign_id, roles=ADMIN) -> Campaign:
    return get_object_or_404(Campaign.objects.visible_to(user, roles=roles).select_related("region"), pk=campaign_id)


def _grid(campaign):
    return campaign.criteria.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=Criterion.objects.order_by("position", "code"))
    )


@role_required(*READERS)
@require_GET
def campaign_list(request):
    campaigns = (
        Campaign.objects.visible_to(request.user, roles=READERS)
        .select_related("region")
        .prefetch_related("waves")
        .annotate(
            dossier_count=Count("dossiers", filter=~Q(dossiers__state=DossierState.DRAFT)),
            draft_count=Count("dossiers", filter=Q(dossiers__state=DossierState.DRAFT)),
        )
        .order_by("-created_at")
    )
    can_create = Region.objects.visible_to(request.user, roles=ADMIN).exists()
    return render(
        request,
        "funding/campaigns/list.html",
        {"campaigns": campaigns, "can_create": can_create, "now": timezone.now()},
    )


def _region_field(form, regions):
    form.fields["region"] = forms.ModelChoiceField(label="ARS", queryset=regions, empty_label=None)
    form.order_fields(["region"])
    if len(regions[:2]) == 1:
        form.fields["region"].widget = forms.HiddenInput()
        form.fields["region"].initial = regions[0]


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    regions = Region.objects.visible_to(request.user, roles=ADMIN).order_by("name")
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        initial={"eligible_structure_kinds": ["MSP", "CDS", "CPTS", "ESP"]},
    )
    _region_field(form, regions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            campaign = services.campaign_create(by=request.user, **data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La campagne est créée. Ajoutez une vague de dépôt, puis publiez-la.")
            return redirect("funding:campaign_detail", campaign_id=campaign.pk)
    return render(
        request, "funding/campaigns/form.html", {"form": form, "campaign": None}, status=400 if form.errors else 200
    )


@role_required(*READERS)
@require_GET
def campaign_detail(request, campaign_id):
    campaign = _get_campaign_for_user(request.user, campaign_id, roles=READERS)
    waves = campaign.waves.annotate(
        dossier_count=Count("dossiers", filter=~Q(dossiers__state=DossierState.DRAFT))
    ).order_by("number")
    counts = dict(
        campaign.dossiers.exclude(state=DossierState.DRAFT).order_by().values_list("state").annotate(n=Count("pk"))
    )
    is_admin = campaign.region_id in request.user.scope.region_ids(ADMIN)
    return render(
        request,
        "funding/campaigns/detail.html",
        {
            "campaign": campaign,
            "waves": waves,
            "grid": _grid(campaign),
            "counts": [(state.label, counts[state.value]) for state in DossierState if counts.get(state.value)],
            "is_admin": is_admin,
            "publish_form": PublishForm(initial={"published_at": campaign.published_at}),
            "grid_url": optional_url("funding:campaign_grid", campaign_id=campaign.pk),
            "now": timezone.now(),
        },
    )


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def campaign_edit(request, campaign_id):
    campaign = _get_campaign_for_user(request.user, campaign_id)
    form = CampaignForm(request.POST if request.method == "POST" else None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La campagne est enregistrée.")
            return redirect("funding:campaign_detail", campaign_id=campaign.pk)
    return render(
        request,
        "funding/campaigns/form.html",
        {"form": form, "campaign": campaign},
        status=400 if form.errors else 200,
    )


@role_required(Role.REGION_ADMIN)
@require_POST
def campaign_publish(request, campaign_id):
    campaign = _get_campaign_for_user(request.user, campaign_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("funding:campaign_detail", campaign_id=campaign.pk)
    try:
        campaign = services.campaign_publish(campaign=campaign, by=request.user, at=form.cleaned_data["published_at"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if campaign.is_published:
            messages.success(request, "La campagne est publiée : elle figure sur la page publique de l'ARS.")
        else:
            messages.success(request, "La publication de la campagne est programmée.")
    return redirect("funding:campaign_detail", campaign_id=campaign.pk)


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def wave_create(request, campaign_id):
    campaign = _get_campaign_for_user(request.user, campaign_id)
    form = WaveForm(request.POST if request.method == "POST" else None, instance=Wave(campaign=campaign))
    if request.method == "POST" and form.is_valid():
        try:
            wave = services.wave_create(campaign=campaign, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"La vague {wave.number} est enregistrée.")
            return redirect("funding:campaign_detail", campaign_id=campaign.pk)
    return render(
        request,
        "funding/campaigns/wave_form.html",
        {"form": form, "campaign": campaign, "wave": None},
        status=400 if form.errors else 200,
    )


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def wave_edit(request, wave_id):
    wave = get_object_or_404(Wave.objects.visible_to(request.user, roles=ADMIN).select_related("campaign"), pk=wave_id)
    form = WaveForm(request.POST if request.method == "POST" else None, instance=wave)
    if request.method == "POST" and form.is_valid():
        try:
            services.wave_update(wave=wave, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"La vague {wave.number} est enregistrée.")
            return redirect("funding:campaign_detail", campaign_id=wave.campaign_id)
    return render(
        request,
        "funding/campaigns/wave_form.html",
        {"form": form, "campaign": wave.campaign, "wave": wave},
        status=400 if form.errors else 200,
    )


# --- Public pages ----------------------------------------------------------------------------------------------


def _published():
    return Campaign.objects.published().select_related("region").prefetch_related("waves")


@require_GET
def public_campaigns(request):
    """Every published AMI, grouped by ARS (no login)."""
    regions = Region.objects.filter(campaigns__in=_published()).distinct().order_by("name")
    return render(
        request,
        "funding/campaigns/public_index.html",
        {
            "regions": regions,
            "campaigns": _published().order_by("region__name", "-published_at"),
            "now": timezone.now(),
        },
    )


@require_GET
def public_region_campaigns(request, region_code):
    region = get_object_or_404(Region, code=region_code.upper())
    campaigns = _published().filter(region=region).order_by("-published_at")
    return render(
        request,
        "funding/campaigns/public_region.html",
        {"region": region, "campaigns": campaigns, "now": timezone.now()},
    )


@require_GET
def public_campaign(request, campaign_id):
    campaign = get_object_or_404(_published(), pk=campaign_id)
    return render(
        request,
        "funding/campaigns/public_detail.html",
        {"campaign": campaign, "grid": _grid(campaign), "now": timezone.now()},
    )
