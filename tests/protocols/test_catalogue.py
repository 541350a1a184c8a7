"""The national catalogue: the six SNP protocols of seed 004, filled by data migrations (its versions:
``test_catalogue_versions.py``)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import NationalProtocol, NationalProtocolVersion
from protocols.services.protocols import protocol_create
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

SNP_CODES = {
    "SNP-POLLAKIURIE",
    "SNP-ODYNOPHAGIE",
    "SNP-CHEVILLE",
    "SNP-LOMBALGIE",
    "SNP-RHINITE",
    "SNP-VARICELLE",
}


def test_the_six_snp_protocols_are_in_the_catalogue():
    assert set(NationalProtocol.objects.filter(code__startswith="SNP-").values_list("code", flat=True)) == SNP_CODES


def test_the_data_migrations_fill_an_empty_catalogue_with_its_history():
    """0004 (the catalogue as first written), 0015 (its version 1), 0016 (the corrections, version 2): replayed on
    an empty catalogue."""
    import importlib

    from django.apps import apps

    NationalProtocolVersion.objects.all().delete()
    NationalProtocol.objects.all().delete()
    steps = ("0004_fill_national_protocols", "0015_fill_catalogue_versions", "0016_fill_catalogue_corrections")
    for name in (*steps, *steps[1:]):  # the versions' steps twice: idempotent
        importlib.import_module(f"protocols.migrations.{name}").fill(apps, None)
    assert NationalProtocol.objects.filter(code__in=SNP_CODES).count() == 6
    assert NationalProtocolVersion.objects.filter(number=1).count() == 6
    assert NationalProtocolVersion.objects.filter(number=2).count() == 6
    assert NationalProtocol.objects.get(code="SNP-POLLAKIURIE").delegate_professions == ["infirmier"]


def test_training_hours_come_from_seed_003_or_are_marked_to_confirm():
    pollakiuria = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    odynophagia = NationalProtocol.objects.get(code="SNP-ODYNOPHAGIE")
    assert pollakiuria.training_hours == Decimal("4")
    assert odynophagia.training_hours == Decimal("10")
    assert "Seed 003" in pollakiuria.training_hours_source
    for protocol in NationalProtocol.objects.filter(code__in=SNP_CODES - {"SNP-POLLAKIURIE", "SNP-ODYNOPHAGIE"}):
        assert protocol.training_hours is None and protocol.training_hours_to_confirm
        assert "à confirmer par l'ARS" in protocol.training_hours_source


def test_professions_and_structure_kinds():
    ankle = NationalProtocol.objects.get(code="SNP-CHEVILLE")
    assert ankle.delegate_professions == ["masseur_kinesitherapeute"]
    assert ankle.delegant_professions == ["medecin"]
    assert ankle.allows("MSP") and not ankle.allows("CPTS")
    pollakiuria = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    assert pollakiuria.allows("CPTS") and pollakiuria.delegate_labels == "Infirmier"


def test_catalogue_pages_show_hours_or_the_placeholder(client):
    structure = StructureFactory()
    client.force_login(coordinator_of(structure))
    page = client.get(reverse("protocols:national_protocol_list")).content.decode()
    assert "Pollakiurie et brûlures mictionnelles" in page
    assert "À confirmer par l'ARS" in page
    ankle = NationalProtocol.objects.get(code="SNP-CHEVILLE")
    detail = client.get(reverse("protocols:national_protocol_detail", kwargs={"national_protocol_id": ankle.pk}))
    assert "Durée à confirmer par l'ARS" in detail.content.decode()
    assert "Adhérer à ce protocole" in detail.content.decode()


def test_agents_read_the_catalogue_without_the_adhesion_or_edit_buttons(client):
    client.force_login(agent_of(RegionFactory(), Role.REGION_ADMIN))
    ankle = NationalProtocol.objects.get(code="SNP-CHEVILLE")
    url = reverse("protocols:national_protocol_detail", kwargs={"national_protocol_id": ankle.pk})
    assert client.post(url).status_code == 405
    page = client.get(url).content.decode()
    assert "Adhérer" not in page and "Enregistrer une nouvelle version" not in page
    assert "Historique des versions" in page


def test_a_structure_kind_the_protocol_does_not_allow_cannot_adhere():
    cpts = StructureFactory(cpts=True)
    ankle = NationalProtocol.objects.get(code="SNP-CHEVILLE")
    with pytest.raises(ApplicationError, match="n'est autorisé qu'en MSP, CDS"):
        protocol_create(structure=cpts, by=coordinator_of(cpts), code="SNP-CHEVILLE", national_protocol=ankle)


def test_an_adhesion_takes_the_national_content():
    cpts = StructureFactory(cpts=True)
    pollakiuria = NationalProtocol.objects.get(code="SNP-POLLAKIURIE")
    protocol = protocol_create(
        structure=cpts, by=coordinator_of(cpts), code="snp-pollakiurie", national_protocol=pollakiuria
    )
    assert protocol.code == "SNP-POLLAKIURIE"
    assert protocol.title == pollakiuria.title
    assert protocol.delegate_professions == ["infirmier"]
    assert protocol.required_training_hours == Decimal("4")
    assert protocol.missing_fields() == []
