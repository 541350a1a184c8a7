"""The region's comparison of its structures on a campaign's follow-up indicators (ARS staff who follow grants):
campaigns with indicators, then the table structures × indicators for a year, exportable in CSV and XLSX. Thin views
over ``reporting.selectors.indicators``; campaigns and grants come through ``visible_to``."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from funding.models import Campaign
from portal.decorators import role_required
from portal.downloads import attach
from portal.exports import csv_response, xlsx_bytes
from portal.roles import Role
from reporting.selectors import indicators as selectors

COMPARISON_ROLES = (Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN)
PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@role_required(*COMPARISON_ROLES)
@require_GET
def indicator_comparison_index(request):
    campaigns = (
        Campaign.objects.visible_to(request.user, roles=COMPARISON_ROLES)
        .annotate(indicator_count=Count("indicators", distinct=True))
        .select_related("region")
        .order_by("-created_at", "pk")
    )
    return render(request, "reporting/indicators/index.html", {"campaigns": campaigns})


def _table(request, campaign_id):
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user, roles=COMPARISON_ROLES).select_related("region"), pk=campaign_id
    )
    grants = selectors.campaign_grants(request.user, campaign, COMPARISON_ROLES)
    years = selectors.comparison_years(campaign, grants, timezone.localdate())
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        year = None
    if year not in years:
        year = selectors.default_year(campaign, years)
    columns = selectors.comparison_columns(campaign.indicators.in_order(), year)
    return campaign, grants, years, year, columns


@role_required(*COMPARISON_ROLES)
@require_GET
def indicator_comparison(request, campaign_id):
    campaign, grants, years, year, columns = _table(request, campaign_id)
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page")) if columns else None
    rows = selectors.comparison_rows(list(page.object_list), columns, year) if page else []
    summaries = selectors.column_summaries(grants, columns, year) if rows else []
    is_admin = campaign.region_id in request.user.scope.region_ids([Role.REGION_ADMIN])
    return render(
        request,
        "reporting/indicators/comparison.html",
        {
            "campaign": campaign,
            "years": years,
            "year": year,
            "columns": columns,
            "page": page,
            "rows": rows,
            "summaries": summaries,
            "is_admin": is_admin,
        },
    )


def _export_name(campaign, year, extension: str) -> str:
    return f"indicateurs-{campaign.region.code.lower()}-campagne-{campaign.pk}-{year}.{extension}"


@role_required(*COMPARISON_ROLES)
@require_GET
def indicator_comparison_csv(request, campaign_id):
    campaign, grants, _years, year, columns = _table(request, campaign_id)
    return csv_response(
        _export_name(campaign, year, "csv"),
        selectors.export_columns(columns),
        selectors.export_rows(grants, columns, year),
    )


@role_required(*COMPARISON_ROLES)
@require_GET
def indicator_comparison_xlsx(request, campaign_id):
    campaign, grants, _years, year, columns = _table(request, campaign_id)
    content = xlsx_bytes(
        [(f"Indicateurs {year}", selectors.export_columns(columns), selectors.export_rows(grants, columns, year))]
    )
    return attach(HttpResponse(content, content_type=XLSX), _export_name(campaign, year, "xlsx"))
