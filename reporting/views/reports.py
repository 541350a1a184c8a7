"""The coordinator's report pages: my reports, write one (autosave), submit it; the PDF for every reader."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_scope
from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error, error_messages
from portal.roles import Role
from portal.uploads import serve_private_file
from reporting.charts.report import report_charts
from reporting.forms import ReportForm, SubmitForm
from reporting.models import BiannualReport
from reporting.models.report import READER_AGENCY_ROLES
from reporting.services.report_pdf import report_pdf_refresh
from reporting.services.reports import missing_sections, report_save_draft, report_submit

PAGE_SIZE = 25
READERS = (Role.COORDINATOR, *READER_AGENCY_ROLES)


def _get_report_for_user(user, report_id, roles=None) -> BiannualReport:
    return get_object_or_404(
        BiannualReport.objects.visible_to(user, roles=roles).select_related(
            "grant__structure__region", "grant__protocol", "submitted_by", "reviewed_by"
        ),
        pk=report_id,
    )


def report_context(user, report: BiannualReport) -> dict:
    """What every report page shows: the figures, their charts, the story of the report."""
    return {
        "report": report,
        "figures": report.figures,
        "charts": report_charts(report.figures),
        "transitions": report.transitions.select_related("by").order_by("at", "pk"),
        "today": timezone.localdate(),
    }


@role_required(Role.COORDINATOR)
@require_GET
def report_list(request):
    reports = (
        BiannualReport.objects.visible_to(request.user, roles=[Role.COORDINATOR])
        .select_related("grant__structure", "grant__protocol")
        .order_by("-year", "-half", "grant__structure__name", "grant__reference")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/reports/my_list.html", {"page": page, "today": timezone.localdate()})


def _is_writer(user, report: BiannualReport) -> bool:
    return report.is_editable and report.grant.structure_id in get_scope(user).structure_ids([Role.COORDINATOR])


def _detail_response(request, report, form=None, submit_form=None, status=200):
    context = report_context(request.user, report)
    if _is_writer(request.user, report):
        context.update(
            form=form or ReportForm(instance=report),
            submit_form=submit_form or SubmitForm(),
            missing=missing_sections(report),
        )
    return render(request, "reporting/reports/detail.html", context, status=status)


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def report_detail(request, report_id):
    """The report: its figures and sections; for a coordinator while it is editable, the form to write it."""
    if request.method == "GET":
        report = _get_report_for_user(request.user, report_id)
        if report.grant.structure_id not in get_scope(request.user).structure_ids([Role.COORDINATOR]):
            return redirect("reporting:report_review", report_id=report.pk)  # ARS staff read it on their review page
        return _detail_response(request, report)
    report = _get_report_for_user(request.user, report_id, roles=[Role.COORDINATOR])
    form = ReportForm(request.POST, instance=BiannualReport.objects.get(pk=report.pk))
    if form.is_valid():
        try:
            report_save_draft(report=report, by=request.user, **form.sections())
        except (ApplicationError, ValidationError) as error:
            for message in error_messages(error):
                form.add_error(None, message)
                if not report.is_editable:  # no form on the page then: the message goes to its alerts
                    messages.error(request, message)
        else:
            messages.success(request, "Le brouillon du rapport est enregistré.")
            return redirect("reporting:report_detail", report_id=report.pk)
    report.refresh_from_db()
    return _detail_response(request, report, form=form, status=400)


@role_required(Role.COORDINATOR)
@require_POST
def report_autosave(request, report_id):
    """htmx: save the valid sections as the coordinator types; say what was not saved."""
    report = _get_report_for_user(request.user, report_id, roles=[Role.COORDINATOR])
    form = ReportForm(request.POST, instance=BiannualReport.objects.get(pk=report.pk))
    form.is_valid()
    sections = {name: value for name, value in form.sections().items() if name not in form.errors}
    if "indicators" in form.errors:
        sections.pop("indicator_values", None)
    error = None
    try:
        report_save_draft(report=report, by=request.user, **sections)
    except (ApplicationError, ValidationError) as exc:
        error = " ".join(error_messages(exc))
    not_saved = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    report.refresh_from_db()
    return render(
        request,
        "reporting/reports/includes/autosave_status.html",
        {
            "saved_at": timezone.localtime(),
            "not_saved": not_saved,
            "error": error,
            "missing": missing_sections(report),
        },
        status=400 if error else 200,
    )


@role_required(Role.COORDINATOR)
@require_POST
def report_submit_view(request, report_id):
    report = _get_report_for_user(request.user, report_id, roles=[Role.COORDINATOR])
    submit_form = SubmitForm(request.POST)
    if submit_form.is_valid():
        try:
            report_submit(report=report, by=request.user, sworn_statement=True)
        except ApplicationError as error:
            add_form_error(submit_form, error)
        else:
            messages.success(request, "Le rapport est transmis à l'ARS. Vous serez prévenu de son examen.")
            return redirect("reporting:report_detail", report_id=report.pk)
    report.refresh_from_db()
    return _detail_response(request, report, submit_form=submit_form, status=400)


@role_required(*READERS)
@require_GET
def report_pdf(request, report_id):
    """The report's PDF: the stored one if it is up to date, else rendered now and stored (the cache)."""
    report = _get_report_for_user(request.user, report_id)
    # Without pango, PdfUnavailable becomes the 503 page (portal.middleware).
    report = report_pdf_refresh(report_id=report.pk)
    return serve_private_file(report.pdf, f"rapport-{report.period}-{report.grant.reference}.pdf")
