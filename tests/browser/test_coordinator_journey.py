"""The coordinator's journey on the demo data (MSP des Oliviers, Claire Martin), with a real Celery worker on Redis:
she drafts a local protocol, builds its team (each professional accepts in their own account and uploads their
documents), declares it; then she files the AMI dossier on the open call before its deadline (autosave,
completeness panel), deposits it and downloads the receipt generated and e-mailed by the worker; the instructor
asks for a complement, she answers, the dossier is declared admissible."""

import datetime
import re
import time

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from funding.models import Dossier, DossierState
from portal.models import Region, User
from tests.browser.pages import expect_screenshots, log_in, open_menu_entry, screenshot
from tests.browser.pages_dossiers import DossierFormPage, InstructionPage, textbox
from tests.browser.pages_protocols import CoordinatorPages, ProfessionalPages
from tests.funding.factories import CampaignFactory, WaveFactory
from tests.workers import wait_for

CODE = "LOC-PACA-ASTHME"
CAMPAIGN = "AMI protocoles de coopération locaux (vague en cours)"
COORDINATOR = "coordinateur.msp@demo.fr"
SHOTS = (
    "protocoles-redaction",
    "protocoles-equipe-invitations",
    "protocoles-declaration-v1",
    "dossier-saisie-complet",
    "dossier-depose",
    "instruction-liste",
    "instruction-recevable",
)


@pytest.fixture
def open_call(live_demo):
    """The demo's PACA call is closed (January 2025): the ARS has opened another one, due in 30 days."""
    region = Region.objects.get(code="PACA")
    now = timezone.now()
    campaign = CampaignFactory(
        region=region,
        title=CAMPAIGN,
        published_at=now - datetime.timedelta(days=7),
        created_by=User.objects.get(email="admin.paca@demo.fr"),
    )
    return WaveFactory(
        campaign=campaign, opens_at=now - datetime.timedelta(days=7), deadline=now + datetime.timedelta(days=30)
    )


def _professional(browser: Browser, base_url: str, email: str, tmp_path, *, training: str | None = None) -> None:
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base_url, email)
    pro = ProfessionalPages(page, base_url)
    pro.open_invitation(CODE)
    pro.upload_documents(tmp_path)
    if training:
        pro.record_training(tmp_path, training)
    screenshot(page, f"protocoles-pieces-{email.split('@')[0]}")
    pro.accept()
    context.close()


def test_coordinator_journey(page: Page, browser: Browser, live_demo, open_call, celery_worker, tmp_path):
    started = time.time()
    base = live_demo.url

    # The protocol: drafted, checked, its team invited; each professional accepts; declared to the ARS.
    log_in(page, base, COORDINATOR)
    coordinator = CoordinatorPages(page, base)
    coordinator.create_local_protocol(CODE, "Suivi de l'asthme de l'enfant par l'infirmier")
    coordinator.write_sections()
    screenshot(page, "protocoles-redaction")
    coordinator.answer_checklist()
    coordinator.invite("Paul Durand", "Délégant")
    coordinator.invite("Inès Bernard", "Délégué")
    expect(page.get_by_test_id("pending-list")).to_contain_text("Inès Bernard")
    screenshot(page, "protocoles-equipe-invitations")
    _professional(browser, base, "ide.msp@demo.fr", tmp_path, training="2025-02-15")
    _professional(browser, base, "medecin.msp@demo.fr", tmp_path)
    page.reload()
    expect(page.get_by_test_id("team-table")).to_contain_text("Inès Bernard")
    coordinator.declare()
    expect(page.get_by_test_id("declared-team")).to_contain_text("Paul Durand")
    screenshot(page, "protocoles-declaration-v1")

    # The coordinator opens a dossier on the open call.
    open_menu_entry(page, "Mes candidatures")
    page.get_by_role("link", name=CAMPAIGN).click()
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("AMI-PACA-")
    form = DossierFormPage(page)
    expect(form.panel).to_contain_text("manquant")

    # The health project first (a regular upload), then the answers, saved as they are typed.
    form.join_health_project()
    form.choose_protocol(CODE)
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
    dossier = Dossier.objects.get(wave=open_call)
    assert dossier.delegate_share_percent == 60 and dossier.protocol.code == CODE

    # Submit: summary, sworn statement, deposit, receipt.
    page.get_by_role("link", name="Vérifier et déposer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Déposer le dossier")
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_role("alert")).to_contain_text("attestation sur l'honneur")
    page.locator("label", has_text="J'atteste sur l'honneur").click()  # the DSFR label covers its checkbox
    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_test_id("dossier-state")).to_contain_text("Déposé")
    dossier.refresh_from_db()
    assert dossier.state == DossierState.SUBMITTED and dossier.submitted_at < open_call.deadline
    # The worker generates the receipt and e-mails it; the page polls until the link appears.
    sent = wait_for(lambda: [m for m in mail.outbox if dossier.reference in m.subject], what="the receipt task")
    assert sent[0].to == [COORDINATOR] and "Récépissé" in sent[0].subject
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger le récépissé")).click()
    with open(download.value.path(), "rb") as receipt:
        assert receipt.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"recepisse-{dossier.reference}.pdf"
    screenshot(page, "dossier-depose")

    # The instructor (in their own browser) starts instruction and asks for a complement on the sharing.
    ars = browser.new_context().new_page()
    log_in(ars, base, "instructeur.paca@demo.fr", totp=True)
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
    dossier.refresh_from_db()
    assert dossier.state == DossierState.ADMISSIBLE
    expect_screenshots(*SHOTS, since=started)
