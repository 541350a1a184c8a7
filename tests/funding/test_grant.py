"""Grants: opened on selection with rate and cap frozen from the campaign, dates, references, state following the
protocol's suspension, closing, second wave."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from funding.models import CountingUnit, Dossier, DossierState, Grant, GrantState
from funding.services import grants as grant_services
from funding.services.committee import decision_record
from funding.services.ranking import wave_quota
from portal.errors import ApplicationError
from protocols.signals import eligibility_inputs_changed
from tests.funding.committee_world import committee_world, with_coordinator
from tests.funding.factories import GrantFactory, WaveFactory
from tests.protocols.factories import SuspensionFactory

FEB_13 = datetime.date(2025, 2, 13)


def _select(world, dossier, meeting=None, **kwargs):
    return decision_record(
        dossier=dossier,
        outcome="selected",
        motive="Projet retenu",
        by=world.admin,
        meeting=meeting or world.meeting(),
        **kwargs,
    )


def test_selection_opens_the_grant_with_rate_and_cap_copied_from_the_campaign():
    world = committee_world()
    dossier = world.dossier(protocol__declared=True, protocol__declared_on=datetime.date(2025, 3, 1))
    _select(world, dossier)
    grant = Grant.objects.get(dossier=dossier)
    assert (grant.structure, grant.protocol) == (dossier.structure, dossier.protocol)
    assert (grant.starts_on, grant.ends_on) == (datetime.date(2025, 3, 1), datetime.date(2027, 12, 31))
    assert (grant.rate, grant.yearly_cap) == (Decimal("25.00"), Decimal("7000.00"))
    assert grant.counting_unit == CountingUnit.INTERVENTION
    assert grant.reference == "SUB-PACA-2025-001"
    assert grant.state == GrantState.ACTIVE


def test_a_later_change_of_the_campaign_does_not_change_an_existing_grant():
    world = committee_world()
    dossier = world.dossier(protocol__declared=True)
    _select(world, dossier)
    world.campaign.rate_per_intervention = Decimal("30.00")
    world.campaign.yearly_cap = Decimal("9000.00")
    world.campaign.save()
    grant = Grant.objects.get(dossier=dossier)
    assert (grant.rate, grant.yearly_cap) == (Decimal("25.00"), Decimal("7000.00"))
    # A grant opened after the change takes the new values, the first one keeps its own.
    later = world.dossier(protocol__declared=True)
    _select(world, later, meeting=world.meeting(held_on=datetime.date(2025, 4, 1)))
    assert (Grant.objects.get(dossier=later).rate, Grant.objects.get(dossier=later).yearly_cap) == (
        Decimal("30.00"),
        Decimal("9000.00"),
    )
    grant.refresh_from_db()
    assert (grant.rate, grant.yearly_cap) == (Decimal("25.00"), Decimal("7000.00"))


def test_a_counting_unit_is_one_of_the_two_known_units_in_the_form_check_and_in_the_database():
    grant = GrantFactory()
    assert grant.counting_unit == CountingUnit.INTERVENTION
    grant.full_clean()
    # Per patient is the SNP lines' unit: an AMI grant refuses it (constraint grant_regime_coherent).
    assert GrantFactory(snp=True).counting_unit == CountingUnit.PATIENT
    grant.counting_unit = CountingUnit.PATIENT
    with pytest.raises(ValidationError):
        grant.full_clean()
    grant.counting_unit = "acte"
    with pytest.raises(ValidationError):
        grant.full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Grant.objects.filter(pk=grant.pk).update(counting_unit="acte")


@pytest.mark.parametrize(
    ("declared_on", "expected_start", "expected_end"),
    [
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 1), datetime.date(2027, 12, 31)),  # declared after
        (datetime.date(2025, 2, 13), FEB_13, datetime.date(2027, 12, 31)),  # the same day
        (datetime.date(2024, 6, 1), FEB_13, datetime.date(2027, 12, 31)),  # declared before the decision
        (datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), datetime.date(2028, 12, 31)),
    ],
)
def test_start_is_the_later_of_declaration_and_decision(declared_on, expected_start, expected_end):
    world = committee_world()
    dossier = world.dossier(protocol__declared=True, protocol__declared_on=declared_on)
    _select(world, dossier, meeting=world.meeting(held_on=FEB_13))
    grant = Grant.objects.get(dossier=dossier)
    assert (grant.starts_on, grant.ends_on) == (expected_start, expected_end)


def test_references_are_numbered_per_region_and_year():
    world = committee_world()
    meeting = world.meeting()
    first = world.dossier(protocol__declared=True, protocol__declared_on=datetime.date(2025, 3, 1))
    second = world.dossier(protocol__declared=True, protocol__declared_on=datetime.date(2025, 3, 1))
    third = world.dossier(protocol__declared=True, protocol__declared_on=datetime.date(2026, 1, 2))
    for dossier in (first, second, third):
        _select(world, dossier, meeting=meeting)
    assert [Grant.objects.get(dossier=d).reference for d in (first, second, third)] == [
        "SUB-PACA-2025-001",
        "SUB-PACA-2025-002",
        "SUB-PACA-2026-001",
    ]


def test_no_grant_until_the_protocol_is_declared_then_it_opens_on_the_signal(django_capture_on_commit_callbacks):
    world = committee_world()
    dossier = world.dossier()  # a draft protocol
    _select(world, dossier)
    assert not Grant.objects.filter(dossier=dossier).exists()
    with pytest.raises(ApplicationError, match="pas encore déclaré"):
        grant_services.grant_open(dossier=dossier, by=world.admin)
    protocol = dossier.protocol
    protocol.status, protocol.declared_on = "declared", datetime.date(2025, 4, 2)
    protocol.save()
    with django_capture_on_commit_callbacks(execute=True):
        eligibility_inputs_changed.send(sender=None, protocol_id=protocol.pk, since=protocol.declared_on)
    grant = Grant.objects.get(dossier=dossier)
    assert (grant.starts_on, grant.created_by) == (datetime.date(2025, 4, 2), world.admin)
    # Idempotent: the next signal changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        eligibility_inputs_changed.send(sender=None, protocol_id=protocol.pk, since=None)
    assert Grant.objects.filter(dossier=dossier).count() == 1


def test_only_a_selected_dossier_gets_a_grant():
    world = committee_world()
    dossier = world.dossier(protocol__declared=True)
    decision_record(dossier=dossier, outcome="waiting_list", motive="Attente", by=world.admin, meeting=world.meeting())
    with pytest.raises(ApplicationError, match="retenu"):
        grant_services.grant_open(dossier=dossier, by=world.admin)


def test_grant_state_follows_the_protocol_suspension(django_capture_on_commit_callbacks):
    world = committee_world()
    dossier = world.dossier(protocol__declared=True)
    _select(world, dossier)
    grant = Grant.objects.get(dossier=dossier)
    suspension = SuspensionFactory(
        protocol=dossier.protocol, starts_on=datetime.date(2025, 10, 1), suspended_by=world.admin
    )
    assert grant.state_on(datetime.date(2025, 9, 30)) == GrantState.ACTIVE
    assert grant.state_on(datetime.date(2025, 10, 1)) == GrantState.SUSPENDED
    annotated = Grant.objects.with_state_on(datetime.date(2025, 10, 15)).get(pk=grant.pk)
    assert annotated.state_on == GrantState.SUSPENDED
    with time_machine.travel(datetime.datetime(2025, 10, 2, 12, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            eligibility_inputs_changed.send(sender=None, protocol_id=dossier.protocol_id, since=suspension.starts_on)
        grant.refresh_from_db()
        assert grant.state == GrantState.SUSPENDED
    suspension.lifted_on = datetime.date(2025, 11, 1)
    suspension.save()
    assert grant.state_on(datetime.date(2025, 10, 31)) == GrantState.SUSPENDED
    assert grant.state_on(datetime.date(2025, 11, 1)) == GrantState.ACTIVE
    # The nightly sync catches a lifting that takes effect on a later day.
    assert grant_services.grants_sync_states(day=datetime.date(2025, 10, 31)) == 0
    assert grant_services.grants_sync_states(day=datetime.date(2025, 11, 1)) == 1
    grant.refresh_from_db()
    assert grant.state == GrantState.ACTIVE


def test_closing_is_final_with_a_reason():
    world = committee_world()
    dossier = world.dossier(protocol__declared=True)
    _select(world, dossier)
    grant = Grant.objects.get(dossier=dossier)
    with pytest.raises(ValidationError):
        grant_services.grant_close(grant=grant, by=world.admin, reason="")
    with pytest.raises(ApplicationError):
        grant_services.grant_close(grant=grant, by=with_coordinator(dossier), reason="Fin")
    grant = grant_services.grant_close(grant=grant, by=world.admin, reason="Arrêt du protocole par l'équipe")
    assert grant.state == GrantState.CLOSED and grant.closed_at
    SuspensionFactory(protocol=dossier.protocol, starts_on=datetime.date(2025, 1, 1), suspended_by=world.admin)
    assert grant.state_on(datetime.date(2025, 6, 1)) == GrantState.CLOSED
    grant_services.grant_sync_state(grant=grant)
    grant.refresh_from_db()
    assert grant.state == GrantState.CLOSED
    with pytest.raises(ApplicationError, match="déjà close"):
        grant_services.grant_close(grant=grant, by=world.admin, reason="Encore")


def test_database_constraints_of_a_grant():
    grant = GrantFactory()
    grant.state = GrantState.CLOSED
    with pytest.raises(ValidationError):
        grant.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(state=GrantState.CLOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantFactory(dossier__structure=grant.structure, structure=grant.structure, protocol=grant.protocol)


def test_a_second_wave_reopens_the_campaign_without_touching_first_wave_grants():
    world = committee_world(projects_funded=1)
    first = world.dossier(protocol__declared=True, protocol__declared_on=datetime.date(2025, 3, 1))
    _select(world, first)
    grant = Grant.objects.get(dossier=first)
    before = (grant.reference, grant.starts_on, grant.ends_on, grant.rate, grant.yearly_cap, grant.state)
    world.campaign.rate_per_intervention = Decimal("28.00")
    world.campaign.save()
    second_wave = WaveFactory(
        campaign=world.campaign,
        number=2,
        opens_at=datetime.datetime(2025, 9, 1, 9, 0, tzinfo=datetime.UTC),
        deadline=datetime.datetime(2025, 11, 15, 8, 0, tzinfo=datetime.UTC),
        projects_funded=1,
    )
    newcomer = world.dossier(
        wave=second_wave, protocol__declared=True, protocol__declared_on=datetime.date(2025, 6, 1)
    )
    from funding.services.committee import meeting_save

    meeting = meeting_save(
        wave=second_wave, by=world.admin, held_on=datetime.date(2025, 12, 10), members_present=[world.admin]
    )
    # The wave funds its own projects: no over-quota reason although wave 1 used its place.
    _select(world, newcomer, meeting=meeting)
    assert wave_quota(world.wave).selected == 1 and wave_quota(second_wave).selected == 1
    new_grant = Grant.objects.get(dossier=newcomer)
    assert (new_grant.reference, new_grant.starts_on, new_grant.rate) == (
        "SUB-PACA-2025-002",
        datetime.date(2025, 12, 10),
        Decimal("28.00"),
    )
    grant.refresh_from_db()
    assert (grant.reference, grant.starts_on, grant.ends_on, grant.rate, grant.yearly_cap, grant.state) == before
    assert Dossier.objects.get(pk=first.pk).state == DossierState.SELECTED


# --- Pages ---------------------------------------------------------------------------------------------------------


def test_grant_pages(client):
    world = committee_world()
    dossier = world.dossier(protocol__declared=True)
    _select(world, dossier)
    other = world.dossier(protocol__declared=True)
    _select(world, other, meeting=world.meeting(held_on=datetime.date(2025, 2, 20)))
    grant = Grant.objects.get(dossier=dossier)
    coordinator = with_coordinator(dossier)
    client.force_login(coordinator)
    listing = client.get(reverse("funding:grant_list"))
    assert [g.pk for g in listing.context["page"].object_list] == [grant.pk]
    detail = client.get(reverse("funding:grant_detail", kwargs={"grant_id": grant.pk}))
    assert detail.status_code == 200 and "25,00" in detail.content.decode()
    assert "Clore la subvention" not in detail.content.decode()
    other_grant = Grant.objects.get(dossier=other)
    assert client.get(reverse("funding:grant_detail", kwargs={"grant_id": other_grant.pk})).status_code == 404
    assert (
        client.post(reverse("funding:grant_close", kwargs={"grant_id": grant.pk}), {"reason": "x"}).status_code == 403
    )
    client.force_login(world.admin)
    close = reverse("funding:grant_close", kwargs={"grant_id": grant.pk})
    assert client.post(close, {"reason": ""}).status_code == 400
    assert client.post(close, {"reason": "Fin du protocole"}).status_code == 302
    assert client.get(reverse("funding:grant_list"), {"etat": "closed"}).context["page"].object_list[0] == grant


def test_grant_open_page_for_a_protocol_declared_later(client):
    world = committee_world()
    dossier = world.dossier()
    _select(world, dossier)
    client.force_login(world.admin)
    url = reverse("funding:grant_open", kwargs={"dossier_id": dossier.pk})
    response = client.post(url, {})
    assert response.status_code == 400 and "pas encore déclaré" in response.content.decode()
    protocol = dossier.protocol
    protocol.status, protocol.declared_on = "declared", datetime.date(2025, 5, 1)
    protocol.save()
    assert client.post(url, {"starts_on": "2025-05-01", "ends_on": "2025-04-01"}).status_code == 400
    response = client.post(url, {"starts_on": "2025-05-15", "ends_on": "2026-12-31"})
    assert response.status_code == 302
    grant = Grant.objects.get(dossier=dossier)
    assert (grant.starts_on, grant.ends_on) == (datetime.date(2025, 5, 15), datetime.date(2026, 12, 31))
