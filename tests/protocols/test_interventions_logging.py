"""A delegate logs an intervention in a few seconds; clear errors; edit and cancel until a statement freezes it."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funding.models import InterventionEligibility, StatementStatus
from protocols.models import Intervention
from tests.funding.eligibility_world import build_world
from tests.funding.factories import StatementFactory
from tests.protocols.factories import SuspensionFactory, TeamMembershipFactory

D = datetime.date
TODAY = datetime.datetime(2025, 11, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world():
    return build_world()


def _post(client, world, **overrides):
    data = {
        "protocol": world.protocol.pk,
        "performed_on": "2025-11-18",
        "delegant": world.delegant.pk,
        "episode_reference": "EP-2025-0042",
        "second_contact_on": "",
        "second_contact_delegate": "",
        **overrides,
    }
    return client.post(reverse("protocols:intervention_create"), data)


def test_the_form_is_prefilled_with_today_the_protocol_and_the_only_delegant(client, world):
    client.force_login(world.delegate.user)
    response = client.get(reverse("protocols:intervention_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["performed_on"] == D(2025, 11, 20)
    assert form.initial["protocol"] == world.protocol.pk
    assert form.initial["delegant"] == world.delegant.pk
    assert list(form.fields["protocol"].queryset) == [world.protocol]


def test_the_form_offers_only_the_protocols_the_delegate_is_active_on_today(client, world):
    other = build_world(structure=world.structure)
    TeamMembershipFactory(protocol=other.protocol, professional=world.delegate, left_on=D(2025, 6, 1))
    client.force_login(world.delegate.user)
    form = client.get(reverse("protocols:intervention_create")).context["form"]
    assert list(form.fields["protocol"].queryset) == [world.protocol]


def test_a_delegate_logs_an_intervention_and_its_eligibility_is_computed_at_once(client, world):
    client.force_login(world.delegate.user)
    response = _post(client, world)
    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert (intervention.delegate, intervention.delegant, intervention.structure) == (
        world.delegate,
        world.delegant,
        world.structure,
    )
    assert (intervention.source, intervention.recorded_by) == ("form", world.delegate.user)
    assert intervention.history.get().history_user == world.delegate.user
    eligibility = InterventionEligibility.objects.get(intervention=intervention)
    assert (eligibility.is_eligible, eligibility.grant) == (True, world.grant)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"performed_on": "2025-11-21"}, "La date ne peut pas être dans le futur"),
        ({"performed_on": "2025-03-09"}, "n&#x27;était pas terminée le 09/03/2025 (terminée le 10/03/2025)"),
        ({"performed_on": "2025-02-28"}, "Le protocole n&#x27;était pas encore déclaré à l&#x27;ARS le 28/02/2025"),
        ({"episode_reference": "1 85 05 13 055 123 45"}, "ressemble à un numéro de sécurité sociale"),
        ({"second_contact_on": "2025-11-17"}, "Le second contact ne peut pas précéder l&#x27;intervention."),
        ({"performed_on": ""}, "Ce champ est obligatoire."),
    ],
)
def test_clear_errors_and_nothing_saved(client, world, overrides, message):
    client.force_login(world.delegate.user)
    response = _post(client, world, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Intervention.objects.exists()


def test_error_when_the_delegate_is_not_in_the_team_on_that_date(client, world):
    world.delegate_membership.joined_on = D(2025, 4, 1)
    world.delegate_membership.save()
    client.force_login(world.delegate.user)
    response = _post(client, world, performed_on="2025-03-31")
    assert response.status_code == 400
    assert f"{world.delegate.user.get_full_name()} n&#x27;était pas délégué de l&#x27;équipe le 31/03/2025" in (
        response.content.decode()
    )


def test_error_when_the_delegant_is_not_in_the_team_on_that_date(client, world):
    late = TeamMembershipFactory(protocol=world.protocol, delegant=True, joined_on=D(2025, 11, 19))
    client.force_login(world.delegate.user)
    response = _post(client, world, delegant=late.professional.pk)
    assert response.status_code == 400
    assert "n&#x27;était pas délégant de l&#x27;équipe le 18/11/2025" in response.content.decode()
    assert _post(client, world, delegant=late.professional.pk, performed_on="2025-11-19").status_code == 302


def test_error_when_the_protocol_is_suspended_on_that_date(client, world):
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 11, 1), lifted_on=D(2025, 11, 19))
    client.force_login(world.delegate.user)
    response = _post(client, world)
    assert response.status_code == 400
    assert "Le protocole était suspendu le 18/11/2025 (suspension du 01/11/2025, levée le 19/11/2025)" in (
        response.content.decode()
    )
    assert _post(client, world, performed_on="2025-11-19").status_code == 302


def test_an_identical_intervention_is_refused_another_date_is_another_paid_intervention(client, world):
    # A local protocol's AMI grant pays per intervention (seed 000): a follow-up on another day is paid, no warning.
    client.force_login(world.delegate.user)
    assert _post(client, world).status_code == 302
    response = _post(client, world)
    assert response.status_code == 400
    assert "déjà enregistrée (même épisode, même date, même délégué)" in response.content.decode()
    response = _post(client, world, performed_on="2025-11-19")
    assert response.status_code == 302
    assert not [m for m in response.wsgi_request._messages if m.level_tag == "warning"]
    reasons = dict(InterventionEligibility.objects.values_list("performed_on", "reason"))
    assert reasons == {D(2025, 11, 18): "", D(2025, 11, 19): ""}


def test_another_date_of_an_episode_under_a_per_patient_forfait_is_announced_and_not_paid(client):
    world = build_world(national=True, counting_unit="patient")
    client.force_login(world.delegate.user)
    assert _post(client, world).status_code == 302
    response = _post(client, world, performed_on="2025-11-19")
    assert response.status_code == 302
    warnings = [str(m) for m in response.wsgi_request._messages]
    assert any("n'en paie que le premier contact (épisode déjà compté)" in m for m in warnings)
    reasons = dict(InterventionEligibility.objects.values_list("performed_on", "reason"))
    assert reasons == {D(2025, 11, 18): "", D(2025, 11, 19): "episode_deja_compte"}


def test_htmx_validation_returns_the_fields_with_errors_and_saves_nothing(client, world):
    client.force_login(world.delegate.user)
    url = reverse("protocols:intervention_create") + "?verifier=1"
    response = client.post(
        url,
        {"protocol": world.protocol.pk, "performed_on": "2025-11-25", "episode_reference": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="intervention-fields"')
    assert "La date ne peut pas être dans le futur" in content
    assert "Ce champ est obligatoire." not in content  # fields not filled yet are not errors yet
    assert not Intervention.objects.exists()


def test_a_professional_who_is_not_a_delegate_cannot_log(client, world):
    client.force_login(world.delegant.user)
    response = _post(client, world)
    assert response.url == reverse("protocols:my_interventions")
    assert not Intervention.objects.exists()


# "Mes interventions" --------------------------------------------------------------------------------------------


def test_my_interventions_lists_what_i_performed_or_supervised_only(client, world):
    mine = world.intervention(D(2025, 5, 2))
    world.intervention(D(2025, 5, 3), delegate=world.add_delegate())  # a colleague's, same delegant
    client.force_login(world.delegate.user)
    response = client.get(reverse("protocols:my_interventions"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    client.force_login(world.delegant.user)
    assert client.get(reverse("protocols:my_interventions")).context["page"].paginator.count == 2


def test_my_interventions_runs_a_constant_number_of_queries(client, world):
    world.intervention(D(2025, 5, 2), second_contact_on=D(2025, 5, 3), second_contact_delegate=world.add_delegate())
    client.force_login(world.delegate.user)
    url = reverse("protocols:my_interventions")
    client.get(url)
    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for day in range(1, 20):
        world.intervention(
            D(2025, 6, day), second_contact_on=D(2025, 6, 20), second_contact_delegate=world.add_delegate()
        )
    with CaptureQueriesContext(connection) as twenty_rows:
        client.get(url)
    # session, user, scope (2), page count, page rows (with the lock annotation), filter choices, "can log" check…
    assert len(twenty_rows) == len(one_row) <= 11


def test_my_interventions_filters(client, world):
    world.intervention(D(2025, 5, 2))
    june = world.intervention(D(2025, 6, 2))
    client.force_login(world.delegate.user)
    page = client.get(reverse("protocols:my_interventions"), {"du": "2025-06-01", "role": "delegue"}).context["page"]
    assert list(page.object_list) == [june]
    page = client.get(reverse("protocols:my_interventions"), {"role": "delegant"}).context["page"]
    assert list(page.object_list) == []


# Edit and cancel ------------------------------------------------------------------------------------------------


def test_the_delegate_corrects_an_intervention(client, world):
    intervention = world.intervention(D(2025, 5, 2))
    client.force_login(world.delegate.user)
    url = reverse("protocols:intervention_edit", kwargs={"intervention_id": intervention.pk})
    response = client.post(
        url, {"performed_on": "2025-05-03", "delegant": world.delegant.pk, "episode_reference": "EP-CORRIGE"}
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.performed_on, intervention.episode_reference) == (D(2025, 5, 3), "EP-CORRIGE")
    assert intervention.history.first().history_user == world.delegate.user
    assert InterventionEligibility.objects.get(intervention=intervention).performed_on == D(2025, 5, 3)


def test_cancelling_the_first_contact_of_a_per_patient_episode_makes_the_next_one_count(client):
    world = build_world(counting_unit="patient")
    first = world.intervention(D(2025, 5, 2), episode_reference="EP-1")
    second = world.intervention(D(2025, 5, 9), episode_reference="EP-1")
    world.recompute()
    assert world.reason_of(second) == "episode_deja_compte"
    client.force_login(world.delegate.user)
    response = client.post(reverse("protocols:intervention_cancel", kwargs={"intervention_id": first.pk}))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.cancelled_at is not None and first.cancelled_by == world.delegate.user
    assert not InterventionEligibility.objects.filter(intervention=first).exists()
    assert world.reason_of(second) == "eligible"


def test_a_coordinator_may_correct_the_delegant_may_not(client, world):
    intervention = world.intervention(D(2025, 5, 2))
    url = reverse("protocols:intervention_edit", kwargs={"intervention_id": intervention.pk})
    client.force_login(world.delegant.user)
    response = client.get(url)
    assert response.status_code == 302
    client.force_login(world.coordinator)
    assert client.get(url).status_code == 200


def test_another_professional_of_the_structure_does_not_see_it(client, world):
    intervention = world.intervention(D(2025, 5, 2))
    colleague = world.add_delegate()
    client.force_login(colleague.user)
    url = reverse("protocols:intervention_edit", kwargs={"intervention_id": intervention.pk})
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("protocols:intervention_cancel", kwargs={"intervention_id": intervention.pk})).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("half", "day", "locked"),
    [(1, D(2025, 6, 30), True), (1, D(2025, 7, 1), False), (2, D(2025, 7, 1), True), (2, D(2026, 1, 2), False)],
)
def test_an_issued_statement_freezes_the_interventions_of_its_half_year(client, world, half, day, locked):
    intervention = world.intervention(day)
    StatementFactory(grant=world.grant, year=2025, half=half, status=StatementStatus.ISSUED, issued_at=timezone.now())
    assert Intervention.objects.with_lock().get(pk=intervention.pk).is_locked is locked
    client.force_login(world.delegate.user)
    client.post(reverse("protocols:intervention_cancel", kwargs={"intervention_id": intervention.pk}))
    intervention.refresh_from_db()
    assert (intervention.cancelled_at is None) is locked


def test_a_draft_statement_freezes_nothing(world):
    intervention = world.intervention(D(2025, 3, 2))
    StatementFactory(grant=world.grant, year=2025, half=1)
    assert Intervention.objects.with_lock().get(pk=intervention.pk).is_locked is False


def test_a_frozen_intervention_shows_no_action_and_refuses_edits(client, world):
    intervention = world.intervention(D(2025, 3, 12))
    StatementFactory(grant=world.grant, year=2025, half=1, status=StatementStatus.ISSUED, issued_at=timezone.now())
    client.force_login(world.delegate.user)
    content = client.get(reverse("protocols:my_interventions")).content.decode()
    assert "Figée : état de versement émis" in content
    url = reverse("protocols:intervention_edit", kwargs={"intervention_id": intervention.pk})
    response = client.post(
        url, {"performed_on": "2025-03-13", "delegant": world.delegant.pk, "episode_reference": "EP-X"}
    )
    assert response.status_code == 400
    assert "Un état de versement couvrant cette intervention a été émis" in response.content.decode()


def test_a_coordinator_cancels_from_the_edit_page_and_goes_back_to_the_follow_up(client, world):
    intervention = world.intervention(D(2025, 5, 2))
    client.force_login(world.coordinator)
    back = reverse("funding:intervention_list") + "?annee=2025"
    edit = client.get(
        reverse("protocols:intervention_edit", kwargs={"intervention_id": intervention.pk}), {"next": back}
    )
    assert "Annuler cette intervention" in edit.content.decode()
    response = client.post(
        reverse("protocols:intervention_cancel", kwargs={"intervention_id": intervention.pk}), {"next": back}
    )
    assert response.url == back
    intervention.refresh_from_db()
    assert intervention.cancelled_by == world.coordinator
    other = world.intervention(D(2025, 5, 3))
    unsafe = client.post(
        reverse("protocols:intervention_cancel", kwargs={"intervention_id": other.pk}),
        {"next": "https://ailleurs.example/"},
    )
    assert unsafe.url == reverse("protocols:my_interventions")


def test_changing_the_protocol_offers_its_own_team(client, world):
    other = build_world(structure=world.structure)
    TeamMembershipFactory(protocol=other.protocol, professional=world.delegate, joined_on=D(2025, 3, 1))
    client.force_login(world.delegate.user)
    response = client.post(
        reverse("protocols:intervention_create") + "?verifier=1",
        {"protocol": other.protocol.pk, "delegant": world.delegant.pk, "performed_on": "2025-11-18"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "protocol"},
    )
    form = response.context["form"]
    assert list(form.fields["delegant"].queryset) == [other.delegant]
    assert "delegant" not in form.errors  # the previous team's delegant is dropped, not reported as invalid


def test_a_professional_who_is_no_active_delegate_is_told_so(client, world):
    colleague = world.add_delegate()
    colleague.team_memberships.update(left_on=D(2025, 6, 1))
    client.force_login(colleague.user)
    response = client.get(reverse("protocols:intervention_create"))
    assert response.url == reverse("protocols:my_interventions")
