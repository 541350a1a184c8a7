"""The home page links to the dashboards of the user's roles; the menu has them; the cache stamps move on the
signals of the layers below."""

import pytest

from funding.signals import statements_changed
from portal.access import get_scope
from portal.navigation import items_for
from portal.roles import Role
from reporting.dashboards import cache as dashboard_cache
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of
from tests.protocols.factories import ProtocolFactory


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("coordinator", ["/tableau-de-bord/"]),
        ("professional", ["/tableau-de-bord/"]),
        (Role.INSTRUCTOR, ["/ars/tableau-de-bord/"]),
        (Role.FINANCE_OFFICER, ["/ars/tableau-de-bord/"]),
        (Role.COMMITTEE_MEMBER, []),
    ],
)
def test_home_links_to_the_dashboards_of_the_roles(client, db, role, links):
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region)
    user = {"coordinator": coordinator_of, "professional": professional_of}.get(role, None)
    user = user(structure) if user else agent_of(region, role)
    client.force_login(user)
    html = client.get("/").content.decode()
    for url in ("/tableau-de-bord/", "/ars/tableau-de-bord/"):
        assert (f'href="{url}"' in html) == (url in links)
    menu = [entry.url for entry in items_for(get_scope(user)) if hasattr(entry, "url")]
    assert [url for url in menu if url.endswith("tableau-de-bord/")] == links


def test_statements_changed_bumps_the_stamps_of_its_regions(db):
    paca, cvl = RegionFactory(code="PACA"), RegionFactory(code="CVL")
    before = {region.pk: dashboard_cache.stamps([region.pk]) for region in (paca, cvl)}
    assert dashboard_cache.stamps([paca.pk]) == before[paca.pk]  # stable while nothing changes
    statements_changed.send(sender=None, region_ids=[paca.pk])
    assert dashboard_cache.stamps([paca.pk]) != before[paca.pk]
    assert dashboard_cache.stamps([cvl.pk]) == before[cvl.pk]


def test_eligibility_changes_bump_the_stamp_after_commit(db, django_capture_on_commit_callbacks):
    protocol = ProtocolFactory()
    region_id = protocol.structure.region_id
    before = dashboard_cache.stamps([region_id])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dashboard_cache.on_eligibility_inputs_changed(sender=None, protocol_id=protocol.pk)
    assert dashboard_cache.stamps([region_id]) == before  # not before the commit
    for callback in callbacks:
        callback()
    assert dashboard_cache.stamps([region_id]) != before


def test_cached_recomputes_only_after_a_bump(db):
    region = RegionFactory(code="PACA")
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert dashboard_cache.cached("test", [region.pk], ["a"], compute) == 1
    assert dashboard_cache.cached("test", [region.pk], ["a"], compute) == 1
    assert dashboard_cache.cached("test", [region.pk], ["b"], compute) == 2  # other parts, other key
    dashboard_cache.bump([region.pk])
    assert dashboard_cache.cached("test", [region.pk], ["a"], compute) == 3
