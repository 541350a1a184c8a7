"""The grid's weights are the ARS's: bounds and totals, the whole weighting saved at once, no score on an incomplete
weighting, frozen with the first score (scores and ranking never move), and shown publicly as the ARS's choice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from funding.models import Criterion, Review
from funding.services import grid as grid_services
from funding.services.ranking import ranked_dossiers
from portal.errors import ApplicationError
from tests.funding.committee_world import committee_world, flat
from tests.funding.factories import CriterionFactory


def _weights(world, **by_code):
    """Every weight of the world's grid, with the given ones (code with "_" for ".") changed."""
    changed = {code.replace("_", "."): Decimal(value) for code, value in by_code.items()}
    return {c.pk: changed.get(c.code, c.weight) for c in world.criteria().values()}


def test_a_weight_lies_between_1_and_100_in_the_database_too():
    world = committee_world()
    criterion = world.criteria()["1.1"]
    for bad in (Decimal("0.5"), Decimal("100.01")):
        criterion.weight = bad
        with pytest.raises(ValidationError):
            criterion.full_clean()
    criterion.weight = Decimal("100")
    criterion.full_clean()
    with pytest.raises(IntegrityError):
        CriterionFactory(campaign=world.campaign, code="9", weight=Decimal("0"))


def test_the_admin_sets_the_weighting_at_once_and_totals_must_be_100():
    world = committee_world()
    updated = grid_services.grid_weights_update(
        campaign=world.campaign,
        by=world.admin,
        weights=_weights(world, **{"1": 50, "2": 50, "1_1": 25, "1_2": 25, "1_3": 25, "1_4": 25}),
    )
    assert len(updated) == 11
    criteria = world.criteria()
    assert (criteria["1"].weight, criteria["2"].weight, criteria["1.1"].weight) == (50, 50, 25)
    assert not grid_services.is_portal_proposal(criteria.values())

    with pytest.raises(ValidationError, match="Les critères totalisent 110 %"):
        grid_services.grid_weights_update(
            campaign=world.campaign, by=world.admin, weights=_weights(world, **{"1": 60})
        )
    with pytest.raises(ValidationError, match="sous-critères du critère 2 totalisent 99,5 %"):
        grid_services.grid_weights_update(
            campaign=world.campaign, by=world.admin, weights=_weights(world, **{"2_1": "12"})
        )
    with pytest.raises(ValidationError) as error:
        grid_services.grid_weights_update(
            campaign=world.campaign, by=world.admin, weights=_weights(world, **{"1": 0, "2": 100})
        )
    assert f"weight_{criteria['1'].pk}" in error.value.message_dict
    with pytest.raises(ApplicationError, match="chaque critère"):
        grid_services.grid_weights_update(
            campaign=world.campaign, by=world.admin, weights={criteria["1"].pk: Decimal(100)}
        )
    # Nothing half-saved.
    assert {c.code: c.weight for c in world.criteria().values()} == {c.code: c.weight for c in criteria.values()}


def test_no_first_score_on_an_incomplete_weighting():
    world = committee_world()
    criteria = world.criteria()
    grid_services.criterion_update(criterion=criteria["1"], by=world.admin, weight=Decimal("50"))
    assert grid_services.weight_problems(world.criteria().values()) == [
        "Les critères totalisent 110 % au lieu de 100 %."
    ]
    dossier = world.dossier()
    with pytest.raises(ApplicationError, match="pondération de la grille n'est pas complète"):
        world.score(dossier, world.members[0], flat(3), submit=False)
    assert not grid_services.grid_is_frozen(world.campaign)
    grid_services.criterion_update(criterion=criteria["2"], by=world.admin, weight=Decimal("50"))
    world.score(dossier, world.members[0], flat(3))
    assert grid_services.grid_is_frozen(world.campaign)


def test_weights_and_priority_freeze_with_the_first_score_so_scores_and_ranking_never_move():
    world = committee_world()
    first, second = world.dossier(in_zip=True), world.dossier()
    world.score(first, world.members[0], {**flat(2), "1.1": 4})
    world.score(second, world.members[0], {**flat(3), "1.1": 1})
    before = [
        (d.reference, d.merit, d.ranking_score, d.rank)
        for d in ranked_dossiers(campaign=world.campaign, wave=world.wave)
    ]
    scores = list(Review.objects.order_by("pk").values_list("weighted_score", flat=True))

    with pytest.raises(ApplicationError, match="figée"):
        grid_services.grid_weights_update(
            campaign=world.campaign, by=world.admin, weights=_weights(world, **{"1": 60, "2": 40})
        )
    with pytest.raises(ApplicationError, match="priorité ne change plus"):
        grid_services.committee_settings_update(
            campaign=world.campaign,
            by=world.admin,
            priority_rule="bonus",
            priority_bonus=Decimal("3"),
            disagreement_gap=Decimal("4"),
            min_reviewers=2,
        )
    # The flags that do not move the ranking still change.
    grid_services.committee_settings_update(
        campaign=world.campaign,
        by=world.admin,
        priority_rule="bonus",
        priority_bonus=Decimal("1.00"),
        disagreement_gap=Decimal("2"),
        min_reviewers=1,
    )
    after = [
        (d.reference, d.merit, d.ranking_score, d.rank)
        for d in ranked_dossiers(campaign=world.campaign, wave=world.wave)
    ]
    assert after == before
    assert list(Review.objects.order_by("pk").values_list("weighted_score", flat=True)) == scores
    # A reopened review resubmitted with the same notes gets the same score: the grid did not move.
    review = Review.objects.get(assignment__dossier=first)
    from funding.services.reviews import review_reopen, review_submit

    review_reopen(review=review, by=world.admin, reason="Vérification")
    assert review_submit(review=review, by=world.members[0]).weighted_score == scores[0]


def test_weighting_page_saves_or_answers_400_with_nothing_saved(client):
    world = committee_world()
    client.force_login(world.admin)
    grid_url = reverse("funding:committee_grid", kwargs={"campaign_id": world.campaign.pk})
    page = client.get(grid_url).content.decode()
    assert "Pondération retenue par l'ARS" in page
    assert 'data-testid="portal-proposal"' in page
    assert "proposition du portail" in page
    url = reverse("funding:committee_grid_weights", kwargs={"campaign_id": world.campaign.pk})
    data = {f"weight_{pk}": str(value) for pk, value in _weights(world).items()}
    criteria = world.criteria()
    bad = client.post(url, {**data, f"weight_{criteria['1'].pk}": "45"})
    assert bad.status_code == 400
    assert "Les critères totalisent 105 %" in bad.content.decode()
    out_of_bounds = client.post(url, {**data, f"weight_{criteria['1'].pk}": "150"})
    assert out_of_bounds.status_code == 400
    assert world.criteria()["1"].weight == Decimal("40")
    good = client.post(url, {**data, f"weight_{criteria['1'].pk}": "30", f"weight_{criteria['2'].pk}": "70"})
    assert good.status_code == 302
    assert (world.criteria()["1"].weight, world.criteria()["2"].weight) == (30, 70)
    page = client.get(grid_url).content.decode()
    assert 'data-testid="portal-proposal"' not in page
    assert 'data-testid="weight-problems"' not in page


def test_grid_page_warns_of_incomplete_totals(client):
    world = committee_world()
    grid_services.criterion_create(
        campaign=world.campaign, by=world.admin, parent=world.criteria()["2"], code="2.6", label="Ouverture", weight=10
    )
    client.force_login(world.admin)
    page = client.get(reverse("funding:committee_grid", kwargs={"campaign_id": world.campaign.pk})).content.decode()
    assert "Les sous-critères du critère 2 totalisent 110 % au lieu de 100 %." in page


def test_public_grid_is_the_weighting_retained_by_the_ars(client):
    world = committee_world()
    world.campaign.published_at = timezone.now()
    world.campaign.save(update_fields=["published_at"])
    grid_services.grid_weights_update(
        campaign=world.campaign, by=world.admin, weights=_weights(world, **{"1": 35, "2": 65})
    )
    response = client.get(reverse("funding:public_campaign", kwargs={"campaign_id": world.campaign.pk}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "pondération retenue par l'ARS" in content
    assert "35 % de la note" in content and "65 % de la note" in content
    assert "40 % du critère 1" in content
    assert Criterion.objects.filter(campaign=world.campaign).count() == 11
