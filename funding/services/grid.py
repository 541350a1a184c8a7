"""The scoring grid of a campaign: criteria, sub-criteria, weights, and the weighted score of a review.

The weighted score (out of 20) of a review is defined once, here:

    A criterion c (no parent) has a weight W_c. Its sub-criteria s have weights w_s; a criterion without
    sub-criteria is scored itself (it is its own only sub-criterion). Each sub-criterion is noted v_s on 0..max_s.
    The effective weight of a sub-criterion is e_s = W_c × w_s / Σ_{s' ∈ c} w_s', so that a criterion weighs W_c
    whatever the number of its sub-criteria, and the sub-criteria share it in proportion of their weights.

        score = 20 × Σ_s e_s × v_s / max_s  ÷  Σ_s e_s        (Σ_s e_s = Σ_c W_c)

    rounded half-up to the thousandth. A worked example is in docs/decisions.md ("Commission de sélection").

Weights are the ARS's choice (seed 000 names the criteria, not their weights). They read as percentages: a criterion's
weight is its share of the score, and the criteria total 100; a sub-criterion's weight is its share of its
criterion, and the sub-criteria of a criterion total 100. Each weight lies in ``WEIGHT_MIN``..``WEIGHT_MAX``
(constraint in the database). While the admin edits criterion by criterion the totals may be off for a moment
(``weight_problems`` lists them on the grid page); ``grid_weights_update`` changes them all at once and refuses a
total other than 100; no review can be scored on a grid whose totals are off.

The grid is frozen as soon as a first score row exists for the campaign: criteria and weights can no longer be
added, changed or removed, so every review is scored against the same grid and a stored score never changes. The
priority rule and bonus, which move the ranking, freeze at the same moment.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from funding.models import Campaign, Criterion, Decision, PriorityRule, Score
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role

TWENTY = Decimal(20)
THOUSANDTH = Decimal("0.001")

DEFAULT_LEVELS = {
    "0": "Absent ou hors sujet",
    "1": "Insuffisant",
    "2": "Partiel",
    "3": "Satisfaisant",
    "4": "Très satisfaisant",
}

HUNDRED = Decimal(100)
WEIGHT_MIN = Decimal(1)
WEIGHT_MAX = Decimal(100)

# The selection criteria of the PACA AMI (seed 000, §3 "Commission de sélection"). Seed 000 gives no weights: the
# weights below are the PORTAL'S PROPOSAL, loaded with the criteria for the region admin to keep or change
# (criterion 1 counts for 40 %, criterion 2 for 60 %; the sub-criteria share their criterion in %).
PACA_GRID = [
    (
        "1",
        "Pertinence du protocole local de coopération sur le territoire",
        "40",
        [
            ("1.1", "Au regard du projet de santé de la structure", "40"),
            ("1.2", "Au regard des patients concernés", "20"),
            ("1.3", "Au regard des délégués", "20"),
            ("1.4", "Au regard des délégants", "20"),
        ],
    ),
    (
        "2",
        "Conditions de réalisation",
        "60",
        [
            ("2.1", "Dimensionnement de l'équipe pluriprofessionnelle", "12.5"),
            ("2.2", "Modalités de délégation de tâches", "25"),
            ("2.3", "Modalités de mise en œuvre de la formation", "25"),
            ("2.4", "Démarche qualité et sécurité des soins", "25"),
            ("2.5", "Suivi et évaluation", "12.5"),
        ],
    ),
]


def _format_percent(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def weight_problems(criteria) -> list[str]:
    """What keeps the grid's weights from totalling 100 (criteria, and sub-criteria within each criterion), in
    French, in grid order; empty when the weighting is complete. ``criteria``: every Criterion of one campaign."""
    criteria = sorted(criteria, key=lambda c: (c.position, c.code))
    tops = [c for c in criteria if not c.parent_id]
    if not tops:
        return ["La grille est vide."]
    problems = []
    total = sum((top.weight for top in tops), Decimal(0))
    if total != HUNDRED:
        problems.append(f"Les critères totalisent {_format_percent(total)} % au lieu de 100 %.")
    for top in tops:
        subs = [c for c in criteria if c.parent_id == top.pk]
        sub_total = sum((sub.weight for sub in subs), Decimal(0))
        if subs and sub_total != HUNDRED:
            problems.append(
                f"Les sous-critères du critère {top.code} totalisent {_format_percent(sub_total)} % au lieu de 100 %."
            )
    return problems


def is_portal_proposal(criteria) -> bool:
    """Whether the grid carries exactly the portal's proposed weights of ``PACA_GRID`` (shown as such to the
    admin, who decides)."""
    proposed = {code: Decimal(weight) for code, _label, weight, subs in PACA_GRID} | {
        code: Decimal(weight) for *_top, subs in PACA_GRID for code, _label, weight in subs
    }
    current = {criterion.code: criterion.weight for criterion in criteria}
    return bool(current) and current == proposed


@dataclass(frozen=True)
class ScoredCriterion:
    """A criterion a reviewer notes (a sub-criterion, or a criterion without sub-criteria)."""

    criterion: Criterion
    parent: Criterion | None
    effective_weight: Decimal
    percent: Decimal  # share of the whole score, for display


def scored_criteria(criteria) -> list[ScoredCriterion]:
    """The criteria a reviewer notes, in grid order, with their effective weights (see the module docstring).

    ``criteria`` is every Criterion of one campaign (already fetched: no query here)."""
    criteria = sorted(criteria, key=lambda c: (c.position, c.code))
    children = defaultdict(list)
    for criterion in criteria:
        if criterion.parent_id:
            children[criterion.parent_id].append(criterion)
    tops = [c for c in criteria if not c.parent_id]
    grand_total = sum((top.weight for top in tops), Decimal(0))
    weighted = []
    for top in tops:
        subs = children.get(top.pk)
        if not subs:
            weighted.append((top, None, top.weight))
            continue
        total = sum((sub.weight for sub in subs), Decimal(0))
        weighted.extend((sub, top, top.weight * sub.weight / total) for sub in subs)
    return [
        ScoredCriterion(
            criterion, parent, weight, (100 * weight / grand_total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        )
        for criterion, parent, weight in weighted
    ]


def weighted_score(values: dict[int, int], criteria) -> Decimal:
    """The weighted score out of 20 of notes ``values`` (criterion id → note) on the grid ``criteria``.

    Every scored criterion must have a note within its scale."""
    scored = scored_criteria(criteria)
    if not scored:
        raise ApplicationError("La grille d'évaluation est vide.")
    numerator = Decimal(0)
    total_weight = Decimal(0)
    for item in scored:
        value = values.get(item.criterion.pk)
        if value is None or not 0 <= value <= item.criterion.scale_max:
            raise ApplicationError(f"Notez le critère {item.criterion.code} entre 0 et {item.criterion.scale_max}.")
        numerator += item.effective_weight * Decimal(value) / Decimal(item.criterion.scale_max)
        total_weight += item.effective_weight
    return (TWENTY * numerator / total_weight).quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def grid_is_frozen(campaign: Campaign) -> bool:
    return Score.objects.filter(criterion__campaign=campaign).exists()


def grid_check_scorable(criteria) -> None:
    """Refuse a first score on a grid whose weights do not total 100 (the weighting the ARS retains is complete
    before anyone scores, and then frozen)."""
    problems = weight_problems(criteria)
    if problems:
        raise ApplicationError(
            "La pondération de la grille n'est pas complète : " + " ".join(problems), code="weights_incomplete"
        )


def _check_admin(campaign: Campaign, by) -> None:
    if campaign.region_id not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Seul un administrateur de l'ARS de la campagne modifie la grille et la commission.")


def _check_editable(campaign: Campaign, by) -> None:
    _check_admin(campaign, by)
    # Lock the campaign so that a first score and a grid change cannot cross (the review service locks it too).
    Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    if grid_is_frozen(campaign):
        raise ApplicationError("La grille est figée : une première note a été saisie.", code="grid_frozen")


def _clean_levels(level_labels, scale_max: int) -> dict:
    if not level_labels:
        return {}
    if len(level_labels) != scale_max + 1:
        raise ValidationError(
            {"level_labels": f"Donnez un libellé par niveau, de 0 à {scale_max} ({scale_max + 1} libellés)."}
        )
    return {str(level): label for level, label in enumerate(level_labels)}


@transaction.atomic
def criterion_create(
    *,
    campaign: Campaign,
    by,
    code: str,
    label: str,
    weight: Decimal,
    parent: Criterion | None = None,
    description: str = "",
    scale_max: int = 4,
    comment_required_below: int = 2,
    level_labels: list[str] | None = None,
    position: int | None = None,
) -> Criterion:
    """Add a criterion (``parent`` None) or a sub-criterion of a criterion, while the grid is not frozen."""
    _check_editable(campaign, by)
    if parent is not None and (parent.campaign_id != campaign.pk or parent.parent_id is not None):
        raise ApplicationError("Un sous-critère se rattache à un critère de la même grille (deux niveaux au plus).")
    if position is None:
        position = Criterion.objects.filter(campaign=campaign).count() + 1
    criterion = Criterion(
        campaign=campaign,
        parent=parent,
        code=code,
        label=label,
        weight=weight,
        description=description,
        scale_max=scale_max,
        comment_required_below=comment_required_below,
        level_labels=_clean_levels(level_labels, scale_max) or _default_levels(scale_max),
        position=position,
    )
    _validate(criterion)
    criterion.save()
    return criterion


def _default_levels(scale_max: int) -> dict:
    return dict(DEFAULT_LEVELS) if scale_max == 4 else {}


def _validate(criterion: Criterion) -> None:
    if criterion.comment_required_below > criterion.scale_max + 1:
        raise ValidationError(
            {"comment_required_below": "Le seuil du commentaire obligatoire dépasse l'échelle de notation."}
        )
    criterion.full_clean()


@transaction.atomic
def criterion_update(*, criterion: Criterion, by, level_labels: list[str] | None = None, **fields) -> Criterion:
    """Change a criterion's label, description, weight, scale or comment threshold while the grid is not frozen."""
    _check_editable(criterion.campaign, by)
    allowed = {"code", "label", "description", "weight", "scale_max", "comment_required_below", "position"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Champs non modifiables : {sorted(unknown)}")
    for name, value in fields.items():
        setattr(criterion, name, value)
    if level_labels is not None:
        criterion.level_labels = _clean_levels(level_labels, criterion.scale_max) or _default_levels(
            criterion.scale_max
        )
    elif criterion.level_labels and len(criterion.level_labels) != criterion.scale_max + 1:
        criterion.level_labels = _default_levels(criterion.scale_max)
    _validate(criterion)
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, by) -> None:
    """Remove a criterion and its sub-criteria while the grid is not frozen."""
    _check_editable(criterion.campaign, by)
    criterion.children.all().delete()
    criterion.delete()


@transaction.atomic
def grid_weights_update(*, campaign: Campaign, by, weights: dict[int, Decimal]) -> list[Criterion]:
    """Set the weights of the whole grid at once (criterion id → weight in %), as the ARS retains them: every
    criterion of the grid is given, each weight within bounds, the criteria total 100 and so do the sub-criteria of
    each criterion. Refused once the grid is frozen (a first score exists)."""
    _check_editable(campaign, by)
    criteria = list(Criterion.objects.filter(campaign=campaign).order_by("position", "code"))
    if set(weights) != {criterion.pk for criterion in criteria}:
        raise ApplicationError("Donnez la pondération de chaque critère et sous-critère de la grille.")
    errors = {}
    for criterion in criteria:
        weight = weights[criterion.pk]
        if weight is None or not WEIGHT_MIN <= weight <= WEIGHT_MAX:
            errors[f"weight_{criterion.pk}"] = (
                f"La pondération du critère {criterion.code} est comprise entre {WEIGHT_MIN} et {WEIGHT_MAX} %."
            )
        criterion.weight = weight
    if errors:
        raise ValidationError(errors)
    problems = weight_problems(criteria)
    if problems:
        raise ValidationError(problems)
    changed = []
    for criterion in criteria:
        criterion.full_clean()
        criterion.save(update_fields=["weight"])
        changed.append(criterion)
    return changed


@transaction.atomic
def grid_load_paca_model(*, campaign: Campaign, by) -> list[Criterion]:
    """Fill an empty grid with the criteria of the PACA AMI (seed 000), which the admin may then adjust."""
    _check_editable(campaign, by)
    if campaign.criteria.exists():
        raise ApplicationError("La grille contient déjà des critères.")
    created = []
    position = 0
    for code, label, weight, subs in PACA_GRID:
        position += 1
        top = Criterion.objects.create(
            campaign=campaign, code=code, label=label, weight=Decimal(weight), position=position, level_labels={}
        )
        created.append(top)
        for sub_code, sub_label, sub_weight in subs:
            position += 1
            created.append(
                Criterion.objects.create(
                    campaign=campaign,
                    parent=top,
                    code=sub_code,
                    label=sub_label,
                    weight=Decimal(sub_weight),
                    position=position,
                    scale_max=4,
                    comment_required_below=2,
                    level_labels=dict(DEFAULT_LEVELS),
                )
            )
    return created


@transaction.atomic
def committee_settings_update(
    *,
    campaign: Campaign,
    by,
    priority_rule: str,
    priority_bonus: Decimal,
    disagreement_gap: Decimal,
    min_reviewers: int,
) -> Campaign:
    """The committee's rules of a campaign: priority of ZIP/ZAC/QPV territories, disagreement gap, reviewers per
    dossier. The priority rule and bonus move the ranking: like the weights, they freeze with the grid at the first
    score, so that no computed ranking changes under the committee's eyes."""
    _check_admin(campaign, by)
    campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    priority_changed = (campaign.priority_rule, campaign.priority_bonus) != (priority_rule, priority_bonus)
    if priority_changed and (grid_is_frozen(campaign) or Decision.objects.filter(dossier__campaign=campaign).exists()):
        raise ApplicationError(
            "La règle de priorité ne change plus : l'évaluation a commencé (une première note est saisie), le "
            "classement repose sur la règle en vigueur à ce moment.",
            code="priority_frozen",
        )
    if priority_rule not in PriorityRule.values:
        raise ValidationError({"priority_rule": "Règle de priorité inconnue."})
    campaign.priority_rule = priority_rule
    campaign.priority_bonus = priority_bonus
    campaign.disagreement_gap = disagreement_gap
    campaign.min_reviewers = min_reviewers
    campaign.full_clean()
    campaign.save(update_fields=["priority_rule", "priority_bonus", "disagreement_gap", "min_reviewers"])
    return campaign
