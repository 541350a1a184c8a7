"""The AMI funds local protocols only (seed 000; issue 15 point 2): a dossier on an adhesion to a national protocol
is refused when it is opened, when the protocol is chosen, at submission and when a grant would open."""

import datetime
import html
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding.models import NATIONAL_PROTOCOL_REFUSED, Dossier, DossierState
from funding.services import dossiers as services
from portal.errors import ApplicationError
from tests.funding.factories import DossierFactory, WaveFactory
from tests.funding.test_dossier_editing import _form_data
from tests.portal.factories import RegionFactory, StructureFactory, coordinator_of
from tests.protocols.factories import ProtocolFactory, TeamMembershipFactory

PARIS = ZoneInfo("Europe/Paris")
IN_WINDOW = datetime.datetime(2024, 12, 2, 10, 0, tzinfo=PARIS)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def structure():
    return StructureFactory(region=RegionFactory(code="PACA"), kind="CPTS")


@pytest.fixture
def wave(structure):
    return WaveFactory(campaign__region=structure.region)


@pytest.fixture
def coordinator(structure):
    return coordinator_of(structure)


def test_opening_a_dossier_on_a_national_protocol_is_refused(wave, structure, coordinator):
    adhesion = ProtocolFactory(structure=structure, national=True, declared=True)
    with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(ValidationError) as refused:
        services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator, protocol=adhesion)
    assert refused.value.message_dict == {"protocol": [NATIONAL_PROTOCOL_REFUSED]}
    assert "L'AMI finance les protocoles locaux" in NATIONAL_PROTOCOL_REFUSED
    assert not Dossier.objects.exists()
    # The same structure's local protocol is accepted.
    local = ProtocolFactory(structure=structure)
    with time_machine.travel(IN_WINDOW, tick=False):
        dossier = services.dossier_create(campaign=wave.campaign, structure=structure, by=coordinator, protocol=local)
    assert dossier.protocol == local


def test_choosing_a_national_protocol_in_the_form_is_a_form_error(client, wave, structure, coordinator):
    draft = DossierFactory(structure=structure, wave=wave)
    adhesion = ProtocolFactory(structure=structure, national=True, declared=True)
    client.force_login(coordinator)
    url = reverse("funding:dossier_edit", kwargs={"dossier_id": draft.pk})
    page = text(client.get(url))
    # Listed so the coordinator understands why, but not selectable.
    assert f'value="{adhesion.pk}" disabled' in page
    assert "adhésion à un protocole national : hors AMI" in page
    response = client.post(url, _form_data(draft, protocol=adhesion.pk))
    assert response.status_code == 400
    assert NATIONAL_PROTOCOL_REFUSED in text(response)
    draft.refresh_from_db()
    assert draft.protocol != adhesion
    # The autosave refuses it too and keeps the other answers.
    autosave = reverse("funding:dossier_autosave", kwargs={"dossier_id": draft.pk})
    response = client.post(
        autosave, _form_data(draft, protocol=adhesion.pk, territory_needs="Besoins"), HTTP_HX_REQUEST="true"
    )
    assert NATIONAL_PROTOCOL_REFUSED in text(response)
    draft.refresh_from_db()
    assert draft.protocol != adhesion and draft.territory_needs == "Besoins"


def test_submitting_a_dossier_on_a_national_protocol_is_refused(client, wave, structure, coordinator):
    # A draft opened before the rule (written straight to the database, as old data would be).
    adhesion = ProtocolFactory(structure=structure, national=True, declared=True)
    dossier = DossierFactory(structure=structure, wave=wave, complete=True, protocol=adhesion)
    TeamMembershipFactory(protocol=adhesion, delegant=True)
    TeamMembershipFactory(protocol=adhesion)
    with time_machine.travel(IN_WINDOW, tick=False), pytest.raises(ApplicationError) as refused:
        services.dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True)
    assert refused.value.code == "national_protocol"
    assert str(refused.value.message) == NATIONAL_PROTOCOL_REFUSED
    client.force_login(coordinator)
    with time_machine.travel(IN_WINDOW, tick=False):
        response = client.post(
            reverse("funding:dossier_submit", kwargs={"dossier_id": dossier.pk}), {"sworn_statement": "on"}
        )
    assert response.status_code == 400
    assert NATIONAL_PROTOCOL_REFUSED in text(response)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DRAFT and not dossier.transitions.exists()
    # With a local protocol the same dossier is filed.
    local = ProtocolFactory(structure=structure)
    TeamMembershipFactory(protocol=local, delegant=True)
    TeamMembershipFactory(protocol=local)
    Dossier.objects.filter(pk=dossier.pk).update(protocol=local)
    with time_machine.travel(IN_WINDOW, tick=False):
        services.dossier_submit(dossier=dossier, by=coordinator, sworn_statement=True, send_receipt=False)
    assert Dossier.objects.get(pk=dossier.pk).state == DossierState.SUBMITTED
