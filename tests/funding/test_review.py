"""Reviews: assignments, conflict of interest before the form, drafts, submission, locking, reopening, hidden
reviews."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding.models import ReviewAssignment, ReviewReopening, ReviewState, Score
from funding.services import reviews as review_services
from funding.services.committee import decision_record
from funding.services.reviews import Note
from portal.errors import ApplicationError
from portal.roles import Role
from tests.funding.committee_world import WORKED_EXAMPLE, committee_world, flat
from tests.portal.factories import RegionFactory, agent_of

# --- Assignments ---------------------------------------------------------------------------------------------------


def test_assignments_follow_the_matrix_and_keep_started_reviews():
    world = committee_world(members=3)
    first, second = world.dossier(), world.dossier()
    a, b, c = world.members
    changes = review_services.assignments_update(
        campaign=world.campaign, wanted={first.pk: {a.pk, b.pk}, second.pk: {b.pk, c.pk}}, by=world.admin
    )
    assert len(changes.created) == 4
    review_services.review_declare_conflict(
        assignment=ReviewAssignment.objects.get(dossier=first, reviewer=a), by=a, conflict=False
    )
    changes = review_services.assignments_update(
        campaign=world.campaign, wanted={first.pk: {c.pk}, second.pk: {b.pk, c.pk}}, by=world.admin
    )
    assert (len(changes.created), changes.removed, [x.reviewer for x in changes.kept_started]) == (1, 1, [a])
    assert set(first.assignments.values_list("reviewer", flat=True)) == {a.pk, c.pk}


def test_only_committee_members_of_the_region_review_dossiers_before_the_committee():
    world = committee_world()
    dossier = world.dossier()
    outsider = agent_of(RegionFactory(code="CVL"), Role.COMMITTEE_MEMBER)
    instructor = agent_of(world.region, Role.INSTRUCTOR)
    for user in (outsider, instructor):
        with pytest.raises(ApplicationError, match="membre"):
            review_services.assignment_create(dossier=dossier, reviewer=user, by=world.admin)
    with pytest.raises(ApplicationError):
        review_services.assignment_create(dossier=dossier, reviewer=world.members[0], by=world.members[1])
    draft = world.dossier(state="under_instruction")
    with pytest.raises(ApplicationError, match="transmis"):
        review_services.assignment_create(dossier=draft, reviewer=world.members[0], by=world.admin)
    review_services.assignment_create(dossier=dossier, reviewer=world.members[0], by=world.admin)
    review_services.assignments_update(campaign=dossier.campaign, wanted={dossier.pk: set()}, by=world.admin)
    assert not ReviewAssignment.objects.exists()


# --- Conflict of interest ------------------------------------------------------------------------------------------


def test_a_conflicted_reviewer_cannot_score_and_is_named():
    world = committee_world()
    dossier = world.dossier()
    member = world.members[0]
    assignment = world.assign(dossier, member)
    with pytest.raises(ValidationError):
        review_services.review_declare_conflict(assignment=assignment, by=member, conflict=True, details=" ")
    review = review_services.review_declare_conflict(
        assignment=assignment, by=member, conflict=True, details="J'exerce à mi-temps dans cette MSP."
    )
    assert review.conflict_declared_at is not None
    criteria = world.criteria()
    for service in (review_services.review_save_draft, review_services.review_submit):
        with pytest.raises(ApplicationError, match="conflit"):
            service(review=review, by=member, notes={criteria["1.1"].pk: Note(3)})
    assert not Score.objects.exists()
    with pytest.raises(ApplicationError, match="déjà fait"):
        review_services.review_declare_conflict(assignment=assignment, by=member, conflict=False)


def test_only_the_assigned_reviewer_declares_and_scores():
    world = committee_world()
    assignment = world.assign(world.dossier(), world.members[0])
    with pytest.raises(ApplicationError, match="désigné"):
        review_services.review_declare_conflict(assignment=assignment, by=world.members[1], conflict=False)


def test_the_scoring_form_appears_only_after_the_declaration(client):
    world = committee_world()
    member = world.members[0]
    assignment = world.assign(world.dossier(), member)
    url = reverse("funding:review_edit", kwargs={"assignment_id": assignment.pk})
    client.force_login(member)
    before = client.get(url).content.decode()
    assert "Déclaration de liens d'intérêts" in before
    assert "Grille d'évaluation" not in before
    assert "Modalités de délégation de tâches" not in before
    # Posting notes before declaring saves nothing.
    client.post(url, {f"note_{world.criteria()['1.1'].pk}": "3", "action": "draft"})
    assert not Score.objects.exists()
    declare = reverse("funding:review_declare", kwargs={"assignment_id": assignment.pk})
    assert client.post(declare, {"conflict": "oui", "conflict_details": ""}).status_code == 400
    assert client.post(declare, {"conflict": "non"}).status_code == 302
    after = client.get(url).content.decode()
    assert "Grille d'évaluation" in after
    assert "Modalités de délégation de tâches" in after


def test_a_conflicted_reviewer_sees_no_form(client):
    world = committee_world()
    member = world.members[0]
    assignment = world.assign(world.dossier(), member)
    client.force_login(member)
    client.post(
        reverse("funding:review_declare", kwargs={"assignment_id": assignment.pk}),
        {"conflict": "oui", "conflict_details": "Conjoint dans l'équipe"},
    )
    content = client.get(reverse("funding:review_edit", kwargs={"assignment_id": assignment.pk})).content.decode()
    assert "Vous avez déclaré un lien d'intérêts" in content
    assert "Grille d'évaluation" not in content
    response = client.post(
        reverse("funding:review_edit", kwargs={"assignment_id": assignment.pk}),
        {f"note_{world.criteria()['1.1'].pk}": "3", "action": "submit"},
    )
    assert response.status_code == 302
    assert not Score.objects.exists()


# --- Drafts, submission, locking ------------------------------------------------------------------------------------


def test_drafts_are_partial_and_submission_checks_completeness_and_comments():
    world = committee_world()
    member = world.members[0]
    dossier = world.dossier()
    criteria = world.criteria()
    review = world.score(dossier, member, {"1.1": 3}, submit=False)
    assert review.state == ReviewState.DRAFT
    with pytest.raises(ValidationError) as error:
        review_services.review_submit(review=review, by=member)
    assert f"note_{criteria['2.5'].pk}" in error.value.message_dict
    # A note under the threshold (2) needs a comment; a note at the threshold does not.
    notes = {criteria[code].pk: Note(value) for code, value in flat(2).items()}
    notes[criteria["2.5"].pk] = Note(1)
    with pytest.raises(ValidationError) as error:
        review_services.review_submit(review=review, by=member, notes=notes)
    assert list(error.value.message_dict) == [f"comment_{criteria['2.5'].pk}"]
    notes[criteria["2.5"].pk] = Note(1, "Pas d'indicateur de suivi")
    review = review_services.review_submit(review=review, by=member, notes=notes)
    assert review.state == ReviewState.SUBMITTED
    # 1: 2/4 everywhere = 0.5; 2: (1×2 + 2×2 + 2×2 + 2×2 + 1×1)/4 / 8 = 15/32; 20 × (2×0.5 + 3×15/32)/5 = 9.625
    assert review.weighted_score == Decimal("9.625")


def test_out_of_scale_note_is_a_field_error():
    world = committee_world()
    review = world.score(world.dossier(), world.members[0], {}, submit=False)
    pk = world.criteria()["1.1"].pk
    with pytest.raises(ValidationError) as error:
        review_services.review_save_draft(review=review, by=world.members[0], notes={pk: Note(5)})
    assert f"note_{pk}" in error.value.message_dict


def test_a_submitted_review_is_locked():
    world = committee_world()
    member = world.members[0]
    review = world.score(world.dossier(), member, WORKED_EXAMPLE)
    assert review.weighted_score == Decimal("14.250")
    pk = world.criteria()["1.1"].pk
    with pytest.raises(ApplicationError, match="verrouillée"):
        review_services.review_save_draft(review=review, by=member, notes={pk: Note(0)})
    with pytest.raises(ApplicationError, match="verrouillée"):
        review_services.review_submit(review=review, by=member)
    assert Score.objects.get(review=review, criterion_id=pk).value == 3


def test_reopening_is_an_admin_action_with_a_reason_kept_in_history():
    world = committee_world()
    member = world.members[0]
    review = world.score(world.dossier(), member, WORKED_EXAMPLE)
    with pytest.raises(ApplicationError):
        review_services.review_reopen(review=review, by=member, reason="Je me suis trompé")
    with pytest.raises(ValidationError):
        review_services.review_reopen(review=review, by=world.admin, reason="  ")
    review = review_services.review_reopen(review=review, by=world.admin, reason="Note 1.1 saisie par erreur")
    assert (review.state, review.weighted_score, review.reopened_by) == (ReviewState.DRAFT, None, world.admin)
    reopening = ReviewReopening.objects.get(review=review)
    assert (reopening.reason, reopening.previous_score) == ("Note 1.1 saisie par erreur", Decimal("14.250"))
    assert review.history.filter(state=ReviewState.SUBMITTED).exists()
    with pytest.raises(ApplicationError, match="soumise"):
        review_services.review_reopen(review=review, by=world.admin, reason="Encore")
    review = world.score(review.assignment.dossier, member, {**WORKED_EXAMPLE, "1.1": 4})
    # Criterion 1 goes from 3.75/5 to 4.25/5: 20 × (2 × 0.85 + 3 × 0.6875) / 5 = 15.05.
    assert review.weighted_score == Decimal("15.050")


def test_no_reopening_once_the_committee_decided():
    world = committee_world()
    dossier = world.dossier()
    review = world.score(dossier, world.members[0], WORKED_EXAMPLE)
    decision_record(
        dossier=dossier, outcome="selected", motive="Très bon projet", by=world.admin, meeting=world.meeting()
    )
    with pytest.raises(ApplicationError, match="prononcée"):
        review_services.review_reopen(review=review, by=world.admin, reason="Trop tard")


def test_reopen_page(client):
    world = committee_world()
    review = world.score(world.dossier(), world.members[0], WORKED_EXAMPLE)
    client.force_login(world.admin)
    url = reverse("funding:committee_review_reopen", kwargs={"review_id": review.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Erreur de saisie"}).status_code == 302
    detail = client.get(reverse("funding:committee_review_detail", kwargs={"review_id": review.pk}))
    assert "Erreur de saisie" in detail.content.decode()
    client.force_login(world.members[0])
    assert client.post(url, {"reason": "x"}).status_code == 403


# --- Hidden reviews ------------------------------------------------------------------------------------------------


def test_reviewers_see_other_reviews_only_after_submitting_their_own(client):
    world = committee_world(members=3)
    dossier = world.dossier()
    first, second, conflicted = world.members
    world.score(dossier, first, flat(4), comment="Remarquable projet de santé")
    second_review = world.score(dossier, second, flat(1), submit=False)
    conflicted_assignment = world.assign(dossier, conflicted)
    review_services.review_declare_conflict(
        assignment=conflicted_assignment, by=conflicted, conflict=True, details="Ancien associé"
    )
    second_assignment = second_review.assignment
    assert review_services.other_reviews(assignment=second_assignment) == []
    assert review_services.other_reviews(assignment=conflicted_assignment) == []
    client.force_login(second)
    url = reverse("funding:review_edit", kwargs={"assignment_id": second_assignment.pk})
    assert "Remarquable projet de santé" not in client.get(url).content.decode()
    # The reviewer cannot reach the other's assignment, nor the admin's pages.
    other = dossier.assignments.get(reviewer=first)
    assert client.get(reverse("funding:review_edit", kwargs={"assignment_id": other.pk})).status_code == 404
    assert (
        client.get(reverse("funding:committee_review_detail", kwargs={"review_id": other.review.pk})).status_code
        == 403
    )
    assert client.get(reverse("funding:committee_page", kwargs={"campaign_id": world.campaign.pk})).status_code == 403

    world.score(dossier, second, flat(1), comment="Trop vague")
    assert [r.assignment.reviewer for r in review_services.other_reviews(assignment=second_assignment)] == [first]
    assert "Remarquable projet de santé" in client.get(url).content.decode()
    client.force_login(conflicted)
    conflicted_page = reverse("funding:review_edit", kwargs={"assignment_id": conflicted_assignment.pk})
    assert "Remarquable projet de santé" not in client.get(conflicted_page).content.decode()


def test_review_list_shows_only_own_assignments(client):
    world = committee_world()
    mine = world.assign(world.dossier(), world.members[0])
    world.assign(world.dossier(), world.members[1])
    client.force_login(world.members[0])
    response = client.get(reverse("funding:review_list"))
    assert list(response.context["page"].object_list) == [mine]


def test_autosave_with_htmx_returns_a_status_fragment(client):
    world = committee_world()
    member = world.members[0]
    review = world.score(world.dossier(), member, {}, submit=False)
    client.force_login(member)
    pk = world.criteria()["1.1"].pk
    url = reverse("funding:review_edit", kwargs={"assignment_id": review.assignment.pk})
    response = client.post(url, {f"note_{pk}": "3", f"comment_{pk}": "Bien"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Brouillon enregistré" in response.content.decode()
    assert Score.objects.get(review=review, criterion_id=pk).value == 3
    submit = client.post(url, {f"note_{pk}": "3", "action": "submit"})
    assert submit.status_code == 400
    assert Score.objects.get(review=review, criterion_id=pk).value == 3
    review.refresh_from_db()
    assert review.state == ReviewState.DRAFT
