"""The sworn statement of a half-year's tableau de reporting: each delegate and delegant named in its lines confirms
his own lines from his account, the coordinator transmits once all have, the finance officer sees who confirmed."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from funding.models import Tableau, TableauSignatory, TableauState, TableauTransition
from funding.periods import Period
from funding.services.tableaux import tableau_confirm, tableau_open, tableau_transmit
from portal.errors import ApplicationError
from portal.models import User
from portal.roles import Role
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of, professional_of
from tests.protocols.import_files import csv_bytes, row_for

D = datetime.date
H1 = Period(2025, 1)


@pytest.fixture
def world():
    world = build_world(structure=StructureFactory(region=RegionFactory(code="PACA"), name="MSP des Oliviers"))
    world.intervention(D(2025, 3, 12), episode_reference="EP-1")
    world.intervention(D(2025, 4, 2), episode_reference="EP-2")
    world.intervention(D(2025, 7, 2), episode_reference="EP-3")  # H2: not in the H1 tableau
    return world


def _detail(tableau) -> str:
    return reverse("funding:tableau_detail", kwargs={"tableau_id": tableau.pk})


def _digest_on_page(client, tableau) -> str:
    page = client.get(_detail(tableau)).content.decode()
    return re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)


def test_the_whole_flow_from_opening_to_transmission(client, world, django_capture_on_commit_callbacks):
    officer = agent_of(world.structure.region, Role.FINANCE_OFFICER)
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:tableau_open"), {"structure": world.structure.pk, "period": "2025-H1"})
    tableau = Tableau.objects.get()
    assert response.status_code == 302 and response.url == _detail(tableau)
    assert (tableau.state, tableau.line_count) == (TableauState.COLLECTING, 2)
    signatories = {s.professional: s for s in tableau.signatories.all()}
    assert set(signatories) == {world.delegate, world.delegant}
    assert (signatories[world.delegate].is_delegate, signatories[world.delegant].is_delegant) == (True, True)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [world.delegate.user.email, world.delegant.user.email]
    )
    assert "Attestez le tableau de reporting du 1er semestre 2025" in mail.outbox[0].subject

    # Not yet: two professionals have to confirm first. The button is not offered; a forced POST is refused.
    page = client.get(_detail(tableau)).content.decode()
    assert "2 professionnels n&#x27;ont pas encore attesté leurs lignes." in page
    client.post(reverse("funding:tableau_transmit", kwargs={"tableau_id": tableau.pk}), {"sworn": "on"})
    tableau.refresh_from_db()
    assert tableau.state == TableauState.COLLECTING

    # The delegate confirms his lines from his own account.
    client.force_login(world.delegate.user)
    page = client.get(_detail(tableau)).content.decode()
    assert "Attester mes lignes" in page and "Les lignes où vous êtes nommé (2)" in page
    digest = _digest_on_page(client, tableau)
    response = client.post(
        reverse("funding:tableau_confirm", kwargs={"tableau_id": tableau.pk}), {"sworn": "on", "digest": digest}
    )
    assert response.status_code == 302
    assert TableauSignatory.objects.get(professional=world.delegate).is_confirmed

    # A late import adds one of his lines: his confirmation no longer covers them; he confirms again.
    batch = import_batch_create_from_bytes(
        structure=world.structure,
        content=csv_bytes([row_for(world, "20/05/2025", "EP-9")]),
        name="retard.csv",
        by=world.coordinator,
    )
    assert import_batch_run(batch_id=batch.pk).created_count == 1
    mine = TableauSignatory.objects.get(professional=world.delegate)
    assert (mine.line_count, mine.is_confirmed, mine.must_confirm_again) == (3, False, True)
    stale = client.post(
        reverse("funding:tableau_confirm", kwargs={"tableau_id": tableau.pk}), {"sworn": "on", "digest": digest}
    )
    assert stale.status_code == 302
    assert not TableauSignatory.objects.get(professional=world.delegate).is_confirmed
    client.post(
        reverse("funding:tableau_confirm", kwargs={"tableau_id": tableau.pk}),
        {"sworn": "on", "digest": _digest_on_page(client, tableau)},
    )

    client.force_login(world.delegant.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("funding:tableau_confirm", kwargs={"tableau_id": tableau.pk}),
            {"sworn": "on", "digest": _digest_on_page(client, tableau)},
        )
    assert "toutes les attestations sont recueillies" in mail.outbox[-1].subject
    assert mail.outbox[-1].to == [world.coordinator.email]

    # The coordinator transmits, attesting as the head of the structure.
    client.force_login(world.coordinator)
    response = client.post(reverse("funding:tableau_transmit", kwargs={"tableau_id": tableau.pk}), {})
    assert response.status_code == 400  # the head's attestation is required
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:tableau_transmit", kwargs={"tableau_id": tableau.pk}), {"sworn": "on"})
    assert response.status_code == 302
    tableau.refresh_from_db()
    assert (tableau.state, tableau.transmitted_by, tableau.transmitted_line_count) == (
        TableauState.TRANSMITTED,
        world.coordinator,
        3,
    )
    assert list(TableauTransition.objects.values_list("from_state", "to_state")) == [
        ("", "collecting"),
        ("collecting", "transmitted"),
    ]
    assert mail.outbox[-1].to == [officer.email]
    # A second click (a stale tab) is a message, not an error page.
    again = client.post(reverse("funding:tableau_transmit", kwargs={"tableau_id": tableau.pk}), {"sworn": "on"})
    assert again.status_code == 302

    # The finance officer sees who confirmed, and when.
    client.force_login(officer)
    page = client.get(_detail(tableau)).content.decode()
    assert page.count("Attesté le") == 2
    assert "Transmis à l'ARS le" in page
    period_page = client.get(
        reverse("funding:statement_period", kwargs={"region_id": world.structure.region_id, "period": "2025-H1"})
    )
    assert period_page.status_code == 200


def test_the_half_year_must_be_over_and_have_lines(world):
    with time_machine.travel(datetime.datetime(2025, 6, 20, 12, tzinfo=datetime.UTC)):
        with pytest.raises(ApplicationError, match="n'est pas terminé"):
            tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    with pytest.raises(ApplicationError, match="aucune intervention du 2nd semestre 2024"):
        tableau_open(structure=world.structure, period=Period(2024, 2), by=world.coordinator)
    tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    with pytest.raises(ApplicationError, match="déjà ouvert"):
        tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    assert Tableau.objects.count() == 1


def test_only_the_structures_coordinators_open_and_transmit(world):
    with pytest.raises(ApplicationError, match="Seuls les coordinateurs"):
        tableau_open(structure=world.structure, period=H1, by=world.delegate.user)
    tableau = tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    for signatory in tableau.signatories.select_related("professional__user"):
        user = signatory.professional.user
        tableau_confirm(tableau=tableau, by=user, digest=signatory.lines_digest)
    with pytest.raises(ApplicationError, match="Seuls les coordinateurs"):
        tableau_transmit(tableau=tableau, by=world.delegate.user, sworn=True)
    with pytest.raises(ApplicationError, match="attestation sur l'honneur du responsable"):
        tableau_transmit(tableau=tableau, by=world.coordinator, sworn=False)
    assert tableau_transmit(tableau=tableau, by=world.coordinator, sworn=True).is_transmitted
    with pytest.raises(ApplicationError, match="déjà été transmis"):
        tableau_confirm(tableau=tableau, by=world.delegate.user, digest="x")


def test_someone_not_named_in_the_lines_cannot_confirm(world):
    tableau = tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    colleague = professional_of(world.structure)
    with pytest.raises(ApplicationError, match="nommé dans aucune ligne"):
        tableau_confirm(tableau=tableau, by=colleague, digest="x")


def test_outsiders_and_other_regions_get_404(client, world):
    tableau = tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    other_region = RegionFactory(code="CVL")
    outsiders = [
        coordinator_of(StructureFactory(region=world.structure.region)),  # same region, another structure
        professional_of(world.structure),  # in the structure, named in no line
        agent_of(other_region, Role.FINANCE_OFFICER),
        agent_of(other_region, Role.REGION_ADMIN),
    ]
    urls = [
        ("get", _detail(tableau)),
        ("get", reverse("funding:tableau_download", kwargs={"tableau_id": tableau.pk})),
        ("post", reverse("funding:tableau_confirm", kwargs={"tableau_id": tableau.pk})),
        ("post", reverse("funding:tableau_transmit", kwargs={"tableau_id": tableau.pk})),
    ]
    for user in outsiders:
        client.force_login(user)
        for method, url in urls:
            status = getattr(client, method)(url).status_code
            assert status in (403, 404), (user, url, status)
            if url == _detail(tableau):
                assert status == 404, user
        assert list(client.get(reverse("funding:tableau_list")).context["page"].object_list) == []
    # A signatory reads the tableau, but does not download everyone's lines.
    client.force_login(world.delegate.user)
    assert client.get(_detail(tableau)).status_code == 200
    assert client.get(reverse("funding:tableau_download", kwargs={"tableau_id": tableau.pk})).status_code == 403


def test_the_list_costs_the_same_queries_whatever_the_number_of_tableaux(client, world, django_assert_max_num_queries):
    tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    officer = agent_of(world.structure.region, Role.FINANCE_OFFICER)
    client.force_login(officer)
    client.get(reverse("funding:tableau_list"))  # warm the session
    with django_assert_max_num_queries(10) as captured:
        client.get(reverse("funding:tableau_list"))
    first = len(captured)
    for _ in range(3):
        other = build_world(structure=StructureFactory(region=world.structure.region))
        other.intervention(D(2025, 3, 12))
        tableau_open(structure=other.structure, period=H1, by=other.coordinator)
    with django_assert_max_num_queries(first):
        response = client.get(reverse("funding:tableau_list"))
    assert len(response.context["page"].object_list) == 4


def test_the_demo_tableau_waits_for_its_delegates(client, demo):
    tableau = Tableau.objects.get(structure__finess="130012347", year=2025, half=1)
    confirmed = {
        s.professional.user.email: s.is_confirmed for s in tableau.signatories.select_related("professional__user")
    }
    assert confirmed["medecin.msp@demo.fr"] is True
    assert confirmed["ide.msp@demo.fr"] is False
    client.force_login(User.objects.get(email="ide.msp@demo.fr"))
    assert "Attester mes lignes" in client.get(_detail(tableau)).content.decode()
    client.force_login(User.objects.get(email="coordinateur.msp@demo.fr"))
    assert "n&#x27;ont pas encore attesté leurs lignes" in client.get(_detail(tableau)).content.decode()


def test_a_professional_whose_lines_are_cancelled_is_no_longer_asked(world):
    """The signatories follow the lines: cancelling the only line of a delegate takes him off the tableau."""
    from protocols.services.interventions import intervention_cancel

    other = world.add_delegate()
    line = world.intervention(D(2025, 5, 5), delegate=other, episode_reference="EP-AUTRE")
    tableau = tableau_open(structure=world.structure, period=H1, by=world.coordinator)
    assert tableau.signatories.filter(is_current=True).count() == 3
    intervention_cancel(intervention=line, by=world.coordinator)
    signatory = tableau.signatories.get(professional=other)
    assert (signatory.is_current, signatory.line_count) == (False, 0)
    for current in tableau.signatories.filter(is_current=True).select_related("professional__user"):
        tableau_confirm(tableau=tableau, by=current.professional.user, digest=current.lines_digest)
    assert tableau_transmit(tableau=tableau, by=world.coordinator, sworn=True).transmitted_line_count == 2
