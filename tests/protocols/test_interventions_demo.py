"""The demo interventions, on the prerequisites the protocols and committee seeders provide (built here by factories,
as those seeders are written in parallel)."""

import datetime
from collections import Counter

import pytest
from django.apps import apps

from funding.demo import eligibility as eligibility_demo
from funding.models import DossierState, InterventionEligibility
from portal import demo as portal_demo
from portal.models import Professional, Structure
from protocols.demo import interventions as interventions_demo
from protocols.demo.keys import HTA_CODE, OLIVIERS_FINESS, PAYS_D_AIX_FINESS, POLLAKIURIE_CODE
from protocols.models import ImportBatch, Intervention
from tests.funding.factories import DossierFactory, GrantFactory
from tests.protocols.factories import (
    DeclarationFactory,
    ProtocolFactory,
    SuspensionFactory,
    TeamMembershipFactory,
    TrainingFactory,
)

D = datetime.date


def _member(protocol, rpps, *, joined_on, trained_on=None, delegant=False):
    professional = Professional.objects.get(rpps=rpps)
    membership = TeamMembershipFactory(
        protocol=protocol, professional=professional, joined_on=joined_on, role="delegant" if delegant else "delegate"
    )
    if trained_on:
        TrainingFactory(membership=membership, completed_on=trained_on)


@pytest.fixture
def prerequisites():
    portal_demo.seed()
    oliviers = Structure.objects.get(finess=OLIVIERS_FINESS)
    hta = ProtocolFactory(structure=oliviers, code=HTA_CODE, declared=True)
    for version, day in enumerate((D(2025, 3, 1), D(2025, 5, 1), D(2025, 9, 1)), start=1):
        DeclarationFactory(protocol=hta, version=version, deposited_on=day)
    SuspensionFactory(protocol=hta, starts_on=D(2025, 10, 1), lifted_on=D(2025, 10, 16))
    _member(hta, "10000000017", joined_on=D(2025, 3, 1), delegant=True)
    _member(hta, "10000000025", joined_on=D(2025, 3, 1), trained_on=D(2025, 2, 15))
    _member(hta, "10000000033", joined_on=D(2025, 5, 1), trained_on=D(2025, 6, 1))
    _member(hta, "10000000041", joined_on=D(2025, 9, 1), trained_on=D(2025, 8, 20))
    cpts = Structure.objects.get(finess=PAYS_D_AIX_FINESS)
    pollakiurie = ProtocolFactory(structure=cpts, code=POLLAKIURIE_CODE, declared=True)
    DeclarationFactory(protocol=pollakiurie, version=1, deposited_on=D(2025, 3, 15))
    _member(pollakiurie, "10000000058", joined_on=D(2025, 3, 15), delegant=True)
    _member(pollakiurie, "10000000066", joined_on=D(2025, 3, 15), trained_on=D(2025, 3, 10))
    return hta, pollakiurie


def _grant(hta):
    dossier = DossierFactory(structure=hta.structure, protocol=hta, submitted=True, state=DossierState.SELECTED)
    return GrantFactory(
        dossier=dossier, reference="SUB-PACA-2025-001", starts_on=D(2025, 3, 1), ends_on=D(2027, 12, 31)
    )


def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_a_realistic_year_with_every_reason_the_dates_allow(prerequisites):
    hta, pollakiurie = prerequisites
    interventions_demo.seed({})
    _grant(hta)
    eligibility_demo.seed({})
    msp = Intervention.objects.filter(protocol=hta)
    assert 250 <= msp.count() <= 450
    assert {i.performed_on.year for i in msp} == {2025, 2027}
    reasons = Counter(
        InterventionEligibility.objects.filter(intervention__protocol=hta).values_list("reason", flat=True)
    )
    assert set(reasons) == {
        "",
        "hors_subvention",
        "date_future",
        "protocole_suspendu",
        "delegue_hors_equipe",
        "delegue_non_forme",
        "delegant_hors_equipe",
    }  # no ``doublon``: follow-up visits are interventions of their own (AMI, seed 000), and an act twice is refused
    assert 280 < reasons[""] < 340  # above the €7,000 cap (280 × €25): the second half-year is capped
    assert msp.exclude(second_contact_on=None).count() > 10
    batch = ImportBatch.objects.get(structure=hta.structure)
    assert (batch.outcome, batch.original_name) == ("imported", "reporting-2025-S1.csv")
    assert set(msp.values_list("source", flat=True)) == {"import", "form"}
    cpts = Intervention.objects.filter(protocol=pollakiurie)
    assert 20 <= cpts.count() <= 60
    assert set(
        InterventionEligibility.objects.filter(intervention__protocol=pollakiurie).values_list("reason", flat=True)
    ) == {"hors_subvention"}


def test_the_demo_is_deterministic_and_a_second_run_writes_nothing(prerequisites):
    hta, _ = prerequisites
    interventions_demo.seed({})
    _grant(hta)
    eligibility_demo.seed({})
    first = list(
        Intervention.objects.order_by("performed_on", "episode_reference").values_list(
            "performed_on", "episode_reference", "delegate_id"
        )
    )
    counts = _row_counts()
    computed_at = sorted(InterventionEligibility.objects.values_list("computed_at", flat=True))
    assert interventions_demo.seed({}) == {"demo_interventions_created": 0}
    assert eligibility_demo.seed({}) == {"demo_eligibility_rows_written": 0}
    assert _row_counts() == counts
    assert sorted(InterventionEligibility.objects.values_list("computed_at", flat=True)) == computed_at
    assert first == sorted(first)


def test_the_seeders_skip_what_they_cannot_find():
    portal_demo.seed()
    assert interventions_demo.seed({}) == {"demo_interventions_created": 0}
    assert eligibility_demo.seed({}) == {"demo_eligibility_rows_written": 0}
    assert not Intervention.objects.exists()
