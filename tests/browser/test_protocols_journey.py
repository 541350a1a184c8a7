"""A coordinator drafts a local protocol and invites a team; each professional accepts in their own account and
uploads their documents; the coordinator declares; the ARS instructor sees the declaration of the region."""

from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import log_in, screenshot
from tests.browser.pages_protocols import CoordinatorPages, ProfessionalPages

CODE = "LOC-PACA-ASTHME"


def _professional(browser: Browser, base_url: str, email: str, tmp_path, *, training: str | None = None) -> None:
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base_url, email)
    pro = ProfessionalPages(page, base_url)
    pro.open_invitation(CODE)
    screenshot(page, f"protocoles-invitation-{email.split('@')[0]}")
    pro.upload_documents(tmp_path)
    if training:
        pro.record_training(tmp_path, training)
    screenshot(page, f"protocoles-pieces-{email.split('@')[0]}")
    pro.accept()
    context.close()


def test_coordinator_drafts_invites_declares_and_instructor_sees_it(page: Page, browser: Browser, live_demo, tmp_path):
    base_url = live_demo.url
    log_in(page, base_url, "coordinateur.msp@demo.fr")
    coordinator = CoordinatorPages(page, base_url)
    coordinator.create_local_protocol(CODE, "Suivi de l'asthme de l'enfant par l'infirmier")
    coordinator.write_sections()
    screenshot(page, "protocoles-redaction")
    coordinator.answer_checklist()
    coordinator.invite("Paul Durand", "Délégant")
    coordinator.invite("Inès Bernard", "Délégué")
    expect(page.get_by_test_id("pending-list")).to_contain_text("Inès Bernard")
    screenshot(page, "protocoles-equipe-invitations")

    _professional(browser, base_url, "ide.msp@demo.fr", tmp_path, training="2025-02-15")
    _professional(browser, base_url, "medecin.msp@demo.fr", tmp_path)

    page.reload()
    expect(page.get_by_test_id("team-table")).to_contain_text("Inès Bernard")
    coordinator.declare()
    expect(page.get_by_test_id("declared-team")).to_contain_text("Paul Durand")
    screenshot(page, "protocoles-declaration-v1")

    context = browser.new_context()
    instructor = context.new_page()
    log_in(instructor, base_url, "instructeur.paca@demo.fr", totp=True)
    instructor.get_by_role("link", name="Déclarations", exact=True).first.click()
    table = instructor.get_by_test_id("agency-declarations")
    expect(table).to_contain_text(CODE)
    table.get_by_role("link", name=CODE).click()
    expect(instructor.get_by_test_id("versions-table")).to_contain_text("Première déclaration")
    instructor.get_by_role("link", name="v1", exact=True).click()
    expect(instructor.get_by_test_id("declared-team")).to_contain_text("Inès Bernard")
    expect(instructor.get_by_test_id("declared-documents")).to_contain_text("Fourni")
    screenshot(instructor, "protocoles-instructeur-declaration")
    context.close()
