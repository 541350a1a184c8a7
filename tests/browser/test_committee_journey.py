"""Two reviewers score a dossier, one declares a conflict on another; the region admin opens the committee page,
opens the sitting and decides; the coordinator reads the decision and its letter."""

import datetime
import re

from playwright.sync_api import Page, expect

from funding.models import DossierState
from funding.services import grid as grid_services
from portal.roles import Role
from tests.browser.pages import open_menu_entry, screenshot
from tests.browser.pages_committee import CommitteePage, ReviewPage, log_in_as
from tests.funding.committee_world import LETTERHEAD
from tests.funding.factories import CampaignFactory, DossierFactory, ReviewAssignmentFactory, WaveFactory
from tests.portal.factories import (
    RegionFactory,
    RegionMembershipFactory,
    StructureFactory,
    UserFactory,
    agent_of,
    coordinator_of,
)

CAMPAIGN = "AMI protocoles de coopération — parcours commission"
NOTES_FIRST = {"1.1": 4, "1.2": 3, "1.3": 3, "1.4": 4, "2.1": 3, "2.2": 4, "2.3": 3, "2.4": 3, "2.5": 1}
NOTES_SECOND = {"1.1": 3, "1.2": 3, "1.3": 3, "1.4": 3, "2.1": 3, "2.2": 3, "2.3": 3, "2.4": 3, "2.5": 3}


def _world():
    region = RegionFactory(code="PACA", **LETTERHEAD)
    admin = agent_of(region, Role.REGION_ADMIN)
    first = UserFactory(email="bruno.mercier@exemple.fr", first_name="Bruno", last_name="Mercier", with_totp=True)
    second = UserFactory(email="chantal.girard@exemple.fr", first_name="Chantal", last_name="Girard", with_totp=True)
    for member in (first, second):
        RegionMembershipFactory(user=member, region=region, role=Role.COMMITTEE_MEMBER)
    campaign = CampaignFactory(region=region, title=CAMPAIGN, created_by=admin)
    wave = WaveFactory(campaign=campaign, projects_funded=5)
    grid_services.grid_load_paca_model(campaign=campaign, by=admin)
    oliviers = StructureFactory(region=region, name="MSP des Oliviers", in_zip=True)
    aix = StructureFactory(region=region, name="CPTS du Pays d'Aix", kind="CPTS")
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
    coordinator = coordinator_of(oliviers, user__email="claire.martin@exemple.fr")
    return admin, first, second, coordinator


def test_committee_journey(page: Page, live_server):
    admin, first, second, coordinator = _world()
    url = live_server.url

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
    expect(committee.row("AMI-PACA-2025-901")).to_contain_text("SUB-PACA-2025-001")
    screenshot(page, "commission-decision")

    # The coordinator sees the decision and opens the letter.
    log_in_as(page, url, coordinator.email, totp=False)
    open_menu_entry(page, "Décisions")
    expect(page.get_by_role("table")).to_contain_text("Retenu")
    expect(page.get_by_role("table")).to_contain_text("Projet pertinent en zone d'intervention prioritaire.")
    letter = page.get_by_role("link", name=re.compile("Courrier"))
    response = page.request.get(url + letter.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    screenshot(page, "commission-courrier-porteur")
