"""The demo story of the protocols layer, as the next issues (eligibility, statements) rely on it."""

import pytest

from portal.models import Professional
from protocols.demo import keys
from protocols.eligibility_rules import rules_failed
from protocols.models import DocumentStatus, MemberDocument, Protocol
from tests.protocols.conftest import D


@pytest.fixture
def hta(demo):
    return Protocol.objects.get(code=keys.HTA_CODE, structure__finess=keys.OLIVIERS_FINESS)


def _pro(email):
    return Professional.objects.get(user__email=email)


def test_hta_versions_and_teams(hta):
    assert hta.title == keys.HTA_TITLE and hta.delegant_professions == ["medecin"]
    assert hta.delegate_professions == ["infirmier", "pharmacien"]
    versions = [(d.version, d.deposited_on, len(d.team_snapshot)) for d in hta.declarations.order_by("version")]
    assert versions == [(1, D(2025, 3, 1), 2), (2, D(2025, 5, 1), 3), (3, D(2025, 9, 1), 4)]
    assert hta.declared_on == D(2025, 3, 1)


TRAINED_DELEGATE_CASES = [
    ("ide.msp@demo.fr", D(2025, 2, 28), False),
    ("ide.msp@demo.fr", D(2025, 3, 1), True),
    ("ide2.msp@demo.fr", D(2025, 4, 30), False),
    ("ide2.msp@demo.fr", D(2025, 5, 15), False),  # in the team, training not completed
    ("ide2.msp@demo.fr", D(2025, 6, 1), True),
    ("pharmacien.msp@demo.fr", D(2025, 8, 31), False),  # trained, not yet in the team
    ("pharmacien.msp@demo.fr", D(2025, 9, 1), True),
]


def _failed(protocol, day, delegate_email, delegant_email=None) -> tuple[str, ...]:
    """The protocol's eligibility rules the demo breaks on ``day`` (``protocols.eligibility_rules``)."""
    delegant = _pro(delegant_email) if delegant_email else None
    return rules_failed(
        protocol_id=protocol.pk,
        performed_on=day,
        delegate_id=_pro(delegate_email).pk,
        delegant_id=delegant.pk if delegant else None,
        today=D(2030, 1, 1),
    ).failed


def _trained_delegate(protocol, email, day) -> bool:
    failed = _failed(protocol, day, email)
    return "delegue_hors_equipe" not in failed and "delegue_non_forme" not in failed


def test_hta_trained_delegates(hta):
    for email, day, expected in TRAINED_DELEGATE_CASES:
        assert _trained_delegate(hta, email, day) is expected, (email, day)


def test_hta_suspension_window(hta):
    def suspended(day):
        return "protocole_suspendu" in _failed(hta, day, "ide.msp@demo.fr")

    assert list(hta.suspensions.order_by("starts_on").values_list("starts_on", "lifted_on")) == [
        (D(2025, 10, 1), D(2025, 10, 16))
    ]
    assert not suspended(D(2025, 9, 30))
    assert all(suspended(D(2025, 10, day)) for day in range(1, 16))
    assert not suspended(D(2025, 10, 16))
    assert "delegant_hors_equipe" not in _failed(hta, D(2025, 3, 1), "ide.msp@demo.fr", "medecin.msp@demo.fr")


def test_documents_in_realistic_statuses(hta):
    documents = MemberDocument.objects.filter(membership__protocol__structure__region__code="PACA")
    statuses = set(documents.values_list("status", flat=True))
    assert {
        DocumentStatus.VALIDATED,
        DocumentStatus.REFUSED,
        DocumentStatus.MISSING,
        DocumentStatus.PROVIDED,
    } <= statuses
    refused = documents.get(status=DocumentStatus.REFUSED)
    assert refused.membership.professional.user.email == "ide2.msp@demo.fr" and refused.refusal_reason
    missing = [d for d in documents.filter(status=DocumentStatus.MISSING) if d.is_required]
    assert [(d.membership.professional.user.email, d.kind) for d in missing] == [
        ("pharmacien.msp@demo.fr", "insurance")
    ]
    assert documents.filter(status=DocumentStatus.VALIDATED).count() > documents.exclude(status="validated").count()
    with documents.filter(status=DocumentStatus.VALIDATED).first().file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_other_demo_protocols(demo):
    # Another region's CPTS of the demo adheres to it too (reporting.demo_regions): the Pays d'Aix's one.
    pollakiuria = Protocol.objects.get(code=keys.POLLAKIURIE_CODE, structure__region__code="PACA")
    assert (
        pollakiuria.structure.finess == keys.PAYS_D_AIX_FINESS
        and pollakiuria.national_protocol.code == "SNP-POLLAKIURIE"
    )
    assert "protocole_non_declare" not in _failed(pollakiuria, D(2025, 1, 15), "ide.cpts@demo.fr")
    assert "protocole_non_declare" in _failed(pollakiuria, D(2025, 1, 14), "ide.cpts@demo.fr")
    # Both channels show in PACA: the adhesion was filed on démarches-simplifiées (in force from the DS date the
    # instructor confirmed, though recorded on the portal two days later), LOC-PACA-HTA on the portal.
    ds_version = pollakiuria.declarations.get()
    assert (ds_version.channel, ds_version.ds_dossier_number, ds_version.in_force_on, ds_version.deposited_on) == (
        "ds",
        keys.POLLAKIURIE_DS_DOSSIER,
        D(2025, 1, 15),
        D(2025, 1, 17),
    )
    assert ds_version.ds_confirmed_by.email == "instructeur.paca@demo.fr"
    hta = Protocol.objects.get(code=keys.HTA_CODE)
    assert set(hta.declarations.values_list("channel", flat=True)) == {"portal"}
    assert pollakiuria.structure.region.declaration_settings.channel == "portal"  # PACA declares on the portal now
    assert _trained_delegate(pollakiuria, "ide.cpts@demo.fr", D(2025, 2, 1))
    bpco = Protocol.objects.get(code=keys.CVL_CODE)
    assert bpco.structure.finess == keys.VAL_DE_LOIRE_FINESS and bpco.status == "declared"
    assert _trained_delegate(bpco, "ide.cvl@demo.fr", D(2025, 3, 1))
    vaccin = Protocol.objects.get(code=keys.BELLE_DE_MAI_CODE)
    assert vaccin.status == "draft" and vaccin.missing_fields()
