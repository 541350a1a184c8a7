"""The committee's sitting: ranking (ties, priority rules, spread), constant query count, decisions and quota,
minutes and letters (text extracted from the PDFs)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from funding.models import Decision, DossierState, DossierTransition
from funding.services import committee as committee_services
from funding.services import reviews as review_services
from funding.services.committee import OverQuota, decision_record
from funding.services.ranking import committee_rows, ranked_dossiers, wave_quota
from portal.errors import ApplicationError
from tests.funding.committee_world import WORKED_EXAMPLE, committee_world, flat, with_coordinator
from tests.funding.factories import WaveFactory


def pdf_text(fieldfile) -> str:
    with fieldfile.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def ranking_world(priority_rule="bonus"):
    """D1: 20 and 10 (mean 15, spread 10); D2 (ZIP): 15 and 15; D3: 14.25 and 15 (mean 14.625 → 14.63);
    D4: no review; D5: 15 and 15. A third member declared a conflict on D1."""
    world = committee_world(members=3, priority_rule=priority_rule)
    first, second, third = world.members
    d1, d2, d3, d4, d5 = (
        world.dossier(reference="D1"),
        world.dossier(reference="D2", in_zip=True),
        world.dossier(reference="D3"),
        world.dossier(reference="D4"),
        world.dossier(reference="D5"),
    )
    world.score(d1, first, flat(4))
    world.score(d1, second, flat(2))
    review_services.review_declare_conflict(
        assignment=world.assign(d1, third), by=third, conflict=True, details="Associé de la structure"
    )
    world.score(d2, first, flat(3))
    world.score(d2, second, flat(3))
    world.score(d3, first, WORKED_EXAMPLE)
    world.score(d3, second, flat(3))
    world.assign(d4, first)
    world.score(d5, first, flat(3))
    world.score(d5, second, flat(3), submit=False)  # a draft does not count
    world.score(d5, third, flat(3))
    return world, {d.reference: d for d in (d1, d2, d3, d4, d5)}


def _table(world):
    return [
        (d.reference, d.rank if d.merit is not None else None, d.merit, d.ranking_score)
        for d in ranked_dossiers(campaign=world.campaign, wave=world.wave)
    ]


def test_ranking_with_a_priority_bonus_shown_apart_from_merit():
    world, _ = ranking_world("bonus")
    assert _table(world) == [
        ("D2", 1, Decimal("15.00"), Decimal("16.00")),
        ("D1", 2, Decimal("15.00"), Decimal("15.00")),
        ("D5", 2, Decimal("15.00"), Decimal("15.00")),
        ("D3", 4, Decimal("14.63"), Decimal("14.63")),
        ("D4", None, None, None),
    ]


def test_ranking_without_priority_keeps_ties():
    world, _ = ranking_world("none")
    assert [(ref, rank) for ref, rank, _m, _s in _table(world)] == [
        ("D1", 1),
        ("D2", 1),
        ("D5", 1),
        ("D3", 4),
        ("D4", None),
    ]


def test_ranking_with_priority_as_tiebreak():
    world, _ = ranking_world("tiebreak")
    assert [(ref, rank, score) for ref, rank, _m, score in _table(world)] == [
        ("D2", 1, Decimal("15.00")),
        ("D1", 2, Decimal("15.00")),
        ("D5", 2, Decimal("15.00")),
        ("D3", 4, Decimal("14.63")),
        ("D4", None, None),
    ]


def test_spread_counts_and_flags():
    world, dossiers = ranking_world()
    rows = {
        row.dossier.reference: row
        for row in committee_rows(
            campaign=world.campaign, dossiers=ranked_dossiers(campaign=world.campaign, wave=world.wave)
        )
    }
    d1 = rows["D1"]
    assert (d1.dossier.spread, d1.gap_exceeded, d1.dossier.submitted_count, d1.dossier.conflict_count) == (
        Decimal("10.000"),
        True,
        2,
        1,
    )
    assert [cell.status for cell in d1.reviewers].count("conflict") == 1
    assert (rows["D2"].dossier.spread, rows["D2"].gap_exceeded, rows["D2"].dossier.is_priority) == (0, False, True)
    # D5: one submitted, one draft, one more submitted: two count; D4: assigned, nothing submitted.
    assert (rows["D5"].dossier.submitted_count, rows["D5"].missing_reviews) == (2, False)
    assert (rows["D4"].dossier.submitted_count, rows["D4"].missing_reviews, rows["D4"].dossier.spread) == (
        0,
        True,
        None,
    )


def test_sorting_by_spread_and_reverse():
    world, _ = ranking_world()
    by_spread = [d.reference for d in ranked_dossiers(campaign=world.campaign, wave=world.wave, sort="ecart")]
    assert by_spread[0] == "D1" and by_spread[-1] == "D4"
    reverse_rank = [d.reference for d in ranked_dossiers(campaign=world.campaign, wave=world.wave, sort="-rang")]
    assert reverse_rank[0] == "D4" and reverse_rank[-1] == "D2"
    unknown = [d.reference for d in ranked_dossiers(campaign=world.campaign, wave=world.wave, sort="drop table")]
    assert unknown[0] == "D2"


def test_committee_page_query_count_is_constant(client):
    world, _ = ranking_world()
    client.force_login(world.admin)
    url = reverse("funding:committee_page", kwargs={"campaign_id": world.campaign.pk})
    client.get(url)  # the first request of a session writes it
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"tri": "moyenne"})
    assert response.status_code == 200
    for index in range(6):
        dossier = world.dossier(reference=f"X{index}")
        for member in world.members:
            world.score(dossier, member, flat(index % 5))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"tri": "moyenne"})
    assert len(response.context["rows"]) == 11
    # Session, user, scope (2), campaign, waves, ranked dossiers (+ count), assignments with reviews, grants,
    # meeting, quota: whatever the number of dossiers and reviewers.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_committee_page_shows_scores_flags_and_rank(client):
    world, _ = ranking_world()
    client.force_login(world.admin)
    content = client.get(reverse("funding:committee_page", kwargs={"campaign_id": world.campaign.pk})).content.decode()
    assert "Désaccord" in content
    assert "Conflit d&#x27;intérêts" in content or "Conflit d'intérêts" in content
    assert "ZIP" in content
    assert "16,00" in content or "16.00" in content
    assert "Ouvrir la séance" in content


# --- Decisions -----------------------------------------------------------------------------------------------------


def test_decision_moves_the_dossier_records_the_transition_and_sends_the_letter(django_capture_on_commit_callbacks):
    world = committee_world()
    dossier = world.dossier(reference="AMI-PACA-2025-101")
    coordinator = with_coordinator(dossier)
    meeting = world.meeting()
    with django_capture_on_commit_callbacks(execute=True):
        decision = decision_record(
            dossier=dossier,
            outcome="not_selected",
            motive="Projet de santé non formalisé",
            by=world.admin,
            meeting=meeting,
        )
    dossier.refresh_from_db()
    assert dossier.state == DossierState.NOT_SELECTED
    transition = DossierTransition.objects.get(dossier=dossier, to_state=DossierState.NOT_SELECTED)
    assert (transition.by, transition.motive) == (world.admin, "Projet de santé non formalisé")
    decision.refresh_from_db()
    assert decision.letter and len(decision.letter_sha256) == 64 and decision.letter_sent_at
    assert [message.to for message in mail.outbox] == [[coordinator.email]]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    text = pdf_text(decision.letter)
    assert "n'est pas retenu" in text or "pas retenu votre projet" in text
    assert "Projet de santé non formalisé" in text
    assert "132 boulevard de Paris" in text
    assert "Par délégation, la directrice des soins de proximité" in text
    # The task is idempotent: a second run sends nothing.
    committee_services.decision_letter_send(decision_id=decision.pk)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("selected", ["retenu votre projet", "25,00", "7 000,00"]),
        ("waiting_list", ["sur la liste d'attente", "en position 1"]),
        ("not_selected", ["pas retenu votre projet"]),
    ],
)
def test_one_letter_per_decision_type(outcome, expected, django_capture_on_commit_callbacks):
    world = committee_world()
    dossier = world.dossier()
    with django_capture_on_commit_callbacks(execute=True):
        decision = decision_record(
            dossier=dossier, outcome=outcome, motive="Motif", by=world.admin, meeting=world.meeting()
        )
    decision.refresh_from_db()
    text = pdf_text(decision.letter).replace("\u202f", " ").replace("\u00a0", " ")
    for fragment in expected:
        assert fragment in text


def test_over_quota_selection_needs_a_reason():
    world = committee_world(projects_funded=1)
    meeting = world.meeting()
    first, second, third = world.dossier(), world.dossier(), world.dossier()
    decision_record(dossier=first, outcome="selected", motive="Premier", by=world.admin, meeting=meeting)
    with pytest.raises(OverQuota) as error:
        decision_record(dossier=second, outcome="selected", motive="Second", by=world.admin, meeting=meeting)
    assert error.value.field == "over_quota_reason"
    second.refresh_from_db()
    assert second.state == DossierState.TO_COMMITTEE and not Decision.objects.filter(dossier=second).exists()
    decision_record(dossier=third, outcome="waiting_list", motive="Bon projet", by=world.admin, meeting=meeting)
    decision = decision_record(
        dossier=second,
        outcome="selected",
        motive="Second",
        by=world.admin,
        meeting=meeting,
        over_quota_reason="Crédits FIR complémentaires",
    )
    assert decision.over_quota_reason == "Crédits FIR complémentaires"
    assert wave_quota(world.wave).exceeded


def test_waiting_list_promotion_and_no_second_decision(django_capture_on_commit_callbacks):
    world = committee_world(projects_funded=2)
    meeting = world.meeting()
    chosen, waiting = world.dossier(), world.dossier()
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(dossier=chosen, outcome="selected", motive="Retenu", by=world.admin, meeting=meeting)
        decision = decision_record(
            dossier=waiting, outcome="waiting_list", motive="Attente", by=world.admin, meeting=meeting
        )
    decision.refresh_from_db()
    first_letter = decision.letter_sha256
    with pytest.raises(ApplicationError, match="déjà prononcée"):
        decision_record(dossier=chosen, outcome="not_selected", motive="Revirement", by=world.admin, meeting=meeting)
    with pytest.raises(ApplicationError, match="déjà prononcée"):
        decision_record(dossier=waiting, outcome="not_selected", motive="Revirement", by=world.admin, meeting=meeting)
    # The second funded place goes to the waiting list (2 selected for 2 funded: no over-quota reason).
    with django_capture_on_commit_callbacks(execute=True):
        promoted = decision_record(
            dossier=waiting,
            outcome="selected",
            motive="Place restante dans la vague",
            by=world.admin,
            meeting=meeting,
        )
    promoted.refresh_from_db()
    waiting.refresh_from_db()
    assert (waiting.state, promoted.outcome, promoted.pk) == (DossierState.SELECTED, "selected", decision.pk)
    assert promoted.letter_sha256 and promoted.letter_sha256 != first_letter
    assert "retenu votre projet" in pdf_text(promoted.letter)
    assert promoted.history.filter(outcome="waiting_list").exists()


def test_decision_guards():
    world = committee_world()
    dossier = world.dossier()
    meeting = world.meeting()
    with pytest.raises(ValidationError):
        decision_record(dossier=dossier, outcome="selected", motive=" ", by=world.admin, meeting=meeting)
    with pytest.raises(ApplicationError):
        decision_record(dossier=dossier, outcome="selected", motive="x", by=world.members[0], meeting=meeting)
    other_wave = WaveFactory(
        campaign=world.campaign,
        number=2,
        opens_at=world.campaign.waves.get(number=1).deadline,
        deadline=world.campaign.waves.get(number=1).deadline + datetime.timedelta(days=60),
    )
    other_meeting = committee_services.meeting_save(
        wave=other_wave, by=world.admin, held_on=meeting.held_on, members_present=[world.admin]
    )
    with pytest.raises(ApplicationError, match="vague"):
        decision_record(dossier=dossier, outcome="selected", motive="x", by=world.admin, meeting=other_meeting)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.TO_COMMITTEE


def test_meeting_members_must_sit_on_the_committee():
    world = committee_world()
    from portal.roles import Role
    from tests.portal.factories import agent_of

    with pytest.raises(ValidationError):
        committee_services.meeting_save(
            wave=world.wave,
            by=world.admin,
            held_on=world.wave.deadline.date(),
            members_present=[agent_of(world.region, Role.FINANCE_OFFICER)],
        )
    with pytest.raises(ValidationError):
        committee_services.meeting_save(
            wave=world.wave, by=world.admin, held_on=world.wave.deadline.date(), members_present=[]
        )


def test_decision_page_needs_a_meeting_and_warns_over_quota(client):
    world = committee_world(projects_funded=1)
    first, second = world.dossier(), world.dossier()
    client.force_login(world.admin)
    url = reverse("funding:committee_decision", kwargs={"dossier_id": second.pk})
    assert "Séance non ouverte" in client.get(url).content.decode()
    meeting_url = reverse("funding:committee_meeting", kwargs={"wave_id": world.wave.pk})
    assert client.post(meeting_url, {"held_on": "2025-02-13"}).status_code == 400
    response = client.post(
        meeting_url,
        {"held_on": "2025-02-13", "members_present": [str(world.admin.pk), str(world.members[0].pk)]},
    )
    assert response.status_code == 302
    decision_record(
        dossier=first,
        outcome="selected",
        motive="Premier",
        by=world.admin,
        meeting=committee_services.current_meeting(world.wave),
    )
    response = client.post(url, {"outcome": "selected", "motive": "Très bon projet"})
    assert response.status_code == 400
    assert "Nombre de projets dépassé" in response.content.decode()
    assert not Decision.objects.filter(dossier=second).exists()
    response = client.post(url, {"outcome": "selected", "motive": "Très bon projet", "over_quota_reason": "Crédits"})
    assert response.status_code == 302
    assert Decision.objects.get(dossier=second).over_quota_reason == "Crédits"


# --- Minutes -------------------------------------------------------------------------------------------------------


def test_minutes_list_members_conflicts_ranking_and_decisions(client):
    world, dossiers = ranking_world()
    meeting = world.meeting()
    with pytest.raises(ApplicationError, match="attendent"):
        committee_services.meeting_minutes_generate(meeting=meeting, by=world.admin)
    outcomes = {"D2": "selected", "D1": "selected", "D5": "waiting_list", "D3": "not_selected", "D4": "not_selected"}
    for reference, outcome in outcomes.items():
        decision_record(
            dossier=dossiers[reference], outcome=outcome, motive=f"Motif {reference}", by=world.admin, meeting=meeting
        )
    client.force_login(world.admin)
    response = client.post(reverse("funding:committee_minutes_generate", kwargs={"meeting_id": meeting.pk}))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert len(meeting.minutes_sha256) == 64
    text = pdf_text(meeting.minutes)
    for member in world.members:
        assert member.get_full_name() in text
    third = world.members[2]
    assert f"{third.get_full_name()} — dossier D1" in text
    assert "Associé de la structure" in text
    for reference in outcomes:
        assert f"Motif {reference}" in text
    assert "D2" in text and "Retenu" in text and "Liste d'attente" in text and "Non retenu" in text
    assert "16,00" in text or "16.00" in text
    download = client.get(reverse("funding:committee_minutes_download", kwargs={"meeting_id": meeting.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


# --- The coordinator reads the letter ------------------------------------------------------------------------------


def test_coordinator_sees_and_downloads_the_letter_of_their_dossier_only(client, django_capture_on_commit_callbacks):
    world = committee_world()
    mine, other = world.dossier(reference="AMI-MINE"), world.dossier(reference="AMI-OTHER")
    coordinator = with_coordinator(mine)
    meeting = world.meeting()
    with django_capture_on_commit_callbacks(execute=True):
        decision = decision_record(
            dossier=mine, outcome="waiting_list", motive="Bon projet", by=world.admin, meeting=meeting
        )
        foreign = decision_record(
            dossier=other, outcome="selected", motive="Excellent", by=world.admin, meeting=meeting
        )
    client.force_login(coordinator)
    listing = client.get(reverse("funding:decision_list")).content.decode()
    assert "AMI-MINE" in listing and "AMI-OTHER" not in listing
    letter = client.get(reverse("funding:decision_letter", kwargs={"decision_id": decision.pk}))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert b"".join(letter.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("funding:decision_letter", kwargs={"decision_id": foreign.pk})).status_code == 404
