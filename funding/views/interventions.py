"""Follow-up of interventions and their eligibility: per protocol and month, the detail, and the export.

Coordinators see their structures, ARS staff their whole region: the same pages, scoped by ``visible_to``.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from funding.models import ExclusionReason
from funding.selectors import interventions as selectors
from portal.decorators import role_required
from portal.downloads import attach
from portal.exports import csv_lines, xlsx_bytes
from protocols.locks import is_locked_expression
from protocols.services.interventions import mark_changeable

SUMMARY_PAGE_SIZE = 36
LIST_PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request, filters) -> dict:
    years = range(timezone.localdate().year + 1, 2019, -1)
    return {
        "filters": filters,
        "years": years,
        "months": range(1, 13),
        "statuses": selectors.STATUS_CHOICES,
        "reason_labels": dict(ExclusionReason.choices),
        **selectors.filter_choices(request.user),
    }


@role_required(*selectors.VIEW_ROLES)
@require_GET
def intervention_overview(request):
    filters = selectors.InterventionFilters.from_query(request.GET)
    context = _context(request, filters)
    # The monthly counts kept on write: their rows (a few per structure, protocol and month) are paged and summed in
    # memory.
    rows = selectors.monthly_summary(
        request.user, filters, structures=context["structures"], protocols=context["protocols"]
    )
    page = Paginator(rows, SUMMARY_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["reasons"] = selectors.reasons_of(row)
    return render(
        request,
        "funding/interventions/overview.html",
        {**context, "page": page, "totals": selectors.summary_totals(rows)},
    )


@role_required(*selectors.VIEW_ROLES)
@require_GET
def intervention_list(request):
    filters = selectors.InterventionFilters.from_query(request.GET)
    interventions = (
        filters.apply(selectors.interventions_for(request.user))
        .select_related(
            "structure", "protocol", "delegate__user", "delegant__user", "second_contact_delegate__user", "eligibility"
        )
        .annotate(is_locked=is_locked_expression())
        .order_by("-performed_on", "-pk")
    )
    page = Paginator(interventions, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    mark_changeable(page.object_list, request.user)  # « Modifier » where the edit page accepts it: delegate too
    return render(request, "funding/interventions/list.html", {**_context(request, filters), "page": page})


@role_required(*selectors.VIEW_ROLES)
@require_GET
def intervention_export(request):
    """The filtered interventions in the import format plus ``statut`` and ``motif`` (CSV streamed, or XLSX)."""
    filters = selectors.InterventionFilters.from_query(request.GET)
    interventions = filters.apply(selectors.interventions_for(request.user))
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "xlsx":
        content = xlsx_bytes(
            [("Interventions", selectors.export_columns(for_xlsx=True), selectors.export_rows(interventions))]
        )
        response = HttpResponse(content, content_type=XLSX_TYPE)
        attach(response, f"interventions-{stamp}.xlsx")
        return response
    lines = csv_lines(selectors.export_columns(for_xlsx=False), selectors.export_rows(interventions), bom=True)
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8")
    attach(response, f"interventions-{stamp}.csv")
    return response
