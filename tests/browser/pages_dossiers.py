"""Page objects of the dossier journey: the coordinator's form and the instructor's dossier page."""

import re

from playwright.sync_api import Page, expect

from tests.funding.factories import MINIMAL_PDF


def textbox(page: Page, label: str):
    """A text field by the start of its label (labels also carry a hint)."""
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}"))


class DossierFormPage:
    def __init__(self, page: Page):
        self.page = page
        self.panel = page.get_by_test_id("completeness-panel")
        self.status = page.get_by_test_id("autosave-status")

    def fill(self, label: str, value: str) -> None:
        textbox(self.page, label).fill(value)

    def fill_number(self, label: str, value: int) -> None:
        self.page.get_by_role("spinbutton", name=re.compile(rf"^{re.escape(label)}")).fill(str(value))

    def choose_protocol(self, code: str) -> None:
        select = self.page.get_by_role("combobox", name=re.compile(r"^Protocole"))
        option = select.locator("option", has_text=code).first.text_content().strip()
        select.select_option(label=option)

    def expect_saved(self) -> None:
        expect(self.status).to_contain_text("Enregistré à")

    def join_health_project(self) -> None:
        self.page.get_by_role("button", name=re.compile("^Fichier")).set_input_files(
            {"name": "projet-de-sante.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
        )
        self.page.get_by_role("button", name="Joindre la pièce").click()
        expect(self.page.get_by_test_id("dossier-attachments")).to_contain_text("projet-de-sante.pdf")


class InstructionPage:
    def __init__(self, page: Page):
        self.page = page

    def record_check(self, step: str, motive: str) -> None:
        block = self.page.get_by_test_id(f"check-{step}")
        block.get_by_text("Enregistrer ce contrôle").click()
        block.locator("label", has_text=re.compile(r"^\s*Conforme")).click()  # the DSFR label covers its radio
        block.get_by_role("textbox", name=re.compile("^Motif")).fill(motive)
        block.get_by_role("button", name=re.compile("^Enregistrer")).click()
        expect(self.page.get_by_test_id(f"check-{step}")).to_contain_text("Conforme")

    def expect_state(self, label: str) -> None:
        expect(self.page.get_by_test_id("dossier-state")).to_contain_text(label)
