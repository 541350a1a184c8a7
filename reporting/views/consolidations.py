"""The region's consolidations: request one (background job with a progress bar), download its PDF and XLSX."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error
from portal.models import Region
from portal.uploads import serve_private_file
from reporting.forms import ConsolidationForm
from reporting.models import ConsolidatedReport
from reporting.models.report import READER_AGENCY_ROLES
from reporting.services.consolidation import consolidation_start

RECENT = 20


def _get_consolidation_for_user(user, consolidation_id) -> ConsolidatedReport:
    return get_object_or_404(
        ConsolidatedReport.objects.visible_to(user, roles=READER_AGENCY_ROLES).select_related(
            "region", "requested_by"
        ),
        pk=consolidation_id,
    )


@role_required(*READER_AGENCY_ROLES)
@require_http_methods(["GET", "POST"])
def consolidation_list(request):
    regions = Region.objects.visible_to(request.user, roles=READER_AGENCY_ROLES).order_by("name")
    form = ConsolidationForm(request.POST or None, regions=regions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = consolidation_start(
                    region=form.cleaned_data["region"], period=form.cleaned_data["period"], by=request.user
                )
            except ApplicationError as error:
                add_form_error(form, error)
            else:
                return redirect("reporting:consolidation_detail", consolidation_id=job.pk)
        status = 400
    jobs = (
        ConsolidatedReport.objects.visible_to(request.user, roles=READER_AGENCY_ROLES)
        .select_related("region", "requested_by")
        .order_by("-requested_at")[:RECENT]
    )
    return render(request, "reporting/consolidations/list.html", {"form": form, "jobs": jobs}, status=status)


def _job_context(job) -> dict:
    return {
        "job": job,
        "poll_url": reverse("reporting:consolidation_progress", kwargs={"consolidation_id": job.pk}),
        "result_template": "reporting/consolidations/includes/result.html",
    }


@role_required(*READER_AGENCY_ROLES)
@require_GET
def consolidation_detail(request, consolidation_id):
    job = _get_consolidation_for_user(request.user, consolidation_id)
    return render(request, "reporting/consolidations/detail.html", _job_context(job))


@role_required(*READER_AGENCY_ROLES)
@require_GET
def consolidation_progress(request, consolidation_id):
    """The htmx fragment the progress bar polls every second; it stops once the job is finished."""
    job = _get_consolidation_for_user(request.user, consolidation_id)
    return render(request, "includes/job_progress.html", _job_context(job))


def _download(request, consolidation_id, field: str, suffix: str):
    job = _get_consolidation_for_user(request.user, consolidation_id)
    document = getattr(job, field)
    if not document:
        raise Http404("Document pas encore disponible.")
    return serve_private_file(document, f"consolidation-{job.region.code}-{job.period}{suffix}")


@role_required(*READER_AGENCY_ROLES)
@require_GET
def consolidation_pdf(request, consolidation_id):
    return _download(request, consolidation_id, "pdf", ".pdf")


@role_required(*READER_AGENCY_ROLES)
@require_GET
def consolidation_xlsx(request, consolidation_id):
    return _download(request, consolidation_id, "xlsx", ".xlsx")
