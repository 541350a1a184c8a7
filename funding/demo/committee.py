"""Demo committee data: the PACA grid of seed 000, two reviewers, their submitted reviews, the February 2025
sitting, its decisions (MSP des Oliviers selected with grant SUB-PACA-2025-001, CPTS du Pays d'Aix on the waiting
list), the letters and the minutes.

Expects from the campaigns seeder the PACA campaign (``keys.PACA_CAMPAIGN_TITLE``) and the dossiers
AMI-PACA-2025-001 and -002 in state ``to_committee`` (or already decided by a previous run); from the protocols
seeder, LOC-PACA-HTA declared on 2025-03-01 (the grant's start). Missing objects are skipped. Idempotent: every
step looks its object up first, so a second run writes nothing.
"""

import datetime
import logging

from funding.demo import keys
from funding.models import Campaign, CommitteeMeeting, Decision, Dossier, DossierState, Grant, Review
from funding.services import committee as committee_services
from funding.services import grid as grid_services
from funding.services import reviews as review_services
from funding.services.reviews import Note
from portal.errors import ApplicationError
from portal.pdf import PdfUnavailable

logger = logging.getLogger(__name__)

ADMIN = "admin.paca@demo.fr"
REVIEWERS = ("commission.paca@demo.fr", "commission2.paca@demo.fr")
MEETING_DAY = datetime.date(2025, 2, 13)

# Notes by sub-criterion (1.1 … 2.5) and comment, per dossier and reviewer.
REVIEWS = {
    keys.OLIVIERS_DOSSIER: {
        "commission.paca@demo.fr": (
            {"1.1": 4, "1.2": 4, "1.3": 3, "1.4": 4, "2.1": 3, "2.2": 4, "2.3": 3, "2.4": 4, "2.5": 3},
            "Protocole HTA en phase avec le projet de santé ; formation des IDE et du pharmacien bien décrite.",
        ),
        "commission2.paca@demo.fr": (
            {"1.1": 4, "1.2": 3, "1.3": 3, "1.4": 3, "2.1": 4, "2.2": 3, "2.3": 3, "2.4": 3, "2.5": 3},
            "Territoire en ZIP, équipe solide ; indicateurs de suivi à préciser.",
        ),
    },
    keys.PAYS_D_AIX_DOSSIER: {
        "commission.paca@demo.fr": (
            {"1.1": 3, "1.2": 3, "1.3": 2, "1.4": 3, "2.1": 3, "2.2": 2, "2.3": 3, "2.4": 2, "2.5": 2},
            "Suivi infirmier du diabète pertinent à l'échelle de la CPTS.",
        ),
        "commission2.paca@demo.fr": (
            {"1.1": 3, "1.2": 2, "1.3": 3, "1.4": 2, "2.1": 3, "2.2": 3, "2.3": 2, "2.4": 3, "2.5": 2},
            "Organisation entre les sites encore à construire.",
        ),
    },
}
DECISIONS = {
    keys.OLIVIERS_DOSSIER: (
        "selected",
        "Projet pertinent pour un territoire en zone d'intervention prioritaire ; conditions de réalisation réunies.",
    ),
    keys.PAYS_D_AIX_DOSSIER: (
        "waiting_list",
        "Projet intéressant ; l'organisation entre les sites de la CPTS reste à consolider.",
    ),
}
LOW_NOTE_COMMENT = "Élément peu développé dans le dossier."


def seed(context: dict) -> dict:
    users = context.get("users", {})
    admin = users.get(ADMIN)
    reviewers = [users[email] for email in REVIEWERS if email in users]
    campaign = Campaign.objects.filter(title=keys.PACA_CAMPAIGN_TITLE, region__code="PACA").first()
    if admin is None or campaign is None:
        return {}
    if not campaign.criteria.exists():
        grid_services.grid_load_paca_model(campaign=campaign, by=admin)
    dossiers = {
        dossier.reference: dossier
        for dossier in Dossier.objects.filter(campaign=campaign, reference__in=list(DECISIONS)).select_related("wave")
    }
    for reference, dossier in dossiers.items():
        for reviewer in reviewers:
            _review(dossier, reviewer, admin, *REVIEWS[reference][reviewer.email])
    meeting = _meeting(dossiers, admin, reviewers)
    decisions = [_decide(dossier, admin, meeting, *DECISIONS[reference]) for reference, dossier in dossiers.items()]
    for decision in decisions:
        _letter(decision)
    if meeting is not None and not meeting.minutes:
        try:
            committee_services.meeting_minutes_generate(meeting=meeting, by=admin)
        except (ApplicationError, PdfUnavailable) as error:
            logger.warning("PV de la commission de démonstration non établi : %s", error)
    grant = Grant.objects.filter(reference=keys.OLIVIERS_GRANT).first()
    return {"committee_meeting": meeting, "oliviers_grant": grant}


def _review(dossier: Dossier, reviewer, admin, notes_by_code: dict, comment: str) -> None:
    if Review.objects.filter(assignment__dossier=dossier, assignment__reviewer=reviewer).exists():
        return
    if dossier.state != DossierState.TO_COMMITTEE:
        return
    assignment = review_services.assignment_create(dossier=dossier, reviewer=reviewer, by=admin)
    review = review_services.review_declare_conflict(assignment=assignment, by=reviewer, conflict=False)
    criteria = {criterion.code: criterion for criterion in dossier.campaign.criteria.all()}
    notes = {
        criteria[code].pk: Note(value, "" if value >= criteria[code].comment_required_below else LOW_NOTE_COMMENT)
        for code, value in notes_by_code.items()
    }
    review_services.review_submit(review=review, by=reviewer, notes=notes, general_comment=comment)


def _meeting(dossiers: dict, admin, reviewers) -> CommitteeMeeting | None:
    if not dossiers:
        return None
    wave = next(iter(dossiers.values())).wave
    meeting = CommitteeMeeting.objects.filter(wave=wave, held_on=MEETING_DAY).first()
    if meeting is None:
        meeting = committee_services.meeting_save(
            wave=wave, by=admin, held_on=MEETING_DAY, members_present=[admin, *reviewers]
        )
    return meeting


def _decide(dossier: Dossier, admin, meeting, outcome: str, motive: str) -> Decision | None:
    existing = Decision.objects.filter(dossier=dossier).first()
    if existing is not None or dossier.state != DossierState.TO_COMMITTEE or meeting is None:
        return existing
    return committee_services.decision_record(
        dossier=dossier, outcome=outcome, motive=motive, by=admin, meeting=meeting
    )


def _letter(decision: Decision | None) -> None:
    """Generate the letter now, so the demo shows it even before a worker runs (the queued task then finds it)."""
    if decision is None or decision.letter:
        return
    try:
        committee_services.decision_letter_send(decision_id=decision.pk)
    except PdfUnavailable as error:
        logger.warning("Courrier de démonstration non généré : %s", error)
