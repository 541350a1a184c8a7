"""Local protocols are open to structures that signed the ACI (seed 001, art. L.4011-4-3 CSP): the AMI refuses a
local-protocol dossier whose carrying structure has not signed it, with the seed's reason; an ESP's protocol is
carried by its CPTS, whose ACI counts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from funding.services import dossiers as services
from portal.errors import ApplicationError
from tests.funding.factories import DossierFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, coordinator_of
from tests.protocols.factories import ProtocolFactory

PARIS = ZoneInfo("Europe/Paris")
IN_WINDOW = datetime.datetime(2024, 12, 2, 10, 0, tzinfo=PARIS)


@pytest.fixture
def wave():
    return WaveFactory(campaign__region=RegionFactory(code="PACA"))


def _open(wave, structure, protocol):
    with time_machine.travel(IN_WINDOW, tick=False):
        return services.dossier_create(
            campaign=wave.campaign, structure=structure, by=coordinator_of(structure), protocol=protocol
        )


def test_a_structure_without_aci_cannot_apply_with_a_local_protocol(wave):
    structure = StructureFactory(region=wave.campaign.region, without_aci=True, name="MSP du Plateau")
    protocol = ProtocolFactory(structure=structure)
    with pytest.raises(ApplicationError) as refused:
        _open(wave, structure, protocol)
    assert refused.value.code == "no_aci"
    assert refused.value.message.startswith(
        "MSP du Plateau n'a pas signé d'accord conventionnel interprofessionnel (ACI) : la mise en œuvre d'un "
        "protocole local est réservée par la loi"
    )
    assert "article L. 4011-4-3" in refused.value.message
    assert not structure.dossiers.exists()
    # Without a protocol yet (drafting support asked for), the dossier opens: the check waits for the protocol.
    assert _open(wave, structure, None).protocol is None


def test_a_structure_with_aci_applies(wave):
    structure = StructureFactory(region=wave.campaign.region, aci_signed_on=datetime.date(2024, 11, 30))
    dossier = _open(wave, structure, ProtocolFactory(structure=structure))
    assert dossier.reference.startswith("AMI-PACA-")


def test_an_esp_applies_through_its_cpts_whose_aci_counts(wave):
    region = wave.campaign.region
    esp = StructureFactory(region=region, esp=True)
    assert esp.aci_signed_on is None
    signed_cpts = StructureFactory(region=region, cpts=True)
    _open(wave, esp, ProtocolFactory(structure=esp, implementing_structure=signed_cpts))
    unsigned_cpts = StructureFactory(region=region, cpts=True, without_aci=True, name="CPTS sans accord")
    with pytest.raises(ApplicationError, match="CPTS sans accord n'a pas signé"):
        _open(wave, esp, ProtocolFactory(structure=esp, implementing_structure=unsigned_cpts))


def test_submission_checks_the_aci_again():
    dossier = DossierFactory(complete=True)
    structure = dossier.structure
    structure.aci_signed_on = None
    structure.save(update_fields=["aci_signed_on"])
    with time_machine.travel(datetime.datetime(2025, 1, 10, 10, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(ApplicationError) as refused:
            services.dossier_submit(dossier=dossier, by=coordinator_of(structure), sworn_statement=True)
    assert refused.value.code == "no_aci"
    dossier.refresh_from_db()
    assert dossier.state == "draft" and dossier.submitted_at is None
