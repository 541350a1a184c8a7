"""The dashboards: one page for structure roles (coordinator, professional), one for ARS staff. Thin views: the
figures come from ``reporting.dashboards`` (scoped by ``visible_to``, heavy aggregates cached)."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.access import get_scope
from portal.decorators import role_required
from portal.models import Structure
from portal.roles import Role
from reporting.dashboards import agency, forecast, structure
from reporting.dashboards.forms import AgencyFilterForm, PeriodFilterForm, WhatIfForm


@role_required(Role.COORDINATOR, Role.PROFESSIONAL)
@require_GET
def dashboard(request):
    """ "Mon tableau de bord": a block per structure role the user holds."""
    user, today = request.user, timezone.localdate()
    default_day = structure.latest_activity_day(user, [Role.COORDINATOR, Role.PROFESSIONAL], today)
    form = PeriodFilterForm(request.GET or None, default_day=default_day)
    period = form.period
    scope = get_scope(user)
    context = {"form": form, "period": period, "today": today}
    if scope.has_role(Role.COORDINATOR):
        grants = structure.coordinator_grants(user, today)
        region_ids = sorted(
            set(Structure.objects.visible_to(user, roles=structure.COORDINATOR).values_list("region_id", flat=True))
        )
        context["coordinator"] = {
            "grants": structure.cap_consumption(user, grants, period.year, region_ids),
            "activity": structure.activity(user, period, region_ids),
            "exclusions": structure.exclusions_to_fix(user),
            "reports": structure.open_reports(user),
        }
    if scope.has_role(Role.PROFESSIONAL):
        context["professional"] = {
            "activity": structure.professional_activity(user, today),
            "trainings": structure.professional_trainings(user),
            "documents": structure.professional_documents(user),
        }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "reporting/dashboard.html", context, status=status)


@role_required(*agency.AGENCY_DASHBOARD_ROLES)
@require_GET
def agency_dashboard(request):
    user, today = request.user, timezone.localdate()
    default_year = structure.latest_activity_day(user, agency.AGENCY_DASHBOARD_ROLES, today).year
    form = AgencyFilterForm(request.GET or None, default_year=default_year, **agency.filter_choices(user))
    filters = agency.AgencyFilters(**form.values())
    calendar, forecasts = agency.fir_forecast(user, filters, today)
    what_if_form = WhatIfForm(
        request.GET if "vague-campagne" in request.GET else None, forecasts=forecasts, today=today
    )
    context = {
        "form": form,
        "filters": filters,
        "today": today,
        "funnel": agency.funnel(user, filters),
        "interventions": agency.interventions_chart(user, filters),
        "money": agency.money(user, filters),
        "late_reports": agency.late_reports(user, filters, today),
        "adverse_events": agency.open_adverse_events(user, filters),
        "fir": {"calendar": calendar, "campaigns": forecasts, "method": forecast.METHOD},
        "what_if_form": what_if_form,
        "what_if": _what_if(what_if_form, forecasts),
    }
    invalid = [f for f in (form, what_if_form) if f.is_bound and not f.is_valid()]
    return render(request, "reporting/agency_dashboard.html", context, status=400 if invalid else 200)


def _what_if(form, forecasts) -> dict | None:
    """The next wave's cost per year, beside the chosen campaign's envelope (None until the form is sent)."""
    if not (form.is_bound and form.is_valid()):
        return None
    data = form.cleaned_data
    chosen = next(item for item in forecasts if item.campaign_id == data["campagne"])
    years = forecast.what_if(
        projects=data["projets"], rate=data["forfait"], cap=data["plafond"], start=data["debut"], pace=chosen.pace
    )
    return {"campaign": chosen, "years": years}
