"""The instructor's list of the region's dossiers: scope, filters, counts per state, constant queries, bulk actions,
CSV and XLSX exports."""

import csv
import html
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from funding.exports.dossiers import DOSSIER_COLUMNS
from funding.models import Dossier, DossierState
from portal.roles import Role
from tests.funding.factories import DossierFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of
from tests.protocols.factories import ProtocolFactory, TeamMembershipFactory

S = DossierState
URL = reverse("funding:instruction_list")
EXPECTED_HEADERS = [
    "Numéro",
    "Campagne",
    "Vague",
    "État",
    "Structure",
    "Type de structure",
    "FINESS",
    "SIRET",
    "Commune",
    "Département",
    "ZIP",
    "ZAC",
    "QPV",
    "Protocole",
    "Intitulé du protocole",
    "Nature du protocole",
    "Accompagnement à la rédaction",
    "Délégants",
    "Délégués",
    "Interventions attendues par an",
    "Part des délégants (%)",
    "Part des délégués (%)",
    "Déposé le",
    "Référent",
    "E-mail du référent",
    "Téléphone du référent",
    "Motif d'irrecevabilité",
    "Retiré le",
    "Empreinte SHA-256 du dépôt",
]


@pytest.fixture
def wave():
    return WaveFactory(campaign__region=RegionFactory(code="PACA"))


@pytest.fixture
def instructor(wave):
    return agent_of(wave.campaign.region, Role.INSTRUCTOR)


def _dossier(wave, state=S.SUBMITTED, **kwargs):
    structure_kwargs = {
        key[len("structure__") :]: kwargs.pop(key) for key in list(kwargs) if key.startswith("structure__")
    }
    structure = StructureFactory(region=wave.campaign.region, **structure_kwargs)
    extra = {"inadmissibility_reason": "Hors délai"} if state == S.INADMISSIBLE else {}
    return DossierFactory(
        wave=wave, structure=structure, submitted=True, answered=True, state=state, **extra, **kwargs
    )


def _references(response):
    return [dossier.reference for dossier in response.context["page"].object_list]


def test_the_list_shows_the_region_submitted_dossiers_only(client, wave, instructor):
    mine = _dossier(wave)
    DossierFactory(wave=wave, structure=StructureFactory(region=wave.campaign.region))  # a draft
    foreign_wave = WaveFactory(campaign__region=RegionFactory(code="CVL"))
    _dossier(foreign_wave)
    client.force_login(instructor)
    response = client.get(URL)
    assert response.status_code == 200
    assert _references(response) == [mine.reference]


def test_filters_search_counts_and_sort(client, wave, instructor):
    a = _dossier(wave, reference="AMI-PACA-2025-001", structure__kind="CPTS", structure__departement="13", in_zip=True)
    b = _dossier(wave, S.UNDER_INSTRUCTION, reference="AMI-PACA-2025-002", structure__departement="83", in_qpv=True)
    c = _dossier(
        wave,
        S.INADMISSIBLE,
        reference="AMI-PACA-2025-003",
        structure__name="MSP du Haut-Var",
        structure__departement="83",
        protocol=None,
        drafting_support_requested=True,
    )
    national = _dossier(wave, S.UNDER_INSTRUCTION, reference="AMI-PACA-2025-004")
    national.protocol.kind, national.protocol.national_protocol = (
        "national",
        ProtocolFactory(national=True).national_protocol,
    )
    national.protocol.save()
    client.force_login(instructor)

    def refs(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return sorted(_references(response))

    assert refs(state=S.UNDER_INSTRUCTION) == [b.reference, national.reference]
    assert refs(kind="CPTS") == [a.reference]
    assert refs(departement="83") == [b.reference, c.reference]
    assert refs(zone="qpv") == [b.reference]
    assert refs(zone="any") == [a.reference, b.reference]
    assert refs(protocol="support") == [c.reference]
    assert refs(protocol="national") == [national.reference]
    assert refs(q="haut-var") == [c.reference]
    assert refs(q="AMI-PACA-2025-002") == [b.reference]
    ordered = client.get(URL, {"sort": "reference"})
    assert _references(ordered) == [a.reference, b.reference, c.reference, national.reference]
    # Counts per state follow the other filters, not the state filter.
    response = client.get(URL, {"departement": "83", "state": S.INADMISSIBLE})
    counts = {value: count for value, _label, count in response.context["state_counts"]}
    assert counts[S.UNDER_INSTRUCTION] == 1 and counts[S.INADMISSIBLE] == 1 and counts[S.SUBMITTED] == 0
    assert response.context["total"] == 2
    # An unknown value is a form error, not a crash.
    assert client.get(URL, {"state": "nope"}).status_code == 400


def test_pagination(client, wave, instructor):
    for _ in range(27):
        _dossier(wave)
    client.force_login(instructor)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 25
    assert len(client.get(URL, {"page": 2}).context["page"].object_list) == 2


def test_constant_number_of_queries(client, wave, instructor, django_assert_num_queries):
    for _ in range(3):
        _dossier(wave)
    client.force_login(instructor)
    client.get(URL)  # warms the session (second-factor check)
    # session, user, savepoint and release (atomic request), the user's region and structure roles (scope),
    # campaigns (filter), départements, counts per state, the page's count, the page's rows (campaign, wave,
    # structure and protocol joined)
    with django_assert_num_queries(11):
        assert client.get(URL).status_code == 200
    for _ in range(30):
        _dossier(wave, S.UNDER_INSTRUCTION)
    with django_assert_num_queries(11):
        response = client.get(URL)
    assert response.context["page"].paginator.count == 33


def test_bulk_action_applies_to_each_dossier_on_its_own(client, wave, instructor):
    ready = _dossier(wave, S.ADMISSIBLE)
    too_early = _dossier(wave, S.UNDER_INSTRUCTION)
    foreign = _dossier(WaveFactory(campaign__region=RegionFactory(code="CVL")), S.ADMISSIBLE)
    client.force_login(instructor)
    response = client.post(
        reverse("funding:instruction_bulk"),
        {"action": "send_to_committee", "dossiers": [ready.pk, too_early.pk], "next": f"{URL}?state=admissible"},
    )
    assert response.status_code == 302 and response.url == f"{URL}?state=admissible"
    assert Dossier.objects.get(pk=ready.pk).state == S.TO_COMMITTEE
    assert Dossier.objects.get(pk=too_early.pk).state == S.UNDER_INSTRUCTION
    messages = [str(message) for message in response.wsgi_request._messages]
    assert any(too_early.reference in message for message in messages)
    # A dossier of another region is not found, and nothing is done.
    client.post(reverse("funding:instruction_bulk"), {"action": "send_to_committee", "dossiers": [foreign.pk]})
    assert Dossier.objects.get(pk=foreign.pk).state == S.ADMISSIBLE
    # An external "next" is ignored.
    response = client.post(
        reverse("funding:instruction_bulk"),
        {"action": "start_instruction", "dossiers": [ready.pk], "next": "https://evil.example"},
    )
    assert response.url == URL


def test_csv_export_has_stable_columns_and_the_filtered_rows(client, wave, instructor):
    dossier = _dossier(wave, reference="AMI-PACA-2025-001", in_zip=True)
    TeamMembershipFactory(protocol=dossier.protocol, delegant=True)
    TeamMembershipFactory(protocol=dossier.protocol)
    TeamMembershipFactory(protocol=dossier.protocol)
    _dossier(wave, S.UNDER_INSTRUCTION, reference="AMI-PACA-2025-002", contact_name="=HYPERLINK(1)")
    client.force_login(instructor)
    response = client.get(reverse("funding:instruction_export_csv"), {"sort": "reference"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()), delimiter=";"))
    assert [column.header for column in DOSSIER_COLUMNS] == EXPECTED_HEADERS
    assert rows[0] == EXPECTED_HEADERS
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Numéro"] == "AMI-PACA-2025-001"
    assert first["État"] == "Déposé"
    assert first["ZIP"] == "oui" and first["QPV"] == "non"
    assert (first["Délégants"], first["Délégués"]) == ("1", "2")
    assert first["Part des délégants (%)"] == "40"
    assert first["Déposé le"] == "2025-01-10T14:00:00+01:00"
    assert first["Empreinte SHA-256 du dépôt"] == dossier.snapshot_sha256
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["Référent"] == "'=HYPERLINK(1)"  # a formula is neutralised
    filtered = client.get(reverse("funding:instruction_export_csv"), {"state": S.UNDER_INSTRUCTION})
    assert len(list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode())))) == 2


def test_xlsx_export(client, wave, instructor):
    dossier = _dossier(wave, reference="AMI-PACA-2025-001")
    client.force_login(instructor)
    response = client.get(reverse("funding:instruction_export_xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPECTED_HEADERS
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["Numéro"] == dossier.reference
    assert values["Vague"] == 1 and values["Interventions attendues par an"] == 600
    assert values["Déposé le"].isoformat() == "2025-01-10T14:00:00"  # Paris time, as a spreadsheet date


def test_the_list_is_for_instructors_and_admins(client, wave):
    client.force_login(agent_of(wave.campaign.region, Role.COMMITTEE_MEMBER))
    assert client.get(URL).status_code == 403
    _dossier(wave)
    client.force_login(agent_of(wave.campaign.region, Role.REGION_ADMIN))
    page = client.get(URL)
    assert page.status_code == 200
    assert "Transmettre à la commission" in html.unescape(page.content.decode())
