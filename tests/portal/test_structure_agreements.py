"""A structure records its ACI (date of signature) and its projet de santé (date the ARS validated it, the document):
its coordinator or its ARS admin; future dates and bad files refused with nothing saved; others get 403/404."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.roles import Role
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_coordinator_records_the_aci_and_the_health_project(client):
    structure = StructureFactory(without_aci=True)
    client.force_login(coordinator_of(structure))
    detail = client.get(reverse("portal:structure_detail", kwargs={"structure_id": structure.pk})).content.decode()
    assert "Non signé : un protocole local de la structure ne peut pas être financé" in detail
    url = reverse("portal:structure_agreements", kwargs={"structure_id": structure.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "aci_signed_on": "2021-03-15",
            "health_project_validated_on": "2020-11-20",
            "health_project": SimpleUploadedFile("projet.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert (structure.aci_signed_on, structure.health_project_validated_on) == (
        datetime.date(2021, 3, 15),
        datetime.date(2020, 11, 20),
    )
    assert structure.has_aci and structure.health_project
    detail = client.get(reverse("portal:structure_detail", kwargs={"structure_id": structure.pk})).content.decode()
    assert "Signé le 15/03/2021" in detail and "Validé par l'ARS le 20/11/2020" in detail
    document = client.get(reverse("portal:structure_health_project", kwargs={"structure_id": structure.pk}))
    assert document.status_code == 200
    assert b"".join(document.streaming_content).startswith(b"%PDF")


def test_future_dates_and_bad_files_are_form_errors_and_nothing_is_saved(client):
    structure = StructureFactory(without_aci=True)
    client.force_login(coordinator_of(structure))
    url = reverse("portal:structure_agreements", kwargs={"structure_id": structure.pk})
    future = client.post(url, {"aci_signed_on": "2999-01-01", "health_project_validated_on": ""})
    assert future.status_code == 400
    assert "Cette date est dans le futur." in future.content.decode()
    not_a_pdf = client.post(
        url,
        {
            "aci_signed_on": "2021-03-15",
            "health_project": SimpleUploadedFile("projet.pdf", b"plain text", content_type="application/pdf"),
        },
    )
    assert not_a_pdf.status_code == 400
    structure.refresh_from_db()
    assert structure.aci_signed_on is None and not structure.health_project


def test_the_region_admin_may_record_them_others_may_not(client):
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region, without_aci=True)
    url = reverse("portal:structure_agreements", kwargs={"structure_id": structure.pk})
    client.force_login(agent_of(region, Role.REGION_ADMIN))
    assert client.post(url, {"aci_signed_on": "2020-01-06"}).status_code == 302
    structure.refresh_from_db()
    assert structure.aci_signed_on == datetime.date(2020, 1, 6)

    client.force_login(professional_of(structure))
    assert client.get(url).status_code == 403
    client.force_login(coordinator_of(StructureFactory(region=region)))
    assert client.get(url).status_code == 404
    client.force_login(agent_of(RegionFactory(code="CVL"), Role.REGION_ADMIN))
    assert client.post(url, {"aci_signed_on": "2020-01-07"}).status_code == 404
    structure.refresh_from_db()
    assert structure.aci_signed_on == datetime.date(2020, 1, 6)
    missing = reverse("portal:structure_health_project", kwargs={"structure_id": structure.pk})
    client.force_login(coordinator_of(structure))
    assert client.get(missing).status_code == 404
