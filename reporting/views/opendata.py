"""Open data (no account needed): the page, the latest CSV and JSON files, their Table Schema."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.downloads import file_response
from reporting import opendata
from reporting.models import OpenDataRelease
from reporting.services.opendata import schema_json


def _latest() -> OpenDataRelease:
    release = OpenDataRelease.objects.visible_to(None).order_by("-finished_at", "-pk").first()
    if release is None:
        raise Http404("Aucune donnée n'est encore publiée.")
    return release


@require_GET
def open_data(request):
    release = OpenDataRelease.objects.visible_to(request.user).order_by("-finished_at", "-pk").first()
    context = {
        "release": release,
        "fields": opendata.FIELDS,
        "licence_line": opendata.LICENCE_LINE,
        "licence": opendata.LICENCE,
        "title": opendata.TITLE,
        "suppressed": opendata.SUPPRESSED,
    }
    return render(request, "reporting/opendata.html", context)


def _file(field, content_type: str):
    response = file_response(field.open("rb"), field.name, inline=True, content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@require_GET
def open_data_csv(request):
    return _file(_latest().csv, "text/csv; charset=utf-8")


@require_GET
def open_data_json(request):
    return _file(_latest().json, "application/json")


@require_GET
def open_data_schema(request):
    response = HttpResponse(schema_json(), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{request.build_absolute_uri(reverse("reporting:open_data_csv"))}>; rel="describes"'
    return response
