"""The scoring grid: weighted score against hand-computed values, the PACA grid, freezing, committee rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding.models import Criterion, DossierState
from funding.services import grid as grid_services
from funding.services.committee import decision_record
from portal.errors import ApplicationError
from portal.roles import Role
from tests.funding.committee_world import WORKED_EXAMPLE, committee_world, flat
from tests.funding.factories import CampaignFactory, CriterionFactory
from tests.portal.factories import RegionFactory, agent_of


def _values(world, notes):
    criteria = world.criteria()
    return {criteria[code].pk: value for code, value in notes.items()}


def test_worked_example_of_the_decisions_page():
    """docs/decisions.md: criterion 1 (40 %) at 0.75 of its sub-weights, criterion 2 (60 %) at 0.6875:
    20 × (0.40 × 0.75 + 0.60 × 0.6875) = 14.25."""
    world = committee_world()
    criteria = list(Criterion.objects.filter(campaign=world.campaign))
    assert grid_services.weighted_score(_values(world, WORKED_EXAMPLE), criteria) == Decimal("14.250")


def test_non_trivial_weighting_with_a_leaf_criterion_and_other_scales():
    """A (weight 1, no sub-criterion, 0..10) noted 7; B (weight 3) with b1 (weight 1, 0..4) noted 4 and b2
    (weight 3, 0..4) noted 1. Effective weights 1, 0.75, 2.25; 20 × (0.7 + 0.75 + 0.5625) / 4 = 10.0625 → 10.063."""
    campaign = CampaignFactory()
    a = CriterionFactory(campaign=campaign, code="A", weight=Decimal("1"), scale_max=10, position=1)
    b = CriterionFactory(campaign=campaign, code="B", weight=Decimal("3"), position=2)
    b1 = CriterionFactory(campaign=campaign, parent=b, code="B1", weight=Decimal("1"), position=3)
    b2 = CriterionFactory(campaign=campaign, parent=b, code="B2", weight=Decimal("3"), position=4)
    criteria = [a, b, b1, b2]
    scored = grid_services.scored_criteria(criteria)
    assert [(item.criterion.code, item.effective_weight) for item in scored] == [
        ("A", Decimal("1")),
        ("B1", Decimal("0.75")),
        ("B2", Decimal("2.25")),
    ]
    assert [item.percent for item in scored] == [Decimal("25.0"), Decimal("18.8"), Decimal("56.3")]
    assert grid_services.weighted_score({a.pk: 7, b1.pk: 4, b2.pk: 1}, criteria) == Decimal("10.063")


def test_bounds_of_the_scale():
    world = committee_world()
    criteria = list(Criterion.objects.filter(campaign=world.campaign))
    assert grid_services.weighted_score(_values(world, flat(4)), criteria) == Decimal("20.000")
    assert grid_services.weighted_score(_values(world, flat(0)), criteria) == Decimal("0.000")
    assert grid_services.weighted_score(_values(world, flat(2)), criteria) == Decimal("10.000")


def test_a_missing_or_out_of_scale_note_is_refused():
    world = committee_world()
    criteria = list(Criterion.objects.filter(campaign=world.campaign))
    incomplete = flat(3)
    del incomplete["2.5"]
    with pytest.raises(ApplicationError, match="2.5"):
        grid_services.weighted_score(_values(world, incomplete), criteria)
    with pytest.raises(ApplicationError, match="1.1"):
        grid_services.weighted_score(_values(world, {**flat(3), "1.1": 5}), criteria)


def test_the_paca_grid_of_seed_000():
    world = committee_world()
    criteria = world.criteria()
    assert criteria["1"].label.startswith("Pertinence du protocole")
    assert criteria["2"].label == "Conditions de réalisation"
    assert [c.label for c in Criterion.objects.filter(parent=criteria["2"]).order_by("position")] == [
        "Dimensionnement de l'équipe pluriprofessionnelle",
        "Modalités de délégation de tâches",
        "Modalités de mise en œuvre de la formation",
        "Démarche qualité et sécurité des soins",
        "Suivi et évaluation",
    ]
    scored = grid_services.scored_criteria(criteria.values())
    assert len(scored) == 9
    assert sum(item.effective_weight for item in scored) == Decimal("100")
    assert [item.percent for item in scored] == [
        Decimal(p) for p in ("16", "8", "8", "8", "7.5", "15", "15", "15", "7.5")
    ]
    assert grid_services.weight_problems(criteria.values()) == []
    assert grid_services.is_portal_proposal(criteria.values())
    assert criteria["1.1"].level_labels["4"] == "Très satisfaisant"
    with pytest.raises(ApplicationError, match="déjà des critères"):
        grid_services.grid_load_paca_model(campaign=world.campaign, by=world.admin)


def test_grid_is_editable_until_the_first_score_then_frozen():
    world = committee_world()
    criteria = world.criteria()
    added = grid_services.criterion_create(
        campaign=world.campaign, by=world.admin, parent=criteria["2"], code="2.6", label="Ouverture", weight=1
    )
    grid_services.criterion_update(criterion=added, by=world.admin, label="Ouverture aux patients", weight=2)
    grid_services.criterion_delete(criterion=added, by=world.admin)
    assert not grid_services.grid_is_frozen(world.campaign)

    dossier = world.dossier()
    # A draft with a single comment and no note yet is already a first score: the grid freezes.
    assignment = world.assign(dossier, world.members[0])
    from funding.services.reviews import Note, review_declare_conflict, review_save_draft

    review = review_declare_conflict(assignment=assignment, by=world.members[0], conflict=False)
    review_save_draft(review=review, by=world.members[0], notes={criteria["1.1"].pk: Note(None, "À revoir")})
    assert grid_services.grid_is_frozen(world.campaign)
    with pytest.raises(ApplicationError, match="figée"):
        grid_services.criterion_create(campaign=world.campaign, by=world.admin, code="3", label="Autre", weight=1)
    with pytest.raises(ApplicationError, match="figée"):
        grid_services.criterion_update(criterion=criteria["1.1"], by=world.admin, weight=5)
    with pytest.raises(ApplicationError, match="figée"):
        grid_services.criterion_delete(criterion=criteria["1"], by=world.admin)
    criteria["1.1"].refresh_from_db()
    assert criteria["1.1"].weight == Decimal("40")


def test_grid_rules_of_structure_and_levels():
    world = committee_world()
    criteria = world.criteria()
    with pytest.raises(ApplicationError, match="deux niveaux"):
        grid_services.criterion_create(
            campaign=world.campaign, by=world.admin, parent=criteria["1.1"], code="1.1.1", label="x", weight=1
        )
    with pytest.raises(ValidationError) as error:
        grid_services.criterion_create(
            campaign=world.campaign, by=world.admin, code="3", label="x", weight=1, level_labels=["a", "b"]
        )
    assert "level_labels" in error.value.message_dict
    with pytest.raises(ValidationError):
        grid_services.criterion_create(campaign=world.campaign, by=world.admin, code="1", label="Doublon", weight=1)
    criterion = grid_services.criterion_create(
        campaign=world.campaign,
        by=world.admin,
        code="3",
        label="Oui / non",
        weight=1,
        scale_max=1,
        level_labels=["Non", "Oui"],
    )
    assert criterion.level_labels == {"0": "Non", "1": "Oui"}


def test_only_the_region_admin_edits_the_grid():
    world = committee_world()
    other_admin = agent_of(RegionFactory(code="CVL"), Role.REGION_ADMIN)
    for user in (world.members[0], other_admin, agent_of(world.region, Role.INSTRUCTOR)):
        with pytest.raises(ApplicationError):
            grid_services.criterion_create(campaign=world.campaign, by=user, code="9", label="x", weight=1)


def test_priority_rule_is_fixed_once_a_decision_exists_even_without_scores():
    world = committee_world()
    grid_services.committee_settings_update(
        campaign=world.campaign,
        by=world.admin,
        priority_rule="tiebreak",
        priority_bonus=Decimal("0"),
        disagreement_gap=Decimal("3"),
        min_reviewers=3,
    )
    world.campaign.refresh_from_db()
    assert (world.campaign.priority_rule, world.campaign.min_reviewers) == ("tiebreak", 3)
    dossier = world.dossier()
    decision_record(
        dossier=dossier, outcome="not_selected", motive="Hors sujet", by=world.admin, meeting=world.meeting()
    )
    with pytest.raises(ApplicationError, match="priorité"):
        grid_services.committee_settings_update(
            campaign=world.campaign,
            by=world.admin,
            priority_rule="bonus",
            priority_bonus=Decimal("2"),
            disagreement_gap=Decimal("3"),
            min_reviewers=3,
        )
    # The other rules may still change.
    grid_services.committee_settings_update(
        campaign=world.campaign,
        by=world.admin,
        priority_rule="tiebreak",
        priority_bonus=Decimal("0"),
        disagreement_gap=Decimal("5"),
        min_reviewers=2,
    )
    assert dossier.__class__.objects.get(pk=dossier.pk).state == DossierState.NOT_SELECTED


# --- Pages ---------------------------------------------------------------------------------------------------------


def test_grid_page_adds_a_criterion_and_shows_errors(client):
    world = committee_world()
    client.force_login(world.admin)
    url = reverse("funding:committee_grid", kwargs={"campaign_id": world.campaign.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert "Modalités de délégation de tâches" in response.content.decode()
    bad = client.post(url, {"code": "3", "label": "", "weight": "0", "scale_max": "4", "comment_required_below": "2"})
    assert bad.status_code == 400
    assert not Criterion.objects.filter(campaign=world.campaign, code="3").exists()
    good = client.post(
        url,
        {
            "parent": str(world.criteria()["2"].pk),
            "code": "2.6",
            "label": "Ouverture du projet",
            "weight": "1",
            "scale_max": "4",
            "comment_required_below": "2",
        },
    )
    assert good.status_code == 302
    assert Criterion.objects.get(campaign=world.campaign, code="2.6").parent == world.criteria()["2"]


def test_frozen_grid_page_has_no_edit_form(client):
    world = committee_world()
    world.score(world.dossier(), world.members[0], flat(3))
    client.force_login(world.admin)
    response = client.get(reverse("funding:committee_grid", kwargs={"campaign_id": world.campaign.pk}))
    content = response.content.decode()
    assert "Grille figée" in content
    assert "Ajouter un critère" not in content
    edit = client.post(
        reverse("funding:committee_criterion_edit", kwargs={"criterion_id": world.criteria()["1.1"].pk}),
        {"code": "1.1", "label": "Nouveau", "weight": "3", "scale_max": "4", "comment_required_below": "2"},
    )
    assert edit.status_code == 400
    assert "figée" in edit.content.decode()


def test_grid_pages_are_for_region_admins(client):
    world = committee_world()
    client.force_login(world.members[0])
    assert client.get(reverse("funding:committee_grid", kwargs={"campaign_id": world.campaign.pk})).status_code == 403
    assert client.get(reverse("funding:committee_home")).status_code == 403
