"""Reviews of dossiers by the committee members: assignment, conflict of interest, scoring, submission, reopening.

The order is fixed: the region admin assigns a member to a dossier; the member first declares whether they have a
conflict of interest (a conflicted member never sees the scoring form, never scores, and is named in the minutes);
then they note each scored criterion with a comment, save drafts, and submit. A submitted review is locked; only
the region admin reopens it, with a reason kept in ``ReviewReopening`` and in the history. A member sees the other
members' reviews of a dossier only once their own is submitted.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from funding.models import (
    Campaign,
    Criterion,
    Dossier,
    DossierState,
    Review,
    ReviewAssignment,
    ReviewReopening,
    ReviewState,
    Score,
)
from funding.services.grid import grid_check_scorable, grid_is_frozen, scored_criteria, weighted_score
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.models import User
from portal.roles import Role

REVIEWABLE_STATES = {DossierState.TO_COMMITTEE}


def committee_members(region) -> list[User]:
    """The committee members of an ARS, by name."""
    return list(
        User.objects.filter(region_memberships__region=region, region_memberships__role=Role.COMMITTEE_MEMBER)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def _check_region_admin(region_id: int, by) -> None:
    if region_id not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Cette action est réservée à l'administrateur régional de l'ARS.", code="forbidden")


# --- Assignments --------------------------------------------------------------------------------------------------


@dataclass
class AssignmentChanges:
    created: list[ReviewAssignment] = field(default_factory=list)
    removed: int = 0
    kept_started: list[ReviewAssignment] = field(default_factory=list)


@transaction.atomic
def assignment_create(*, dossier: Dossier, reviewer: User, by) -> ReviewAssignment:
    _check_region_admin(dossier.campaign.region_id, by)
    if dossier.state not in REVIEWABLE_STATES:
        raise ApplicationError(f"Le dossier {dossier.reference} n'est pas transmis à la commission.")
    if reviewer.pk not in {member.pk for member in committee_members(dossier.campaign.region)}:
        raise ApplicationError(f"{reviewer} n'est pas membre de la commission de cette ARS.")
    assignment, _created = ReviewAssignment.objects.get_or_create(
        dossier=dossier, reviewer=reviewer, defaults={"assigned_by": by}
    )
    return assignment


@transaction.atomic
def assignments_update(*, campaign: Campaign, wanted: dict[int, set[int]], by) -> AssignmentChanges:
    """Make the assignments of the campaign's dossiers (dossier id → reviewer ids) match ``wanted``. Started
    reviews are never withdrawn. Dossiers absent from ``wanted`` are left as they are."""
    _check_region_admin(campaign.region_id, by)
    members = {member.pk: member for member in committee_members(campaign.region)}
    dossiers = {
        dossier.pk: dossier
        for dossier in Dossier.objects.filter(campaign=campaign, pk__in=wanted, state__in=REVIEWABLE_STATES)
    }
    if set(wanted) - set(dossiers):
        raise ApplicationError("Seuls les dossiers transmis à la commission reçoivent des évaluateurs.")
    unknown = set().union(*wanted.values()) - set(members) if wanted else set()
    if unknown:
        raise ApplicationError("Seuls les membres de la commission de l'ARS peuvent évaluer les dossiers.")
    changes = AssignmentChanges()
    existing = ReviewAssignment.objects.filter(dossier__in=dossiers.values()).select_related("reviewer", "review")
    current: dict[int, dict[int, ReviewAssignment]] = {}
    for assignment in existing:
        current.setdefault(assignment.dossier_id, {})[assignment.reviewer_id] = assignment
    for dossier_id, reviewer_ids in wanted.items():
        have = current.get(dossier_id, {})
        for reviewer_id in sorted(set(reviewer_ids) - set(have)):
            changes.created.append(
                ReviewAssignment.objects.create(
                    dossier=dossiers[dossier_id], reviewer=members[reviewer_id], assigned_by=by
                )
            )
        for reviewer_id, assignment in have.items():
            if reviewer_id in reviewer_ids:
                continue
            if hasattr(assignment, "review"):
                changes.kept_started.append(assignment)
            else:
                assignment.delete()
                changes.removed += 1
    return changes


# --- Conflict of interest, scoring, submission ---------------------------------------------------------------------


def _check_reviewer(assignment: ReviewAssignment, by) -> None:
    if assignment.reviewer_id != by.pk:
        raise ApplicationError("Seul l'évaluateur désigné remplit cette évaluation.", code="forbidden")
    region_id = assignment.dossier.campaign.region_id
    if region_id not in get_scope(by).region_ids([Role.COMMITTEE_MEMBER]):
        raise ApplicationError("Vous n'êtes plus membre de la commission de cette ARS.", code="forbidden")


@transaction.atomic
def review_declare_conflict(*, assignment: ReviewAssignment, by, conflict: bool, details: str = "") -> Review:
    """The first step of a review: the member declares a conflict of interest, or its absence. Final."""
    _check_reviewer(assignment, by)
    assignment = ReviewAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    if Review.objects.filter(assignment=assignment).exists():
        raise ApplicationError("Vous avez déjà fait votre déclaration d'intérêts pour ce dossier.")
    if assignment.dossier.state not in REVIEWABLE_STATES:
        raise ApplicationError("La commission s'est déjà prononcée sur ce dossier.")
    details = details.strip()
    if conflict and not details:
        raise ValidationError({"conflict_details": "Précisez la nature du lien d'intérêts."})
    review = Review(
        assignment=assignment,
        conflict_of_interest=conflict,
        conflict_details=details if conflict else "",
        conflict_declared_at=timezone.now(),
    )
    review.full_clean()
    review.save()
    return review


@dataclass(frozen=True)
class Note:
    value: int | None
    comment: str = ""


def _lock_review(review: Review, by) -> Review:
    locked = (
        Review.objects.select_for_update(of=("self",))
        .select_related("assignment__dossier__campaign")
        .get(pk=review.pk)
    )
    _check_reviewer(locked.assignment, by)
    if locked.conflict_of_interest is not False:
        raise ApplicationError(
            "Vous avez déclaré un conflit d'intérêts sur ce dossier : vous ne le notez pas.", code="conflict"
        )
    if locked.state == ReviewState.SUBMITTED:
        raise ApplicationError("Cette évaluation est soumise et verrouillée.", code="locked")
    if locked.assignment.dossier.state not in REVIEWABLE_STATES:
        raise ApplicationError("La commission s'est déjà prononcée sur ce dossier.")
    return locked


def _write_notes(review: Review, notes: dict[int, Note], criteria: list[Criterion]) -> None:
    campaign = review.assignment.dossier.campaign
    if not grid_is_frozen(campaign):
        # The first score freezes the grid: take the campaign lock the grid services take, and freeze only a grid
        # whose weights are complete.
        Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
        grid_check_scorable(criteria)
    scored = {item.criterion.pk: item.criterion for item in scored_criteria(criteria)}
    errors = {}
    for criterion_id, note in notes.items():
        criterion = scored.get(criterion_id)
        if criterion is None:
            raise ApplicationError("Ce critère n'appartient pas à la grille de la campagne.")
        if note.value is not None and not 0 <= note.value <= criterion.scale_max:
            errors[f"note_{criterion_id}"] = f"Notez entre 0 et {criterion.scale_max}."
    if errors:
        raise ValidationError(errors)
    existing = {score.criterion_id: score for score in review.scores.all()}
    for criterion_id, note in notes.items():
        comment = note.comment.strip()
        score = existing.get(criterion_id)
        if score is None:
            if note.value is None and not comment:
                continue
            Score.objects.create(review=review, criterion_id=criterion_id, value=note.value, comment=comment)
        elif (score.value, score.comment) != (note.value, comment):
            score.value, score.comment = note.value, comment
            score.save(update_fields=["value", "comment"])


def _grid(review: Review) -> list[Criterion]:
    return list(Criterion.objects.filter(campaign_id=review.assignment.dossier.campaign_id))


@transaction.atomic
def review_save_draft(*, review: Review, by, notes: dict[int, Note], general_comment: str | None = None) -> Review:
    """Save what the member has noted so far (notes may be missing; nothing is checked for completeness)."""
    review = _lock_review(review, by)
    _write_notes(review, notes, _grid(review))
    if general_comment is not None and general_comment.strip() != review.general_comment:
        review.general_comment = general_comment.strip()
        review.save(update_fields=["general_comment"])
    return review


@transaction.atomic
def review_submit(
    *, review: Review, by, notes: dict[int, Note] | None = None, general_comment: str | None = None
) -> Review:
    """Submit the review: every scored criterion noted, a comment under each criterion's threshold; the weighted
    score is computed and the review locked."""
    review = _lock_review(review, by)
    criteria = _grid(review)
    if notes:
        _write_notes(review, notes, criteria)
    if general_comment is not None:
        review.general_comment = general_comment.strip()
    scores = {score.criterion_id: score for score in review.scores.all()}
    errors = {}
    for item in scored_criteria(criteria):
        criterion = item.criterion
        score = scores.get(criterion.pk)
        if score is None or score.value is None:
            errors[f"note_{criterion.pk}"] = f"Notez le critère {criterion.code}."
        elif score.value < criterion.comment_required_below and not score.comment:
            errors[f"comment_{criterion.pk}"] = (
                f"Une note inférieure à {criterion.comment_required_below} se justifie par un commentaire."
            )
    if errors:
        raise ValidationError(errors)
    review.weighted_score = weighted_score({pk: score.value for pk, score in scores.items()}, criteria)
    review.state = ReviewState.SUBMITTED
    review.submitted_at = timezone.now()
    review.full_clean()
    review.save(update_fields=["weighted_score", "state", "submitted_at", "general_comment"])
    return review


@transaction.atomic
def review_reopen(*, review: Review, by, reason: str) -> Review:
    """The region admin reopens a submitted review (e.g. a note entered by mistake), before the decision."""
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("assignment__dossier__campaign")
        .get(pk=review.pk)
    )
    _check_region_admin(review.assignment.dossier.campaign.region_id, by)
    if review.state != ReviewState.SUBMITTED:
        raise ApplicationError("Seule une évaluation soumise peut être rouverte.")
    if review.assignment.dossier.state not in REVIEWABLE_STATES:
        raise ApplicationError("La commission s'est déjà prononcée sur ce dossier : l'évaluation reste close.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la réouverture."})
    now = timezone.now()
    ReviewReopening.objects.create(review=review, by=by, at=now, reason=reason, previous_score=review.weighted_score)
    review.state = ReviewState.DRAFT
    review.weighted_score = None
    review.reopened_at, review.reopened_by, review.reopen_reason = now, by, reason
    review.save(update_fields=["state", "weighted_score", "reopened_at", "reopened_by", "reopen_reason"])
    return review


def other_reviews(*, assignment: ReviewAssignment) -> list[Review]:
    """The other members' submitted reviews of the dossier, shown to a member only once their own review is
    submitted (and never to a member who declared a conflict)."""
    own = Review.objects.filter(assignment=assignment).first()
    if own is None or own.conflict_of_interest is not False or own.state != ReviewState.SUBMITTED:
        return []
    return list(
        Review.objects.filter(assignment__dossier_id=assignment.dossier_id, state=ReviewState.SUBMITTED)
        .exclude(pk=own.pk)
        .select_related("assignment__reviewer")
        .prefetch_related("scores")
        .order_by("assignment__reviewer__last_name", "pk")
    )
