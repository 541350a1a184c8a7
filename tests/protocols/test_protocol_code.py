"""A protocol code travels into interventions' files, file names and HTTP headers: it is checked where it is typed
(form), by the model (full_clean) and by the database (check constraint): capitals, digits, single hyphens."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from protocols.models import Protocol
from protocols.services import protocols as services
from tests.protocols.conftest import LOCAL_CONTENT, written_protocol
from tests.protocols.factories import ProtocolFactory

BAD_CODES = ['LOC"PACA', "LOC;PACA", "LOC PACA", "LOC/PACA", "LOC--PACA", "-LOC", "LOC-", "LOC-PACA-ÉTÉ", "LOC\r\nX"]
MESSAGE = "Le code s&#x27;écrit en lettres majuscules sans accent, chiffres et tirets"


@pytest.mark.parametrize("code", BAD_CODES)
def test_the_creation_form_refuses_a_code_outside_the_charset(client, msp, code):
    client.force_login(msp.coordinator)
    response = client.post(
        reverse("protocols:protocol_create"), {"structure": msp.structure.pk, "code": code, "title": "Suivi"}
    )
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert not Protocol.objects.exists()


def test_the_form_capitalises_before_it_checks(client, msp):
    client.force_login(msp.coordinator)
    response = client.post(
        reverse("protocols:protocol_create"), {"structure": msp.structure.pk, "code": " loc-paca-2 ", "title": "S"}
    )
    assert response.status_code == 302
    assert Protocol.objects.get().code == "LOC-PACA-2"


def test_the_editor_refuses_a_code_outside_the_charset(client, msp):
    protocol = written_protocol(msp, checklist=False)
    client.force_login(msp.coordinator)
    data = {**LOCAL_CONTENT, "code": 'HTA"; filename="x.exe', "title": "Changé"}
    response = client.post(reverse("protocols:protocol_edit", kwargs={"protocol_id": protocol.pk}), data)
    assert response.status_code == 400
    protocol.refresh_from_db()
    assert protocol.code == "LOC-TEST-HTA"


@pytest.mark.parametrize("code", ["LOC PACA", "LOC;X"])
def test_services_and_model_refuse_it(msp, code):
    with pytest.raises(ValidationError):
        services.protocol_create(structure=msp.structure, by=msp.coordinator, code=code, title="Suivi")
    with pytest.raises(ValidationError):
        ProtocolFactory.build(structure=msp.structure, code=code, created_by=msp.coordinator).full_clean()


@pytest.mark.parametrize("code", ["loc-paca", 'A"B', "A;B", "A B"])
def test_the_database_refuses_it(code):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolFactory(code=code)
