"""Reads of the committee page (selectors): the ranking of a wave's dossiers, computed in SQL.

A dossier's merit is the mean of the weighted scores of its submitted reviews (conflicted members do not score),
rounded to the hundredth so that dossiers shown with the same merit rank together. The spread is the gap between
the highest and the lowest of those scores; above the campaign's ``disagreement_gap`` the dossier is flagged.
A dossier is a priority if its territory is a ZIP, a ZAC or a QPV. The campaign's priority rule then says:

- ``none``: rank by merit; the flag is informative;
- ``bonus``: rank by merit + the campaign's bonus for priority dossiers (merit and bonus are shown apart);
- ``tiebreak``: rank by merit, and among equal merits priority dossiers first.

Equal ranking keys share a rank (1, 2, 2, 4: SQL ``RANK()``); dossiers without a submitted review come last,
unranked. Two queries whatever the number of dossiers and reviewers: the dossiers with their aggregates and rank,
then the assignments (with reviews) of the page's dossiers.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Rank, Round

from funding.models import (
    Campaign,
    Decision,
    DecisionOutcome,
    Dossier,
    DossierState,
    PriorityRule,
    ReviewAssignment,
    ReviewState,
    Wave,
)

COMMITTEE_STATES = [
    DossierState.TO_COMMITTEE,
    DossierState.SELECTED,
    DossierState.WAITING_LIST,
    DossierState.NOT_SELECTED,
]
SCORE = DecimalField(max_digits=7, decimal_places=3)
# Sort keys of the committee page (?tri=…, a leading "-" reverses).
SORTS = {
    "rang": ["rank", "reference"],
    "moyenne": [F("merit").desc(nulls_last=True), "reference"],
    "ecart": [F("spread").desc(nulls_last=True), "reference"],
    "reference": ["reference"],
    "structure": ["structure__name", "reference"],
}
REVERSED = {
    "rang": [F("rank").desc(nulls_first=True), "-reference"],
    "moyenne": [F("merit").asc(nulls_last=True), "-reference"],
    "ecart": [F("spread").asc(nulls_last=True), "-reference"],
    "reference": ["-reference"],
    "structure": ["-structure__name", "-reference"],
}


def _counted(prefix: str = "assignments__review__") -> Q:
    return Q(**{f"{prefix}state": ReviewState.SUBMITTED, f"{prefix}conflict_of_interest": False})


def ranked_dossiers(*, campaign: Campaign, wave: Wave, sort: str = "rang"):
    """The wave's dossiers before the committee, with merit, spread, counts, priority flag, ranking score and rank
    (see the module docstring)."""
    counted = _counted()
    score = "assignments__review__weighted_score"
    priority = Q(in_zip=True) | Q(in_zac=True) | Q(in_qpv=True)
    bonus = campaign.priority_bonus if campaign.priority_rule == PriorityRule.BONUS else Decimal(0)
    queryset = (
        Dossier.objects.filter(campaign=campaign, wave=wave, state__in=COMMITTEE_STATES)
        .select_related("structure", "decision")
        .annotate(
            merit=Round(Avg(score, filter=counted, output_field=SCORE), 2, output_field=SCORE),
            high=Max(score, filter=counted),
            low=Min(score, filter=counted),
            submitted_count=Count("assignments__review", filter=counted),
            assigned_count=Count("assignments"),
            conflict_count=Count("assignments__review", filter=Q(assignments__review__conflict_of_interest=True)),
            is_priority=ExpressionWrapper(priority, output_field=BooleanField()),
        )
        .annotate(
            spread=ExpressionWrapper(F("high") - F("low"), output_field=SCORE),
            ranking_score=Case(
                When(priority, then=ExpressionWrapper(F("merit") + Value(bonus), output_field=SCORE)),
                default=F("merit"),
                output_field=SCORE,
            ),
        )
    )
    order = [F("ranking_score").desc(nulls_last=True)]
    if campaign.priority_rule == PriorityRule.TIEBREAK:
        order.append(F("is_priority").desc())
    queryset = queryset.annotate(rank=Window(Rank(), order_by=order))
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = "rang", False
    return queryset.order_by(*(REVERSED if descending else SORTS)[key])


@dataclass
class ReviewerCell:
    """What the committee page shows of one reviewer on one dossier."""

    assignment: ReviewAssignment

    @property
    def review(self):
        return getattr(self.assignment, "review", None)

    @property
    def status(self) -> str:
        review = self.review
        if review is None:
            return "not_started"
        if review.conflict_of_interest:
            return "conflict"
        return review.state


@dataclass
class CommitteeRow:
    dossier: Dossier
    reviewers: list[ReviewerCell]
    gap_exceeded: bool
    missing_reviews: bool
    grant: object = None  # set by the page when the dossier has its grant

    @property
    def rank(self):
        return self.dossier.rank if self.dossier.merit is not None else None


def committee_rows(*, campaign: Campaign, dossiers) -> list[CommitteeRow]:
    """Attach each reviewer's cell to the (already evaluated) ranked dossiers, with one query."""
    dossiers = list(dossiers)
    by_dossier: dict[int, list[ReviewerCell]] = {dossier.pk: [] for dossier in dossiers}
    assignments = (
        ReviewAssignment.objects.filter(dossier__in=[dossier.pk for dossier in dossiers])
        .select_related("reviewer", "review")
        .order_by("reviewer__last_name", "reviewer__first_name", "pk")
    )
    for assignment in assignments:
        by_dossier[assignment.dossier_id].append(ReviewerCell(assignment))
    rows = []
    for dossier in dossiers:
        gap = dossier.spread is not None and dossier.spread > campaign.disagreement_gap
        rows.append(
            CommitteeRow(
                dossier=dossier,
                reviewers=by_dossier[dossier.pk],
                gap_exceeded=gap,
                missing_reviews=dossier.submitted_count < campaign.min_reviewers,
            )
        )
    return rows


@dataclass(frozen=True)
class Quota:
    selected: int
    funded: int

    @property
    def exceeded(self) -> bool:
        return self.selected > self.funded

    @property
    def remaining(self) -> int:
        return max(0, self.funded - self.selected)


def wave_quota(wave: Wave) -> Quota:
    """Dossiers selected in the wave against the number of projects it funds (withdrawn dossiers free a place)."""
    selected = (
        Decision.objects.filter(dossier__wave=wave, outcome=DecisionOutcome.SELECTED)
        .exclude(dossier__state=DossierState.WITHDRAWN)
        .count()
    )
    return Quota(selected=selected, funded=wave.projects_funded)


def committee_waves(campaign: Campaign) -> list[Wave]:
    """The campaign's waves, each with the number of dossiers before the committee."""
    return list(
        Wave.objects.filter(campaign=campaign)
        .annotate(committee_count=Coalesce(Count("dossiers", filter=Q(dossiers__state__in=COMMITTEE_STATES)), 0))
        .order_by("number")
    )
