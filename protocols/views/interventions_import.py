"""Pages of the reporting table import (coordinators): upload, progress and result, error report, template files."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.decorators import role_required
from portal.downloads import attach
from portal.errors import ApplicationError
from portal.roles import Role
from protocols.forms.interventions import ImportForm
from protocols.imports import files
from protocols.imports.columns import COLUMNS
from protocols.models import ImportBatch
from protocols.services import imports as services

PAGE_SIZE = 20
ERRORS_SHOWN = 100
RESULT_TEMPLATE = "protocols/interventions/includes/import_result.html"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get_batch_for_user(user, import_batch_id) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.visible_to(user, roles=[Role.COORDINATOR]).select_related("structure", "requested_by"),
        pk=import_batch_id,
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def import_list(request):
    structures = services.import_structures_for(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, structures=structures)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_create(
                structure=form.cleaned_data["structure"], uploaded=form.cleaned_data["file"], by=request.user
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            if batch.outcome == ImportBatch.Outcome.PENDING:
                if batch.file.size <= services.import_sync_max_bytes():
                    services.import_batch_run(batch_id=batch.pk)
                else:
                    services.import_batch_send_on_commit(batch)
            return redirect("protocols:import_detail", import_batch_id=batch.pk)
    batches = (
        ImportBatch.objects.visible_to(request.user, roles=[Role.COORDINATOR])
        .select_related("structure", "requested_by")
        .order_by("-requested_at", "-pk")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "protocols/interventions/import_list.html",
        {"form": form, "page": page, "columns": COLUMNS},
        status=400 if form.errors else 200,
    )


def _detail_context(batch: ImportBatch) -> dict:
    return {
        "batch": batch,
        "job": batch,
        "errors_shown": batch.errors[:ERRORS_SHOWN],
        "previous": services.previous_import(batch) if batch.outcome == ImportBatch.Outcome.ALREADY_IMPORTED else None,
        "result_template": RESULT_TEMPLATE,
    }


@role_required(Role.COORDINATOR)
@require_GET
def import_detail(request, import_batch_id):
    batch = _get_batch_for_user(request.user, import_batch_id)
    return render(request, "protocols/interventions/import_detail.html", _detail_context(batch))


@role_required(Role.COORDINATOR)
@require_GET
def import_progress(request, import_batch_id):
    """The htmx fragment the batch page polls while the task runs; it stops polling once the import is finished."""
    batch = _get_batch_for_user(request.user, import_batch_id)
    return render(request, "protocols/interventions/includes/import_progress.html", _detail_context(batch))


@role_required(Role.COORDINATOR)
@require_GET
def import_errors(request, import_batch_id):
    batch = _get_batch_for_user(request.user, import_batch_id)
    if batch.outcome != ImportBatch.Outcome.REJECTED:
        messages.info(request, "Cet import n'a pas d'erreur à télécharger.")
        return redirect("protocols:import_detail", import_batch_id=batch.pk)
    response = HttpResponse(files.error_report_csv(batch.errors), content_type="text/csv; charset=utf-8")
    attach(response, f"erreurs-import-{batch.pk}.csv")
    return response


@role_required(Role.COORDINATOR)
@require_GET
def import_template_csv(request):
    response = HttpResponse(files.template_csv(), content_type="text/csv; charset=utf-8")
    attach(response, "modele-reporting-interventions.csv")
    return response


@role_required(Role.COORDINATOR)
@require_GET
def import_template_xlsx(request):
    response = HttpResponse(files.template_xlsx(), content_type=XLSX_TYPE)
    attach(response, "modele-reporting-interventions.xlsx")
    return response
