"""The campaign's follow-up indicators: the region administrator defines them, the funded teams fill them in.

The region's comparison table is a reporting page (``reporting.views.indicators``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from funding.forms.indicators import CampaignIndicatorForm, IndicatorValuesForm
from funding.models import CampaignIndicator, Grant
from funding.services import indicators as services
from funding.views.common import get_campaign_for_admin
from portal.access import get_scope
from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import MONEY_AGENCY_ROLES, Role

ADMIN = [Role.REGION_ADMIN]
VALUE_READERS = (Role.COORDINATOR, *MONEY_AGENCY_ROLES)


def _get_indicator_for_admin(user, indicator_id) -> CampaignIndicator:
    return get_object_or_404(
        CampaignIndicator.objects.visible_to(user, roles=ADMIN).select_related("campaign__region"), pk=indicator_id
    )


def _definitions_page(request, campaign, form, status=200):
    indicators = campaign.indicators.in_order()
    return render(
        request,
        "funding/indicators/campaign.html",
        {"campaign": campaign, "indicators": indicators, "form": form},
        status=status,
    )


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def campaign_indicators(request, campaign_id):
    """The campaign's indicators, and the form to add one."""
    campaign = get_campaign_for_admin(request.user, campaign_id)
    form = CampaignIndicatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.campaign_indicator_create(campaign=campaign, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"L'indicateur « {indicator.name} » est ajouté à la campagne.")
            return redirect("funding:campaign_indicators", campaign_id=campaign.pk)
    return _definitions_page(request, campaign, form, status=400 if form.errors else 200)


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def campaign_indicator_edit(request, indicator_id):
    indicator = _get_indicator_for_admin(request.user, indicator_id)
    form = CampaignIndicatorForm(request.POST if request.method == "POST" else None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_indicator_update(indicator=indicator, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "L'indicateur est enregistré.")
            return redirect("funding:campaign_indicators", campaign_id=indicator.campaign_id)
    return render(
        request,
        "funding/indicators/edit.html",
        {"indicator": indicator, "campaign": indicator.campaign, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.REGION_ADMIN)
@require_POST
def campaign_indicator_delete(request, indicator_id):
    indicator = _get_indicator_for_admin(request.user, indicator_id)
    try:
        services.campaign_indicator_delete(indicator=indicator, by=request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, getattr(error, "message", " ".join(getattr(error, "messages", []))))
    else:
        messages.success(request, f"L'indicateur « {indicator.name} » est supprimé.")
    return redirect("funding:campaign_indicators", campaign_id=indicator.campaign_id)


def _year(request, years: list[int]) -> int | None:
    try:
        year = int(request.GET.get("annee") or request.POST.get("annee") or 0)
    except ValueError:
        year = 0
    return year if year in years else (years[0] if years else None)


@role_required(*VALUE_READERS)
@require_http_methods(["GET", "POST"])
def grant_indicators(request, grant_id):
    """The values of the campaign's indicators for a year: the team fills them in, the ARS reads them."""
    grant = get_object_or_404(
        Grant.objects.visible_to(request.user, roles=VALUE_READERS).select_related(
            "structure", "protocol", "dossier__campaign"
        ),
        pk=grant_id,
    )
    can_fill = grant.structure_id in get_scope(request.user).structure_ids([Role.COORDINATOR])
    if request.method == "POST" and not can_fill:
        raise PermissionDenied("Seul un coordinateur de la structure saisit les valeurs.")
    today = timezone.localdate()
    indicators = list(services.grant_indicators(grant))
    years = services.grant_indicator_years(grant, today)
    year = _year(request, years)
    values, open_periods = services.grant_indicator_sheet(grant, indicators, year, today)
    form = IndicatorValuesForm(
        request.POST if request.method == "POST" else None,
        indicators=indicators,
        year=year or today.year,
        initial_values=values,
        open_periods=open_periods,
    )
    if request.method == "POST" and form.is_valid() and year is None:
        form.add_error(None, "La subvention n'a pas encore commencé : aucune période à renseigner.")
    elif request.method == "POST" and form.is_valid():
        try:
            written = services.indicator_values_save(
                grant=grant, by=request.user, year=year, values=form.values(), today=today
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Les valeurs sont enregistrées." if written else "Aucune valeur n'a changé.")
            return redirect(f"{request.path}?annee={year}")
    return render(
        request,
        "funding/indicators/grant.html",
        {
            "grant": grant,
            "indicators": indicators,
            "years": years,
            "year": year,
            "values": values,
            "form": form,
            "can_fill": can_fill,
        },
        status=400 if form.errors else 200,
    )
