"""The declaration channel of a region, end to end: on the portal the deposit is the declaration; on
démarches-simplifiées the protocol is in force from the DS deposit date the ARS confirmed, and eligibility moves with
that date. The DS API only informs the instructor (a mismatch, an outage), never blocks."""

import pytest
from django.urls import reverse

from portal.errors import ApplicationError
from portal.roles import Role
from protocols.ds.secrets import decrypt_token
from protocols.eligibility_rules import rules_failed
from protocols.models import (
    Declaration,
    DeclarationChannel,
    DsCheck,
    ProtocolEvent,
    ProtocolStatus,
    RegionDeclarationSettings,
)
from protocols.services import declarations as declaration_services
from protocols.services import ds as services
from protocols.signals import eligibility_inputs_changed
from protocols.tasks.ds import ds_checks_refresh_task
from tests.portal.factories import agent_of
from tests.protocols.conftest import D, join, written_protocol

TOKEN = "jeton-de-test"


def _declarable(msp):
    protocol = written_protocol(msp)
    join(protocol, msp, msp.doctor, "delegant", D(2025, 1, 10))
    nurse = join(protocol, msp, msp.nurse, "delegate", D(2025, 1, 10), trained_on=D(2025, 1, 5))
    return protocol, nurse


def _declared_on(protocol, nurse, day) -> bool:
    check = rules_failed(
        protocol_id=protocol.pk,
        performed_on=day,
        delegate_id=nurse.professional_id,
        delegant_id=None,
        today=D(2026, 1, 1),
    )
    return "protocole_non_declare" not in check.failed


def _ds_region(msp, *, token=TOKEN, demarche=4321):
    admin = agent_of(msp.structure.region, Role.REGION_ADMIN)
    services.declaration_settings_update(
        region=msp.structure.region, by=admin, channel=DeclarationChannel.DS, demarche_number=demarche, token=token
    )
    return admin


def test_portal_channel_the_deposit_is_the_declaration(msp):
    protocol, nurse = _declarable(msp)
    declaration = declaration_services.declaration_deposit(protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1))
    assert (declaration.channel, declaration.in_force_on) == (DeclarationChannel.PORTAL, D(2025, 3, 1))
    assert not _declared_on(protocol, nurse, D(2025, 2, 28))
    assert _declared_on(protocol, nurse, D(2025, 3, 1))
    with pytest.raises(ApplicationError, match="déposée sur le portail"):
        services.declaration_ds_confirm(
            declaration=declaration, by=msp.instructor, dossier_number=1, deposited_on=D(2025, 3, 1)
        )


def test_ds_channel_end_to_end_eligibility_follows_the_confirmed_ds_date(
    client, msp, fake_ds, django_capture_on_commit_callbacks
):
    _ds_region(msp)
    protocol, nurse = _declarable(msp)
    # DS says the dossier was deposited on 18 February; the coordinator types the 20th.
    fake_ds.add_dossier(654321, state="en_instruction", deposited_at="2025-02-18T10:12:00+01:00", demarche=4321)

    client.force_login(msp.coordinator)
    url = reverse("protocols:declaration_new", kwargs={"protocol_id": protocol.pk})
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="ds-channel"' in page.text
    refused = client.post(url, {"certify": "on", "ds_deposited_on": "2025-02-20"})
    assert refused.status_code == 400 and "Indiquez le numéro du dossier" in refused.text
    assert not protocol.declarations.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"certify": "on", "ds_dossier_number": "654321", "ds_deposited_on": "2025-02-20"})
    declaration = Declaration.objects.get(protocol=protocol)
    assert response.status_code == 302
    assert (declaration.channel, declaration.ds_dossier_number, declaration.ds_deposited_on) == (
        DeclarationChannel.DS,
        654321,
        D(2025, 2, 20),
    )
    # Recorded, not confirmed: the protocol is not in force on any day yet.
    protocol.refresh_from_db()
    assert protocol.status == ProtocolStatus.DRAFT and declaration.in_force_on is None
    assert not _declared_on(protocol, nurse, D(2025, 6, 1))
    # The deposit queued a reading of the dossier on DS, with the region's (decrypted) token.
    check = DsCheck.objects.get(declaration=declaration)
    assert (check.ok, check.state, check.deposited_on, check.demarche_number) == (
        True,
        "en_instruction",
        D(2025, 2, 18),
        4321,
    )
    assert fake_ds.requests[-1]["headers"]["Authorization"] == f"Bearer {TOKEN}"

    # The instructor sees the dossier to confirm, and the mismatch DS shows.
    client.force_login(msp.instructor)
    listing = client.get(reverse("protocols:agency_declarations"))
    assert 'data-testid="ds-to-confirm"' in listing.text and "654321" in listing.text
    confirm_url = reverse("protocols:declaration_ds_confirm", kwargs={"declaration_id": declaration.pk})
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "Déposé sur DS le 18/02/2025, et non le 20/02/2025" in page.text
    signals = []
    eligibility_inputs_changed.connect(receiver := lambda **kw: signals.append(kw["since"]), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(confirm_url, {"ds_dossier_number": "654321", "ds_deposited_on": "2025-02-18"})
    finally:
        eligibility_inputs_changed.disconnect(receiver)
    assert response.status_code == 302
    declaration.refresh_from_db()
    protocol.refresh_from_db()
    assert (declaration.in_force_on, declaration.ds_confirmed_by) == (D(2025, 2, 18), msp.instructor)
    assert (protocol.status, protocol.declared_on) == (ProtocolStatus.DECLARED, D(2025, 2, 18))
    assert signals == [D(2025, 2, 18)]
    assert not _declared_on(protocol, nurse, D(2025, 2, 17))
    assert _declared_on(protocol, nurse, D(2025, 2, 18))
    event = protocol.events.get(kind=ProtocolEvent.Kind.DS_CONFIRMED)
    assert event.by == msp.instructor and "corrigé par l'ARS" in event.detail
    # Confirmed: the coordinator cannot change it any more, the instructor cannot confirm it twice.
    with pytest.raises(ApplicationError, match="déjà confirmé"):
        services.declaration_ds_enter(
            declaration=declaration, by=msp.coordinator, dossier_number=1, deposited_on=D(2025, 1, 1)
        )
    assert client.get(confirm_url).status_code == 302


def test_a_join_after_a_ds_declaration_is_a_version_awaiting_its_ds_number(client, msp, fake_ds):
    _ds_region(msp)
    protocol, nurse = _declarable(msp)
    first = declaration_services.declaration_deposit(
        protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1), ds_dossier_number=111, ds_deposited_on=D(2025, 3, 1)
    )
    services.declaration_ds_confirm(
        declaration=first, by=msp.instructor, dossier_number=111, deposited_on=D(2025, 3, 1)
    )
    join(protocol, msp, msp.pharmacist, "delegate", D(2025, 4, 1))
    second = protocol.declarations.get(version=2)
    assert (second.channel, second.reason, second.ds_dossier_number, second.in_force_on) == ("ds", "join", None, None)
    assert second.awaits_ds_number
    # The version in force on a day stays the confirmed one.
    assert protocol.declarations.on_or_before(D(2025, 6, 1)).get() == first

    client.force_login(msp.coordinator)
    url = reverse("protocols:declaration_ds_enter", kwargs={"declaration_id": second.pk})
    duplicate = client.post(url, {"ds_dossier_number": "111", "ds_deposited_on": "2025-04-02"})
    assert duplicate.status_code == 400 and "déjà rattaché à une autre déclaration" in duplicate.text
    future = client.post(url, {"ds_dossier_number": "222", "ds_deposited_on": "2999-01-01"})
    assert future.status_code == 400 and "dans le futur" in future.text
    assert client.post(url, {"ds_dossier_number": "222", "ds_deposited_on": "2025-04-02"}).status_code == 302
    second.refresh_from_db()
    assert (second.ds_dossier_number, second.ds_deposited_on, second.ds_entered_by) == (
        222,
        D(2025, 4, 2),
        msp.coordinator,
    )
    detail = client.get(reverse("protocols:declaration_detail", kwargs={"declaration_id": second.pk}))
    assert "À confirmer par l&#x27;ARS" in detail.text or "À confirmer par l'ARS" in detail.text


def test_ds_down_never_blocks_and_beat_reads_again(client, msp, fake_ds, django_capture_on_commit_callbacks):
    _ds_region(msp)
    protocol, nurse = _declarable(msp)
    fake_ds.add_dossier(777, state="en_construction", deposited_at="2025-03-01T09:00:00+01:00", demarche=4321)
    fake_ds.mode = "down"
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declaration_services.declaration_deposit(
            protocol=protocol,
            by=msp.coordinator,
            on=D(2025, 3, 2),
            ds_dossier_number=777,
            ds_deposited_on=D(2025, 3, 1),
        )
    check = DsCheck.objects.get(declaration=declaration)
    assert not check.ok and "(503)" in check.error
    assert list(services.ds_checks_due()) == [declaration]

    client.force_login(msp.instructor)
    confirm_url = reverse("protocols:declaration_ds_confirm", kwargs={"declaration_id": declaration.pk})
    page = client.get(confirm_url)
    assert page.status_code == 200 and "impossible" in page.text and "(503)" in page.text

    # DS is back: beat reads the dossier again, and it is then up to date (no longer due).
    fake_ds.mode = "schema"
    ds_checks_refresh_task()
    check.refresh_from_db()
    assert (check.ok, check.error, check.deposited_on, check.attempts) == (True, "", D(2025, 3, 1), 2)
    assert list(services.ds_checks_due()) == []
    assert "Conforme à démarches-simplifiées" in client.get(confirm_url).text

    # DS slow past the timeout: the confirmation does not wait for it.
    fake_ds.mode = "slow"
    response = client.post(confirm_url, {"ds_dossier_number": "777", "ds_deposited_on": "2025-03-01"})
    assert response.status_code == 302
    assert _declared_on(protocol, nurse, D(2025, 3, 1))


def test_the_token_is_encrypted_and_never_shown_back(client, msp):
    admin = agent_of(msp.structure.region, Role.REGION_ADMIN)
    client.force_login(admin)
    url = reverse("protocols:region_declaration_channel", kwargs={"region_id": msp.structure.region_id})
    assert client.get(url).status_code == 200
    empty = client.post(url, {})
    assert empty.status_code == 400 and "Choisissez où se font les déclarations." in empty.text
    secret = "ds-jeton-tres-secret-0123456789"
    response = client.post(url, {"channel": "ds", "ds_demarche_number": "4321", "ds_token": secret})
    assert response.status_code == 302
    row = RegionDeclarationSettings.objects.get(region=msp.structure.region)
    assert secret not in row.ds_token_encrypted and decrypt_token(row.ds_token_encrypted) == secret
    assert row.api_configured
    page = client.get(url)
    assert secret not in page.text and row.ds_token_encrypted not in page.text
    assert "Un jeton d&#x27;API" in page.text or "Un jeton d'API" in page.text
    assert not hasattr(row.history.model, "ds_token_encrypted")  # history leaves the token out
    # An empty token field keeps the stored one; the box removes it.
    client.post(url, {"channel": "ds", "ds_demarche_number": "4321"})
    row.refresh_from_db()
    assert decrypt_token(row.ds_token_encrypted) == secret
    client.post(url, {"channel": "ds", "ds_demarche_number": "4321", "clear_token": "on"})
    row.refresh_from_db()
    assert (row.ds_token_encrypted, row.api_configured) == ("", False)


def test_only_the_region_admin_chooses_and_only_the_ars_confirms(msp):
    with pytest.raises(ApplicationError, match="administrateur régional"):
        services.declaration_settings_update(
            region=msp.structure.region, by=msp.instructor, channel="ds", demarche_number=None
        )
    _ds_region(msp)
    protocol, _nurse = _declarable(msp)
    declaration = declaration_services.declaration_deposit(
        protocol=protocol, by=msp.coordinator, on=D(2025, 3, 1), ds_dossier_number=5, ds_deposited_on=D(2025, 3, 1)
    )
    with pytest.raises(ApplicationError, match="instructeurs et l'administrateur régional"):
        services.declaration_ds_confirm(
            declaration=declaration, by=msp.coordinator, dossier_number=5, deposited_on=D(2025, 3, 1)
        )
    with pytest.raises(ApplicationError, match="coordinateur"):
        services.declaration_ds_enter(
            declaration=declaration, by=msp.instructor, dossier_number=6, deposited_on=D(2025, 3, 1)
        )


def test_the_database_ties_the_date_in_force_to_the_channel(msp):
    from django.db import IntegrityError, transaction

    protocol = written_protocol(msp)
    base = {"protocol": protocol, "reason": "first", "deposited_on": D(2025, 3, 1), "deposited_by": msp.coordinator}
    refused = [
        {"version": 1, "in_force_on": D(2025, 2, 1)},  # portal: in force from its deposit only
        {"version": 1, "in_force_on": None},
        {"version": 1, "channel": "ds", "in_force_on": D(2025, 3, 1)},  # DS: not before the ARS confirms
        {"version": 1, "channel": "ds", "ds_dossier_number": 9},  # a number goes with its DS date
    ]
    for fields in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            Declaration.objects.create(**base, **fields)
    Declaration.objects.create(**base, version=1, in_force_on=D(2025, 3, 1))
    Declaration.objects.create(**base, version=2, channel="ds", ds_dossier_number=9, ds_deposited_on=D(2025, 2, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(**base, version=3, channel="ds", ds_dossier_number=9, ds_deposited_on=D(2025, 2, 1))


def test_the_list_of_ds_deposits_to_confirm_has_constant_queries(client, msp):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.protocols.factories import DeclarationFactory, ProtocolFactory

    def add(count, start):
        for n in range(count):
            protocol = ProtocolFactory(structure=msp.structure, created_by=msp.coordinator)
            DeclarationFactory(
                protocol=protocol,
                version=1,
                channel="ds",
                ds_dossier_number=start + n,
                ds_deposited_on=D(2025, 2, 1),
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("protocols:agency_declarations"))
        assert response.status_code == 200
        return len(queries), response

    add(1, 1000)
    client.force_login(msp.instructor)
    client.get(reverse("reporting:home"))
    few, response = count()
    assert len(response.context["ds_to_confirm"]) == 1
    add(4, 2000)
    many, response = count()
    assert few == many and len(response.context["ds_to_confirm"]) == 5
