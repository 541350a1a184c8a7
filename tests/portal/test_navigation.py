"""The main menu: entries per role, drop-down groups, the current entry."""

from portal.access import get_scope
from portal.navigation import NavEntry, NavGroup, items_for
from portal.roles import Role
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of


def _labels(menu):
    return [
        (element.label, [entry.label for entry in element.entries]) if isinstance(element, NavGroup) else element.label
        for element in menu
    ]


def test_region_admin_menu_is_grouped():
    admin = agent_of(RegionFactory(code="PACA"), Role.REGION_ADMIN)
    menu = items_for(get_scope(admin), "/ars/instruction/")
    labels = _labels(menu)
    candidatures = next(
        element for element in menu if isinstance(element, NavGroup) and element.label == "Candidatures"
    )
    assert [entry.label for entry in candidatures.entries][:3] == [
        "Campagnes AMI",
        "Instruction",
        "Commission de sélection",
    ]
    assert candidatures.current
    assert ("Administration", ["Équipe ARS", "Journal"]) in labels


def test_a_group_with_one_entry_is_a_plain_link():
    coordinator = coordinator_of(StructureFactory())
    menu = items_for(get_scope(coordinator), "/")
    protocols = [element for element in menu if getattr(element, "label", "") == "Protocoles"]
    assert protocols and isinstance(protocols[0], NavEntry)


def test_the_longest_matching_url_is_current():
    coordinator = coordinator_of(StructureFactory())
    menu = items_for(get_scope(coordinator), "/structures/12/")
    current = [element.label for element in menu if isinstance(element, NavEntry) and element.current]
    assert current == ["Structures"]
