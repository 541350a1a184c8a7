"""The end of a protocol and the money (issue 17 point 2): after its last day, interventions earn nothing
(``protocole_termine``), the AMI grant stops there (its statements too) and the SNP line closes; an end dated before
an issued statement is recovered by the next one."""

import datetime
from decimal import Decimal

import pytest

from funding.models import OPEN_END, DossierState, Grant, GrantState, Statement
from funding.services.grants import grant_open, grants_open_pending
from portal.errors import ApplicationError
from portal.roles import Role
from protocols.services.endings import protocol_end
from tests.funding.eligibility_world import build_world
from tests.funding.factories import DecisionFactory, DossierFactory
from tests.funding.statement_scenarios import compute, lines_of
from tests.portal.factories import agent_of

D = datetime.date
LAST_DAY, NEXT_DAY = D(2025, 9, 30), D(2025, 10, 1)


def _end(world, capture, ended_on=LAST_DAY):
    """An instructor of the region ends the protocol; the commit runs the signal (eligibility, funding lines)."""
    instructor = agent_of(world.structure.region, Role.INSTRUCTOR)
    with capture(execute=True):
        protocol_end(protocol=world.protocol, by=instructor, ended_on=ended_on, ground="eig", motive="EIG")
    world.grant.refresh_from_db()
    return instructor


def _statement(grant, period: str):
    year, half = period.split("-H")
    return Statement.objects.filter(grant=grant, year=int(year), half=int(half)).first()


def test_an_ami_grant_pays_up_to_the_last_day_and_stops_there(django_capture_on_commit_callbacks):
    world = build_world()
    days = (D(2025, 9, 29), LAST_DAY, NEXT_DAY, D(2026, 2, 2))
    before, last, after, later = (world.intervention(day) for day in days)
    world.recompute()
    assert {world.reason_of(i) for i in (before, last, after, later)} == {"eligible"}

    _end(world, django_capture_on_commit_callbacks)

    # Before and on the last day: paid; after: the protocol's end is the reason (not "hors subvention").
    assert [world.reason_of(i) for i in (before, last, after, later)] == [
        "eligible",
        "eligible",
        "protocole_termine",
        "protocole_termine",
    ]
    # The grant stops at the last day; it stays the region admin's to close once its last statement is paid.
    assert (world.grant.starts_on, world.grant.ends_on, world.grant.state) == (D(2025, 3, 1), LAST_DAY, "active")
    assert world.grant.history.first().ends_on == LAST_DAY

    compute(world.structure.region, "2025-H2")
    h2 = _statement(world.grant, "2025-H2")
    assert (h2.eligible_count, h2.total_amount) == (2, Decimal("50.00"))
    # No statement after the grant's end: nothing to pay, nothing due.
    compute(world.structure.region, "2026-H1")
    assert _statement(world.grant, "2026-H1") is None


def test_an_snp_line_closes_at_the_last_day(django_capture_on_commit_callbacks):
    world = build_world(counting_unit="patient", national=True, grant_ends_on=OPEN_END)
    paid, refused = world.intervention(D(2025, 9, 15)), world.intervention(D(2025, 10, 15))
    instructor = _end(world, django_capture_on_commit_callbacks)

    line = world.grant
    assert (line.ends_on, line.is_open_ended, line.state, line.closed_by) == (
        LAST_DAY,
        False,
        GrantState.CLOSED,
        instructor,
    )
    code = world.protocol.code
    assert line.close_reason == f"Mise en œuvre du protocole {code} annulée par l'ARS : dernier jour le 30/09/2025."
    assert line.state_on(D(2025, 6, 1)) == GrantState.CLOSED
    assert (world.reason_of(paid), world.reason_of(refused)) == ("eligible", "protocole_termine")
    compute(world.structure.region, "2025-H2")
    assert _statement(line, "2025-H2").eligible_count == 1
    compute(world.structure.region, "2026-H1")
    assert _statement(line, "2026-H1") is None


def test_an_end_dated_before_an_issued_statement_is_recovered_by_the_next_one(django_capture_on_commit_callbacks):
    world = build_world()
    world.intervention(D(2025, 9, 15))
    paid_then_ended = [world.intervention(D(2025, 11, day)) for day in (3, 4)]
    world.recompute()
    compute(world.structure.region, "2025-H2", issue=True)
    assert _statement(world.grant, "2025-H2").total_amount == Decimal("75.00")

    _end(world, django_capture_on_commit_callbacks)  # decided in 2026, last day in September 2025

    assert {world.reason_of(i) for i in paid_then_ended} == {"protocole_termine"}
    compute(world.structure.region, "2026-H1")
    recovery = _statement(world.grant, "2026-H1")
    assert recovery.total_amount == Decimal("-50.00")
    # Nothing for 2026 (the grant ended); a régularisation of 2025: two paid interventions removed, €50 to recover.
    assert lines_of(recovery) == [
        ("period", 2026, 0, 0, 0, Decimal("0.00")),
        ("regularisation", 2025, 1, 0, 2, Decimal("-50.00")),
    ]


def test_an_ended_protocol_opens_no_grant(django_capture_on_commit_callbacks):
    world = build_world(with_grant=False)
    dossier = DossierFactory(
        structure=world.structure, protocol=world.protocol, submitted=True, state=DossierState.SELECTED
    )
    admin = agent_of(world.structure.region, Role.REGION_ADMIN)
    DecisionFactory(dossier=dossier, decided_by=admin)
    instructor = agent_of(world.structure.region, Role.INSTRUCTOR)
    with django_capture_on_commit_callbacks(execute=True):
        protocol_end(protocol=world.protocol, by=instructor, ended_on=LAST_DAY, ground="autre", motive="Fin")
    assert grants_open_pending(protocol_id=world.protocol.pk) == []
    with pytest.raises(ApplicationError, match="annulée par l'ARS") as refused:
        grant_open(dossier=dossier, by=admin)
    assert refused.value.code == "protocol_ended"
    assert not Grant.objects.filter(protocol=world.protocol).exists()


def test_a_grant_that_ran_out_before_the_end_stays_hors_subvention(django_capture_on_commit_callbacks):
    """The protocol's end speaks only for the days its end cut off the line: a grant that ran out before it gives
    its own reason, and its end is not moved."""
    world = build_world(grant_ends_on=D(2025, 6, 30))
    in_between, after_end = world.intervention(D(2025, 8, 1)), world.intervention(NEXT_DAY)
    world.recompute()
    _end(world, django_capture_on_commit_callbacks)
    assert world.grant.ends_on == D(2025, 6, 30)
    assert (world.reason_of(in_between), world.reason_of(after_end)) == ("hors_subvention", "hors_subvention")
