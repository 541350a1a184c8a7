"""The national view of the pilote_national (and the platform superadmin): aggregates of every region, the
drill-down to one region, the exports. Thin views: the figures come from ``reporting.dashboards.national``."""

import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.decorators import role_required
from portal.downloads import attach
from portal.exports import csv_response, xlsx_bytes
from portal.models import Region
from portal.roles import Role
from reporting.dashboards import national
from reporting.dashboards.forms import NationalFilterForm
from reporting.dashboards.national_exports import AGGREGATE_COLUMNS, envelope_columns
from reporting.selectors.aggregates import NATIONAL_AGGREGATE_ROLES

NATIONAL_READERS = (Role.NATIONAL_PILOT, Role.SUPERADMIN)


def _get_region_for_national(user, region_id) -> Region:
    return get_object_or_404(Region.objects.visible_to(user, roles=NATIONAL_AGGREGATE_ROLES), pk=region_id)


def _filter(request, region_ids, today: datetime.date) -> NationalFilterForm:
    periods, default = national.period_choices(region_ids, today)
    return NationalFilterForm(request.GET or None, periods=periods, default=default)


def _status(form) -> int:
    return 400 if form.is_bound and not form.is_valid() else 200


@role_required(*NATIONAL_READERS)
@require_GET
def national_dashboard(request):
    today = timezone.localdate()
    region_list = national.regions(request.user)
    form = _filter(request, [pk for pk, _c, _n in region_list], today)
    sort = request.GET.get("tri") if request.GET.get("tri") in national.SORTS else national.DEFAULT_SORT
    default_order = "asc" if sort in national.ASCENDING_FIRST else "desc"
    descending = request.GET.get("ordre", default_order) != "asc"
    context = {
        "form": form,
        "period": form.period,
        "sort": sort,
        "descending": descending,
        "today": today,
        **national.overview(region_list, form.period, today, sort=sort, descending=descending),
    }
    return render(request, "reporting/national/dashboard.html", context, status=_status(form))


@role_required(*NATIONAL_READERS)
@require_GET
def national_region(request, region_id):
    region = _get_region_for_national(request.user, region_id)
    today = timezone.localdate()
    form = _filter(request, [region.pk], today)
    context = {"region": region, "form": form, "period": form.period, "today": today}
    context.update(national.region_detail(region, form.period, today))
    return render(request, "reporting/national/region.html", context, status=_status(form))


def _export(request):
    today = timezone.localdate()
    region_list = national.regions(request.user)
    form = _filter(request, [pk for pk, _c, _n in region_list], today)
    rows, envelopes, regions = national.export_rows(region_list, form.period, today)
    return form.period, rows, envelopes, regions


@role_required(*NATIONAL_READERS)
@require_GET
def national_export_csv(request):
    period, rows, _envelopes, _regions = _export(request)
    return csv_response(f"agregats-nationaux-{period}.csv", AGGREGATE_COLUMNS, rows)


@role_required(*NATIONAL_READERS)
@require_GET
def national_export_xlsx(request):
    period, rows, envelopes, regions = _export(request)
    content = xlsx_bytes(
        [
            ("Agrégats", AGGREGATE_COLUMNS, rows),
            ("Enveloppes FIR", envelope_columns(regions), envelopes),
        ]
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return attach(response, f"agregats-nationaux-{period}.xlsx")
