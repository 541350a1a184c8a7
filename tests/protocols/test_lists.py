"""Lists keep a constant number of queries whatever their length, and paginate."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from protocols.models import DocumentKind, MemberDocument
from tests.portal.factories import professional_of
from tests.protocols.conftest import D
from tests.protocols.factories import (
    AdverseEventFactory,
    DeclarationFactory,
    ProtocolFactory,
    TeamMembershipFactory,
    TrainingFactory,
)


def _protocols(msp, count, start):
    for n in range(start, start + count):
        protocol = ProtocolFactory(structure=msp.structure, created_by=msp.coordinator, code=f"LOC-{n}", declared=True)
        DeclarationFactory(protocol=protocol, version=1, deposited_by=msp.coordinator)
        member = TeamMembershipFactory(protocol=protocol, professional=professional_of(msp.structure).professional)
        TrainingFactory(membership=member)
        MemberDocument.objects.create(
            membership=member, kind=DocumentKind.IDENTITY, status="provided", sha256="a" * 64
        )
        AdverseEventFactory(protocol=protocol, reported_by=msp.coordinator)


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries), response


def test_coordinator_protocol_list_has_constant_queries(client, msp):
    _protocols(msp, 2, 0)
    client.force_login(msp.coordinator)
    client.get(reverse("reporting:home"))
    url = reverse("protocols:protocol_list")
    few, _ = _count(client, url)
    _protocols(msp, 8, 10)
    many, response = _count(client, url)
    assert few == many
    row = response.context["page"].object_list[0]
    assert (row.member_count, row.last_version, row.open_adverse_events) == (1, 1, 1)


def test_agency_lists_have_constant_queries_and_paginate(client, msp):
    _protocols(msp, 2, 0)
    client.force_login(msp.instructor)
    client.get(reverse("reporting:home"))  # the first request of a session does some one-off work (MFA, session)
    urls = [
        reverse("protocols:agency_declarations"),
        reverse("protocols:agency_documents"),
        reverse("protocols:agency_adverse_events"),
    ]
    few = [_count(client, url)[0] for url in urls]
    _protocols(msp, 28, 10)
    many = [_count(client, url)[0] for url in urls]
    assert few == many
    _, response = _count(client, urls[0])
    assert response.context["page"].paginator.count == 30 and len(response.context["page"].object_list) == 25
    assert response.context["page"].object_list[0].documents_to_review == 1


def test_team_page_has_constant_queries(client, msp):
    protocol = ProtocolFactory(structure=msp.structure, created_by=msp.coordinator, declared=True)

    def add(count):
        for _ in range(count):
            member = TeamMembershipFactory(protocol=protocol, professional=professional_of(msp.structure).professional)
            TrainingFactory(membership=member, completed_on=D(2025, 1, 1))
            for kind in DocumentKind:
                MemberDocument.objects.create(membership=member, kind=kind)

    add(2)
    client.force_login(msp.coordinator)
    client.get(reverse("reporting:home"))
    url = reverse("protocols:team_page", kwargs={"protocol_id": protocol.pk})
    few, _ = _count(client, url)
    add(6)
    many, response = _count(client, url)
    assert few == many and len(response.context["current"]) == 8
