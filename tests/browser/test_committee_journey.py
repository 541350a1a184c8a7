"""On the demo data, the demo's two committee members score a dossier, one declares a conflict on another; the region
admin opens the committee page, opens the sitting and decides; a real Celery worker generates the letter and e-mails
it; the coordinator reads the decision and its letter."""

import datetime
import re
import time

from django.core import mail
from playwright.sync_api import Page, expect

from funding.models import Decision, DossierState
from funding.services import grid as grid_services
from portal.models import Region, Structure, User
from tests.browser.pages import expect_screenshots, open_menu_entry, screenshot
from tests.browser.pages_committee import CommitteePage, ReviewPage, log_in_as
from tests.funding.factories import CampaignFactory, DossierFactory, ReviewAssignmentFactory, WaveFactory
from tests.workers import wait_for

CAMPAIGN = "AMI protocoles de coopération — parcours commission"
COORDINATOR = "coordinateur.msp@demo.fr"
NOTES_FIRST = {"1.1": 4, "1.2": 3, "1.3": 3, "1.4": 4, "2.1": 3, "2.2": 4, "2.3": 3, "2.4": 3, "2.5": 1}
NOTES_SECOND = {"1.1": 3, "1.2": 3, "1.3": 3, "1.4": 3, "2.1": 3, "2.2": 3, "2.3": 3, "2.4": 3, "2.5": 3}


def _world():
    """On the demo data: a second PACA call whose two dossiers (the demo's MSP des Oliviers and CPTS du Pays d'Aix)
    reach the committee; the demo's reviewers are assigned."""
    region = Region.objects.get(code="PACA")
    admin, first, second, coordinator = (
        User.objects.get(email=email)
        for email in ("admin.paca@demo.fr", "commission.paca@demo.fr", "commission2.paca@demo.fr", COORDINATOR)
    )
    campaign = CampaignFactory(region=region, title=CAMPAIGN, created_by=admin)
    wave = WaveFactory(campaign=campaign, projects_funded=5)
    grid_services.grid_load_paca_model(campaign=campaign, by=admin)
    oliviers, aix = Structure.objects.get(name="MSP des Oliviers"), Structure.objects.get(name="CPTS du Pays d'Aix")
    scored = DossierFactory(
        structure=oliviers,
        wave=wave,
        campaign=campaign,
        reference="AMI-PACA-2025-901",
        submitted=True,
        state=DossierState.TO_COMMITTEE,
        in_zip=True,
        territory_needs="Patientèle hypertendue nombreuse, deux médecins pour 9 000 habitants.",
        protocol__declared=True,
        protocol__declared_on=datetime.date(2025, 3, 1),
    )
    conflicted = DossierFactory(
        structure=aix,
        wave=wave,
        campaign=campaign,
        reference="AMI-PACA-2025-902",
        submitted=True,
        state=DossierState.TO_COMMITTEE,
    )
    for member in (first, second):
        ReviewAssignmentFactory(dossier=scored, reviewer=member, assigned_by=admin)
    ReviewAssignmentFactory(dossier=conflicted, reviewer=first, assigned_by=admin)
    return admin, first, second, coordinator


def test_committee_journey(page: Page, live_demo, celery_worker):
    started = time.time()
    admin, first, second, coordinator = _world()
    url = live_demo.url

    # The first reviewer scores the MSP's dossier, then declares a conflict on the CPTS's.
    log_in_as(page, url, first.email, totp=True)
    review = ReviewPage(page).open_from_my_list("AMI-PACA-2025-901")
    expect(page.get_by_role("heading", name="Grille d'évaluation")).to_have_count(0)
    review.declare_no_conflict()
    for code, value in NOTES_FIRST.items():
        review.note(code, value)
    review.save_draft()
    expect(page.get_by_role("alert")).to_have_count(0)
    # A note of 1 needs a comment: the submission is refused until it is written.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Soumettre l'évaluation").click()
    expect(page.get_by_role("alert")).to_contain_text("se justifie par un commentaire")
    review.note("2.5", 1, "Aucun indicateur de suivi proposé.")
    screenshot(page, "commission-grille-evaluateur")
    review.submit()
    ReviewPage(page).open_from_my_list("AMI-PACA-2025-902").declare_conflict("Je suis médecin associé de la CPTS.")

    # The second reviewer scores; once submitted, the first one's review appears.
    log_in_as(page, url, second.email, totp=True)
    review = ReviewPage(page).open_from_my_list("AMI-PACA-2025-901")
    review.declare_no_conflict()
    expect(page.get_by_text("Aucun indicateur de suivi proposé.")).to_have_count(0)
    for code, value in NOTES_SECOND.items():
        review.note(code, value)
    review.submit()
    expect(page.get_by_text("Aucun indicateur de suivi proposé.")).to_be_visible()

    # The region admin reads the ranking, opens the sitting and decides.
    log_in_as(page, url, admin.email, totp=True)
    committee = CommitteePage(page).open(CAMPAIGN)
    row = committee.row("AMI-PACA-2025-901")
    expect(row).to_contain_text("Bruno Mercier")
    expect(row).to_contain_text("Chantal Girard")
    expect(row).to_contain_text("ZIP")
    expect(committee.row("AMI-PACA-2025-902")).to_contain_text("Conflit d'intérêts")
    screenshot(page, "commission-classement")
    committee.open_meeting("2025-02-13", ["Bruno Mercier", "Chantal Girard"])
    committee.decide("AMI-PACA-2025-901", "Retenu", "Projet pertinent en zone d'intervention prioritaire.")
    expect(committee.row("AMI-PACA-2025-901")).to_contain_text(re.compile(r"SUB-PACA-\d{4}-\d{3}"))
    screenshot(page, "commission-decision")

    # The letter goes out from the worker: generated, hashed, e-mailed to the MSP's coordinator with the PDF.
    decision = wait_for(
        lambda: Decision.objects.filter(dossier__reference="AMI-PACA-2025-901", letter_sent_at__isnull=False).first(),
        what="the letter task",
    )
    assert decision.letter_sha256 and decision.outcome == "selected"
    sent = wait_for(lambda: [m for m in mail.outbox if "AMI-PACA-2025-901" in m.subject], what="the letter e-mail")
    assert sent[0].to == [COORDINATOR]
    assert sent[0].attachments[0][0] == "decision-AMI-PACA-2025-901.pdf"
    assert sent[0].attachments[0][1].startswith(b"%PDF")

    # The coordinator sees the decision and opens the letter.
    log_in_as(page, url, coordinator.email, totp=False)
    open_menu_entry(page, "Décisions")
    expect(page.get_by_role("table")).to_contain_text("Retenu")
    expect(page.get_by_role("table")).to_contain_text("Projet pertinent en zone d'intervention prioritaire.")
    letter = page.get_by_role("link", name="Courrier de décision sur AMI-PACA-2025-901 (PDF)")
    response = page.request.get(url + letter.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    screenshot(page, "commission-courrier-porteur")
    expect_screenshots(
        "commission-grille-evaluateur",
        "commission-classement",
        "commission-decision",
        "commission-courrier-porteur",
        since=started,
    )
