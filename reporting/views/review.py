"""The ARS's report pages: the region's reports (filters, pagination), review one (ask for changes, accept)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from funding.periods import InvalidPeriod, Period
from portal.access import get_scope
from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error
from portal.roles import Role
from reporting.forms import OVERDUE, STATE_FILTERS, AcceptForm, ChangesForm
from reporting.models import BiannualReport, ReportState
from reporting.models.report import READER_AGENCY_ROLES
from reporting.services.reports import report_accept, report_request_changes
from reporting.views.reports import _get_report_for_user, report_context

PAGE_SIZE = 25


def _filters(params, reports, today):
    """The chosen filters and ``reports`` narrowed by them; « en retard » is ``BiannualReportQuerySet.overdue``,
    the rule the ARS dashboard and the overdue e-mail use."""
    chosen = {"periode": "", "etat": "", "departement": ""}
    condition = Q()
    try:
        period = Period.parse(params.get("periode", "")) if params.get("periode") else None
    except InvalidPeriod:
        period = None
    if period:
        chosen["periode"] = str(period)
        condition &= Q(year=period.year, half=period.half)
    state = params.get("etat", "")
    if state == OVERDUE:
        reports = reports.overdue(today)
        chosen["etat"] = state
    elif state in ReportState.values:
        condition &= Q(state=state)
        chosen["etat"] = state
    departement = params.get("departement", "").strip().upper()[:3]
    if departement:
        condition &= Q(grant__structure__departement=departement)
        chosen["departement"] = departement
    return chosen, reports.filter(condition)


@role_required(*READER_AGENCY_ROLES)
@require_GET
def report_agency_list(request):
    today = timezone.localdate()
    reports = BiannualReport.objects.visible_to(request.user, roles=READER_AGENCY_ROLES)
    chosen, filtered = _filters(request.GET, reports, today)
    filtered = filtered.select_related("grant__structure", "grant__protocol").order_by(
        "-year", "-half", "grant__structure__name", "grant__reference"
    )
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    periods = [
        Period(year, half)
        for year, half in reports.values_list("year", "half").distinct().order_by("-year", "-half")[:12]
    ]
    departement = "grant__structure__departement"
    departements = reports.values_list(departement, flat=True).distinct().order_by(departement)
    return render(
        request,
        "reporting/reports/agency_list.html",
        {
            "page": page,
            "chosen": chosen,
            "periods": periods,
            "states": STATE_FILTERS,
            "departements": list(departements),
            "today": today,
            "filtered": any(chosen.values()),
        },
    )


def _review_response(request, report, changes_form=None, accept_form=None, status=200):
    context = report_context(request.user, report)
    is_instructor = report.grant.structure.region_id in get_scope(request.user).region_ids([Role.INSTRUCTOR])
    if is_instructor and report.state == ReportState.SUBMITTED:
        context.update(changes_form=changes_form or ChangesForm(), accept_form=accept_form or AcceptForm())
    return render(request, "reporting/reports/review.html", context, status=status)


@role_required(*READER_AGENCY_ROLES)
@require_GET
def report_review(request, report_id):
    report = _get_report_for_user(request.user, report_id, roles=READER_AGENCY_ROLES)
    return _review_response(request, report)


@role_required(Role.INSTRUCTOR)
@require_POST
def report_request_changes_view(request, report_id):
    report = _get_report_for_user(request.user, report_id, roles=[Role.INSTRUCTOR])
    form = ChangesForm(request.POST)
    if form.is_valid():
        try:
            report_request_changes(report=report, by=request.user, comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La demande de modifications est envoyée au coordinateur.")
            return redirect("reporting:report_review", report_id=report.pk)
    return _review_response(request, report, changes_form=form, status=400)


@role_required(Role.INSTRUCTOR)
@require_POST
def report_accept_view(request, report_id):
    report = _get_report_for_user(request.user, report_id, roles=[Role.INSTRUCTOR])
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            report_accept(report=report, by=request.user, comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Le rapport est accepté.")
            return redirect("reporting:report_review", report_id=report.pk)
    return _review_response(request, report, accept_form=form, status=400)
