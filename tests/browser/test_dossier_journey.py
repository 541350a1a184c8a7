"""The dossier journey in Chromium: a coordinator fills the dossier (autosave), watches the completeness panel turn
complete, submits and downloads the receipt; the instructor asks for a complement; the coordinator answers; the
instructor declares the dossier admissible."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from funding.models import Dossier, DossierState
from portal.roles import Role
from tests.browser.pages import log_in, open_menu_entry, screenshot
from tests.browser.pages_dossiers import DossierFormPage, InstructionPage, textbox
from tests.funding.factories import CampaignFactory, WaveFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of
from tests.protocols.factories import ProtocolFactory, TeamMembershipFactory

CAMPAIGN = "AMI protocoles de coopération locaux (vague en cours)"


@pytest.fixture
def world(live_server):
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region, name="MSP des Calanques", in_zip=True)
    coordinator = coordinator_of(
        structure, user__email="coordination@calanques.fr", user__first_name="Claire", user__last_name="Martin"
    )
    instructor = agent_of(region, Role.INSTRUCTOR)
    now = timezone.now()
    campaign = CampaignFactory(region=region, title=CAMPAIGN, published_at=now - datetime.timedelta(days=7))
    WaveFactory(
        campaign=campaign, opens_at=now - datetime.timedelta(days=7), deadline=now + datetime.timedelta(days=30)
    )
    protocol = ProtocolFactory(
        structure=structure,
        code="LOC-CALANQUES-HTA",
        title="Suivi de l'hypertension artérielle",
        created_by=coordinator,
    )
    TeamMembershipFactory(protocol=protocol, delegant=True)
    TeamMembershipFactory(protocol=protocol)
    return {"url": live_server.url, "coordinator": coordinator, "instructor": instructor}


def test_dossier_journey(page: Page, browser: Browser, world):
    base = world["url"]
    log_in(page, base, world["coordinator"].email)

    # The coordinator opens a dossier on the open call.
    open_menu_entry(page, "Mes candidatures")
    page.get_by_role("link", name=CAMPAIGN).click()
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("AMI-PACA-")
    form = DossierFormPage(page)
    expect(form.panel).to_contain_text("manquant")

    # The health project first (a regular upload), then the answers, saved as they are typed.
    form.join_health_project()
    form.choose_protocol("LOC-CALANQUES-HTA")
    form.expect_saved()
    expect(page.get_by_test_id("dossier-team")).to_contain_text("Délégant")
    form.fill("Territoire couvert", "Quartiers est de Marseille, 40 000 habitants, un médecin pour 2 500 habitants.")
    form.fill("Besoins du territoire", "Hypertendus sans suivi régulier ; délais de consultation de trois semaines.")
    form.fill("Modalités de délégation de tâches", "Consultation infirmière protocolisée, revue médicale sous 24 h.")
    form.fill("Modalités de mise en œuvre de la formation", "Dix heures de formation avant toute intervention.")
    form.fill("Démarche qualité et sécurité des soins", "Déclaration des événements indésirables, revue mensuelle.")
    form.fill("Suivi et évaluation", "Patients inclus, réorientations, délais ; bilan semestriel.")
    form.fill_number("Interventions attendues par an", 500)
    form.fill("Répartition prévue de la subvention", "Au prorata des interventions réalisées.")
    form.fill_number("Part des délégants (%)", 40)
    expect(form.panel).to_contain_text("1 élément manquant")
    form.fill_number("Part des délégués (%)", 60)
    form.expect_saved()
    expect(page.get_by_test_id("completeness-state")).to_have_text("Dossier complet")
    screenshot(page, "dossier-saisie-complet")
    dossier = Dossier.objects.get()
    assert dossier.delegate_share_percent == 60 and dossier.protocol.code == "LOC-CALANQUES-HTA"

    # Submit: summary, sworn statement, deposit, receipt.
    page.get_by_role("link", name="Vérifier et déposer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Déposer le dossier")
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("alert")).to_contain_text("attestation sur l'honneur")
    page.locator("label", has_text="J'atteste sur l'honneur").click()  # the DSFR label covers its checkbox
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_test_id("dossier-state")).to_contain_text("Déposé")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger le récépissé")).click()
    with open(download.value.path(), "rb") as receipt:
        assert receipt.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"recepisse-{dossier.reference}.pdf"
    screenshot(page, "dossier-depose")

    # The instructor (in their own browser) starts instruction and asks for a complement on the sharing.
    ars = browser.new_context().new_page()
    log_in(ars, base, world["instructor"].email, totp=True)
    open_menu_entry(ars, "Instruction")
    expect(ars.get_by_test_id("state-counts")).to_contain_text("Déposé : 1")
    screenshot(ars, "instruction-liste")
    ars.get_by_role("link", name=dossier.reference).click()
    instruction = InstructionPage(ars)
    ars.get_by_role("button", name="Commencer l'instruction").click()
    instruction.expect_state("En instruction")
    ars.get_by_role("link", name="Demander des compléments").click()
    textbox(ars, "Pièces et informations demandées").fill("Préciser la part revenant au pharmacien")
    ars.locator("label", has_text="Répartition prévue de la subvention").click()
    ars.get_by_label("À fournir avant le").fill((timezone.localdate() + datetime.timedelta(days=15)).isoformat())
    ars.get_by_role("button", name="Envoyer la demande").click()
    instruction.expect_state("Compléments demandés")
    screenshot(ars, "instruction-complements-demandes")

    # The coordinator edits the reopened section only, then transmits the complements.
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("L'ARS demande des compléments"))).to_be_visible()
    page.get_by_role("link", name="Modifier les rubriques rouvertes").click()
    expect(textbox(page, "Besoins du territoire")).to_be_disabled()
    form.fill("Répartition prévue de la subvention", "12,50 € par intervention au délégué, 12,50 € au délégant.")
    form.expect_saved()
    page.get_by_role("link", name="la page du dossier").click()
    textbox(page, "Compléments apportés").fill("Répartition précisée dans la rubrique rouverte.")
    page.get_by_role("button", name="Transmettre les compléments").click()
    expect(page.get_by_test_id("dossier-state")).to_contain_text("Compléments fournis")

    # The instructor records the checklist and declares the dossier admissible.
    ars.reload()
    instruction.expect_state("Compléments fournis")
    instruction.record_check("administrative", "FINESS, SIRET et projet de santé conformes.")
    instruction.record_check("completeness", "Dossier complet après compléments.")
    instruction.record_check("fit_to_needs", "Zone d'intervention prioritaire : besoin avéré.")
    ars.get_by_role("button", name="Déclarer recevable").click()
    instruction.expect_state("Recevable")
    screenshot(ars, "instruction-recevable")
    assert Dossier.objects.get().state == DossierState.ADMISSIBLE
