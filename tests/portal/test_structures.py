from django.urls import reverse

from portal.models import Structure
from portal.roles import Role
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

VALID = {
    "kind": "MSP",
    "name": "MSP du Vieux-Port",
    "finess": "130012347",
    "siret": "81234567000010",
    "commune": "Marseille",
    "departement": "13",
    "postal_code": "13002",
}


def test_region_admin_creates_a_structure(client):
    region = RegionFactory(code="PACA")
    client.force_login(agent_of(region, Role.REGION_ADMIN))
    response = client.post(reverse("portal:structure_create"), {**VALID, "region": region.pk})
    assert response.status_code == 302
    structure = Structure.objects.get(finess="130012347")
    assert structure.region == region


def test_invalid_keys_are_form_errors_in_french(client):
    region = RegionFactory(code="PACA")
    client.force_login(agent_of(region, Role.REGION_ADMIN))
    response = client.post(
        reverse("portal:structure_create"), {**VALID, "region": region.pk, "finess": "130012348", "siret": "1"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "La clé de contrôle du numéro FINESS est incorrecte." in content
    assert "Le numéro SIRET doit comporter 14 chiffres." in content
    assert not Structure.objects.exists()


def test_duplicate_finess_is_a_form_error(client):
    region = RegionFactory(code="PACA")
    StructureFactory(region=region, finess="130012347")
    client.force_login(agent_of(region, Role.REGION_ADMIN))
    response = client.post(reverse("portal:structure_create"), {**VALID, "region": region.pk})
    assert response.status_code == 400
    assert "FINESS" in response.content.decode()


def test_coordinator_cannot_create_structures(client):
    structure = StructureFactory()
    client.force_login(coordinator_of(structure))
    assert client.get(reverse("portal:structure_create")).status_code == 403


def test_structure_list_is_paginated_and_searchable(client, django_assert_max_num_queries):
    region = RegionFactory(code="PACA")
    StructureFactory.create_batch(30, region=region)
    StructureFactory(region=region, name="MSP des Calanques")
    client.force_login(agent_of(region))
    response = client.get(reverse("portal:structure_list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 31
    assert len(response.context["page"].object_list) == 25
    response = client.get(reverse("portal:structure_list"), {"q": "calanques"})
    assert [s.name for s in response.context["page"].object_list] == ["MSP des Calanques"]
