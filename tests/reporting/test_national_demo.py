"""The national pilot of the demo: several regions with data, and not one person, practice or dossier of the demo
on any page it can open (every route of the portal, with the demo's own objects as arguments)."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from portal.models import Professional, Region, Structure, User
from protocols.models import Protocol
from tests.urlwalk import own_routes

PILOT = "pilote.national@demo.fr"
# URL arguments whose model is not named after them.
ARGUMENT_MODELS = {
    "consolidation_id": "reporting.ConsolidatedReport",
    "report_id": "reporting.BiannualReport",
    "meeting_id": "funding.CommitteeMeeting",
    "assignment_id": "funding.ReviewAssignment",
    "indicator_id": "funding.CampaignIndicator",
    "ending_id": "protocols.ProtocolEnding",
}
FIXED_ARGUMENTS = {"period": "2025-H1", "region_code": "PACA", "token": "jeton-inconnu", "provider_id": "proconnect"}
DOSSIER_TEXTS = ["1 200 patients hypertendus suivis par la MSP", "Patients atteints de BPCO sans suivi respiratoire"]


@pytest.fixture
def pilot(demo):
    return User.objects.get(email=PILOT)


def _model_for(argument: str):
    if argument in ARGUMENT_MODELS:
        return apps.get_model(ARGUMENT_MODELS[argument])
    wanted = argument.removesuffix("_id").replace("_", "")
    for model in apps.get_models():
        if model._meta.app_label in {"portal", "protocols", "funding", "reporting"} and (
            model.__name__.lower() == wanted
        ):
            return model
    raise AssertionError(f"Aucun modèle pour l'argument {argument}")


def _arguments(route) -> dict:
    values = {}
    for argument in route.arguments:
        if argument in FIXED_ARGUMENTS:
            values[argument] = FIXED_ARGUMENTS[argument]
        else:
            model = _model_for(argument)
            values[argument] = model.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    return values


def _markers() -> list[str]:
    """Names, RPPS, FINESS and dossier text of the demo (the people and practices of every demo region)."""
    people = [
        user.get_full_name()
        for user in User.objects.filter(structure_memberships__isnull=False).distinct()
        if user.get_full_name()
    ]
    practices = Structure.objects.values_list("finess", "name")
    return [
        *people,
        *Professional.objects.exclude(rpps=None).values_list("rpps", flat=True),
        *(finess for finess, _name in practices),
        *(name for _finess, name in practices),
        *Protocol.objects.filter(national_protocol__isnull=True).values_list("code", flat=True),
        *DOSSIER_TEXTS,
    ]


def test_several_regions_have_data(client, pilot):
    client.force_login(pilot)
    response = client.get(reverse("reporting:national_dashboard"), {"periode": "2025-H1"})
    assert response.status_code == 200
    active = {row.code for row in response.context["rows"] if row.cell.interventions}
    assert {"PACA", "NAQ", "BRE", "OCC"} <= active
    issued = {row.code for row in response.context["rows"] if row.cell.issued}
    assert {"PACA", "BRE", "OCC"} <= issued
    groups = [group.label for group, _cell in response.context["groups"]]
    assert "Pollakiurie et brûlures mictionnelles (protocole national)" in groups
    assert any(label.startswith("Protocoles locaux — Prévention") for label in groups)


def test_no_page_of_the_pilot_shows_a_person_a_practice_or_a_dossier(client, pilot):
    markers = _markers()
    assert "Claire Martin" in markers and "10000000017" in markers and "130012347" in markers
    client.force_login(pilot)
    client.get("/")  # the first request of the session records the second factor
    shown, opened = [], 0
    for route in own_routes():
        if route.name.startswith("api-v1:"):
            continue
        urls = [reverse(route.name, kwargs=_arguments(route))]
        if route.arguments == ("region_id",):
            urls = [
                reverse(route.name, kwargs={"region_id": pk}) for pk in Region.objects.values_list("pk", flat=True)
            ]
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, url
            if response.status_code != 200:
                continue
            opened += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode(errors="replace")
            shown += [f"{url} : {marker}" for marker in markers if re.search(rf"\b{re.escape(marker)}\b", text)]
    assert opened >= 20  # the national pages, the exports, the region drill-downs, the home and account pages
    assert not shown, "\n".join(shown)
