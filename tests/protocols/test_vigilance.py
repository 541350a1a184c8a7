"""Adverse events, suspension by the ARS and its lifting, yearly indicators."""

import html
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import AdverseEvent, IndicatorValue, ProtocolEvent, Suspension
from protocols.services import declarations as declaration_services
from protocols.services import vigilance as services
from protocols.signals import eligibility_inputs_changed
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of
from tests.protocols.conftest import D, join, written_protocol
from tests.protocols.factories import SuspensionFactory


@pytest.fixture
def declared(msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 3, 1))
    join(protocol, msp, msp.nurse, "delegate", D(2025, 3, 1), trained_on=D(2025, 2, 15))
    declaration_services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    protocol.refresh_from_db()
    return protocol


def _report(by, protocol, **overrides):
    data = {"occurred_on": D(2025, 9, 26), "severity": "eig", "description": "Chute après adaptation", "measures": ""}
    return services.adverse_event_report(protocol=protocol, by=by, **{**data, **overrides})


# --- Adverse events ----------------------------------------------------------------------------------------------


def test_a_member_reports_an_event_and_the_instructors_are_told(
    client, django_capture_on_commit_callbacks, msp, declared
):
    client.force_login(msp.nurse)
    url = reverse("protocols:protocol_adverse_events", kwargs={"protocol_id": declared.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"occurred_on": "2025-09-26", "severity": "eig", "description": "Chute", "measures": "Revue"}
        )
    assert response.status_code == 302
    event = AdverseEvent.objects.get(protocol=declared)
    assert (event.reported_by, event.severity) == (msp.nurse, "eig")
    assert mail.outbox[-1].to == [msp.instructor.email]
    assert ProtocolEvent.objects.filter(protocol=declared, kind="adverse").exists()


def test_who_may_report_and_when(msp, declared, time_machine):
    time_machine.move_to("2025-10-01 12:00+02:00")
    _report(msp.coordinator, declared)
    with pytest.raises(ApplicationError, match="membres de l'équipe"):
        _report(msp.pharmacist, declared)  # in the structure, not in the team
    with pytest.raises(ApplicationError, match="futur"):
        _report(msp.nurse, declared, occurred_on=D(2025, 10, 2))
    _report(msp.nurse, declared, occurred_on=D(2025, 10, 1))  # today is fine
    with pytest.raises(ApplicationError, match="en vigueur depuis le 01/03/2025"):
        _report(msp.nurse, declared, occurred_on=D(2025, 2, 28))
    _report(msp.nurse, declared, occurred_on=D(2025, 3, 1))
    draft = written_protocol(msp, code="LOC-BROUILLON")
    with pytest.raises(ApplicationError, match="pas encore en vigueur"):
        _report(msp.coordinator, draft)


def test_no_patient_identifier_in_a_report(client, msp, declared):
    client.force_login(msp.nurse)
    response = client.post(
        reverse("protocols:protocol_adverse_events", kwargs={"protocol_id": declared.pk}),
        {"occurred_on": "2025-09-26", "severity": "ei", "description": "Patiente 2 85 05 13 055 123 45 revue"},
    )
    assert response.status_code == 400
    assert "Retirez le numéro de sécurité sociale" in html.unescape(response.content.decode())
    assert not AdverseEvent.objects.exists()


def test_instructor_closes_the_follow_up(client, msp, declared):
    event = _report(msp.nurse, declared)
    url = reverse("protocols:adverse_event_detail", kwargs={"adverse_event_id": event.pk})
    client.force_login(msp.coordinator)
    assert client.post(url, {"ars_comment": "vu"}).status_code == 404
    client.force_login(msp.instructor)
    assert client.post(url, {"ars_comment": ""}).status_code == 400
    assert client.post(url, {"ars_comment": "Analyse reçue"}).status_code == 302
    event.refresh_from_db()
    assert event.closed_at and event.closed_by == msp.instructor
    with pytest.raises(ApplicationError, match="déjà clos"):
        services.adverse_event_close(event=event, by=msp.instructor, comment="encore")


# --- Suspension ----------------------------------------------------------------------------------------------------


def test_instructor_suspends_and_lifts(client, django_capture_on_commit_callbacks, msp, declared):
    client.force_login(msp.instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("protocols:protocol_suspend", kwargs={"protocol_id": declared.pk}),
            {"starts_on": "2025-10-01", "reason": "EIG en cours d'analyse"},
        )
    assert response.status_code == 302
    suspension = Suspension.objects.get(protocol=declared)
    assert (suspension.starts_on, suspension.lifted_on, suspension.suspended_by) == (
        D(2025, 10, 1),
        None,
        msp.instructor,
    )
    assert mail.outbox[-1].to == [msp.coordinator.email] and "suspendu" in mail.outbox[-1].subject
    url = reverse("protocols:suspension_lift", kwargs={"suspension_id": suspension.pk})
    response = client.post(url, {"lifted_on": "2025-10-01", "reason": ""})
    assert response.status_code == 400
    assert "La levée doit suivre le début de la suspension (01/10/2025)." in html.unescape(response.content.decode())
    assert client.post(url, {"lifted_on": "2025-10-16", "reason": "Analyse reçue"}).status_code == 302
    suspension.refresh_from_db()
    assert (suspension.lifted_on, suspension.lift_reason, suspension.lifted_by) == (
        D(2025, 10, 16),
        "Analyse reçue",
        msp.instructor,
    )
    kinds = list(ProtocolEvent.objects.filter(protocol=declared).values_list("kind", flat=True))
    assert "suspended" in kinds and "lifted" in kinds
    # Both steps are in the audit trail too.
    assert suspension.history.count() == 2


def test_suspension_rules(msp, declared):
    with pytest.raises(ApplicationError, match="instructeur"):
        services.protocol_suspend(protocol=declared, by=msp.coordinator, starts_on=D(2025, 10, 1), reason="x")
    other_region_instructor = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    with pytest.raises(ApplicationError, match="instructeur"):
        services.protocol_suspend(protocol=declared, by=other_region_instructor, starts_on=D(2025, 10, 1), reason="x")
    with pytest.raises(ApplicationError, match="ne peut commencer avant"):
        services.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2025, 2, 28), reason="x")
    first = services.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2025, 3, 1), reason="x")
    with pytest.raises(ApplicationError, match="déjà suspendu"):
        services.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2025, 4, 1), reason="y")
    services.suspension_lift(suspension=first, by=msp.instructor, lifted_on=D(2025, 3, 10))
    with pytest.raises(ApplicationError, match="déjà levée"):
        services.suspension_lift(suspension=first, by=msp.instructor, lifted_on=D(2025, 3, 11))
    with pytest.raises(ApplicationError, match="suspension précédente"):
        services.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2025, 3, 9), reason="z")
    services.protocol_suspend(
        protocol=declared, by=msp.instructor, starts_on=D(2025, 3, 10), reason="z"
    )  # back to back
    draft = written_protocol(msp, code="LOC-BROUILLON")
    with pytest.raises(ApplicationError, match="Seul un protocole déclaré"):
        services.protocol_suspend(protocol=draft, by=msp.instructor, starts_on=D(2025, 3, 1), reason="x")


def test_overlapping_suspensions_are_refused_by_the_database(msp, declared):
    SuspensionFactory(protocol=declared, starts_on=D(2025, 4, 1), lifted_on=D(2025, 5, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        SuspensionFactory(protocol=declared, starts_on=D(2025, 4, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        SuspensionFactory(protocol=declared, starts_on=D(2025, 5, 1), lifted_on=D(2025, 5, 1))  # empty window
    SuspensionFactory(protocol=declared, starts_on=D(2025, 5, 1))


def test_suspension_and_lift_signal_eligibility(django_capture_on_commit_callbacks, msp, declared):
    received = []

    def receiver(sender, protocol_id, since, **kwargs):
        received.append(since)

    eligibility_inputs_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            suspension = services.protocol_suspend(
                protocol=declared, by=msp.instructor, starts_on=D(2025, 10, 1), reason="x"
            )
        with django_capture_on_commit_callbacks(execute=True):
            services.suspension_lift(suspension=suspension, by=msp.instructor, lifted_on=D(2025, 10, 16))
    finally:
        eligibility_inputs_changed.disconnect(receiver)
    assert received == [D(2025, 10, 1), D(2025, 10, 16)]


def test_suspend_pages_are_for_instructors_of_the_region(client, msp, declared):
    url = reverse("protocols:protocol_suspend", kwargs={"protocol_id": declared.pk})
    client.force_login(msp.coordinator)
    assert client.get(url).status_code == 403
    client.force_login(agent_of(msp.structure.region, Role.COMMITTEE_MEMBER))
    assert client.get(url).status_code == 403
    client.force_login(agent_of(RegionFactory(code="NAQ"), Role.INSTRUCTOR))
    assert client.get(url).status_code == 404


def test_the_suspend_button_asks_the_services_rule(client, msp, declared):
    """« Suspendre le protocole » shows exactly when ``protocol_suspend`` would accept: not for a coordinator, and no
    longer once a suspension is open even if it begins later (the page's "current suspension" is still none)."""
    pages = [
        reverse("protocols:declaration_list", kwargs={"protocol_id": declared.pk}),
        reverse("protocols:adverse_event_detail", kwargs={"adverse_event_id": _report(msp.nurse, declared).pk}),
    ]

    def buttons(user) -> list[bool]:
        client.force_login(user)
        return ["Suspendre le protocole" in client.get(page).content.decode() for page in pages]

    assert buttons(msp.instructor) == [True, True] and declared.can_be_suspended_by(msp.instructor)
    assert buttons(msp.coordinator) == [False, False] and not declared.can_be_suspended_by(msp.coordinator)
    SuspensionFactory(protocol=declared, starts_on=D(2099, 1, 1))  # planned, not yet in force
    assert buttons(msp.instructor) == [False, False] and not declared.can_be_suspended_by(msp.instructor)
    with pytest.raises(ApplicationError, match="déjà suspendu"):
        services.protocol_suspend(protocol=declared, by=msp.instructor, starts_on=D(2099, 6, 1), reason="x")


# --- Indicators ----------------------------------------------------------------------------------------------------


def test_coordinator_enters_yearly_indicators(client, msp, declared, time_machine):
    time_machine.move_to("2026-02-01 10:00+01:00")
    client.force_login(msp.coordinator)
    url = reverse("protocols:protocol_indicators", kwargs={"protocol_id": declared.pk})
    data = {"year": 2025, "label": "Nombre de patients", "value": "212", "unit": "patients"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "value": "215"}).status_code == 302  # a correction, not a duplicate
    row = IndicatorValue.objects.get(protocol=declared)
    assert (row.year, row.value, row.entered_by) == (2025, Decimal("215"), msp.coordinator)
    response = client.post(url, {**data, "year": 2024})
    assert response.status_code == 400 and "entre 2025 et 2026" in response.content.decode()
    client.force_login(msp.nurse)
    assert client.post(url, data).status_code == 404
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(
            protocol=declared, year=2025, label="Nombre de patients", value=1, entered_by=msp.coordinator
        )


def test_indicators_need_a_declared_protocol(msp):
    draft = written_protocol(msp, code="LOC-BROUILLON")
    with pytest.raises(ApplicationError, match="une fois le protocole déclaré"):
        services.indicator_value_save(protocol=draft, by=msp.coordinator, year=2025, label="x", value=Decimal(1))
    outsider = coordinator_of(StructureFactory(region=msp.structure.region))
    with pytest.raises(ApplicationError, match="coordinateur"):
        services.indicator_value_save(protocol=draft, by=outsider, year=2025, label="x", value=Decimal(1))
