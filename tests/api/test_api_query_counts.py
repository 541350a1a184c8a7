"""Lists answer in a constant number of queries, whatever the number of rows (structures, protocols, teams)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.roles import Role
from tests.funding.eligibility_world import build_world
from tests.portal.factories import RegionFactory, StructureFactory, agent_of
from tests.protocols.factories import SuspensionFactory, TrainingFactory


def test_structure_protocol_and_team_lists(api_client_for):
    region = RegionFactory(code="PACA")
    world = build_world(structure=StructureFactory(region=region))
    api = api_client_for(agent_of(region, Role.INSTRUCTOR))
    api.get("/structures")  # records the token's last use once
    paths = ["/structures", "/protocols", f"/protocols/{world.protocol.pk}/team"]

    def counts() -> list[int]:
        result = []
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                assert api.get(path).status_code == 200
            result.append(len(captured))
        return result

    few = counts()
    for _ in range(4):
        other = build_world(structure=StructureFactory(region=region))
        SuspensionFactory(protocol=other.protocol, suspended_by=world.coordinator)
    for _ in range(5):
        TrainingFactory(membership__protocol=world.protocol)
    assert counts() == few
    assert len(api.get(f"/protocols/{world.protocol.pk}/team").json()) == 7
    suspended = [item for item in api.get("/protocols").json()["items"] if item["suspended_since"]]
    assert len(suspended) == 4
