"""The demo story of the protocols layer, as the next issues (eligibility, statements) rely on it."""

import pytest

from portal.models import Professional
from protocols import selectors
from protocols.demo import keys
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


def test_hta_trained_delegates(hta):
    for email, day, expected in TRAINED_DELEGATE_CASES:
        assert selectors.is_trained_delegate_on(protocol=hta, professional=_pro(email), day=day) is expected, (
            email,
            day,
        )


def test_hta_suspension_window(hta):
    assert selectors.suspension_windows(hta) == [(D(2025, 10, 1), D(2025, 10, 16))]
    assert not selectors.is_suspended_on(hta, D(2025, 9, 30))
    assert all(selectors.is_suspended_on(hta, D(2025, 10, day)) for day in range(1, 16))
    assert not selectors.is_suspended_on(hta, D(2025, 10, 16))
    assert selectors.is_delegant_on(protocol=hta, professional=_pro("medecin.msp@demo.fr"), day=D(2025, 3, 1))


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
    assert selectors.is_declared_on(pollakiuria, D(2025, 1, 15)) and not selectors.is_declared_on(
        pollakiuria, D(2025, 1, 14)
    )
    assert selectors.is_trained_delegate_on(
        protocol=pollakiuria, professional=_pro("ide.cpts@demo.fr"), day=D(2025, 2, 1)
    )
    bpco = Protocol.objects.get(code=keys.CVL_CODE)
    assert bpco.structure.finess == keys.VAL_DE_LOIRE_FINESS and bpco.status == "declared"
    assert selectors.is_trained_delegate_on(protocol=bpco, professional=_pro("ide.cvl@demo.fr"), day=D(2025, 3, 1))
    vaccin = Protocol.objects.get(code=keys.BELLE_DE_MAI_CODE)
    assert vaccin.status == "draft" and vaccin.missing_fields()
