"""The region admin's journal covers every history-tracked model, and only the admin's region."""

from django.urls import reverse

from portal.roles import Role
from reporting.audit import unaudited_models
from tests.portal.factories import RegionFactory, StructureFactory, agent_of


def test_every_tracked_model_has_a_path_to_its_region():
    assert unaudited_models() == []


def test_journal_shows_who_changed_what_in_the_region_only(client):
    paca, cvl = RegionFactory(code="PACA"), RegionFactory(code="CVL")
    admin = agent_of(paca, Role.REGION_ADMIN)
    client.force_login(admin)
    client.post(
        reverse("portal:structure_create"),
        {
            "region": paca.pk,
            "kind": "MSP",
            "name": "MSP du Panier",
            "finess": "130012347",
            "commune": "Marseille",
            "departement": "13",
        },
    )
    StructureFactory(region=cvl, name="MSP de Blois")
    response = client.get(reverse("reporting:audit_log"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "MSP du Panier" in content
    assert "MSP de Blois" not in content
    entries = [entry for _label, entry in response.context["page"].object_list]
    created = next(entry for entry in entries if getattr(entry, "name", "") == "MSP du Panier")
    assert created.history_user == admin
    assert created.history_type == "+"


def test_journal_is_for_region_admins(client):
    client.force_login(agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR))
    assert client.get(reverse("reporting:audit_log")).status_code == 403
