"""Page objects of the reports journey: the coordinator's report form and the instructor's review page."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.pages import open_menu_entry


def _textbox(page: Page, label: str):
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}"))


class MyReportsPage:
    def __init__(self, page: Page):
        self.page = page

    def open(self) -> "MyReportsPage":
        open_menu_entry(self.page, "Rapports semestriels")
        expect(self.page.get_by_role("heading", name="Rapports semestriels", level=1)).to_be_visible()
        return self

    def report(self, period_label: str) -> "ReportFormPage":
        self.page.get_by_test_id("reports-table").get_by_role("link", name=re.compile(period_label)).click()
        return ReportFormPage(self.page)


class ReportFormPage:
    def __init__(self, page: Page):
        self.page = page
        self.status = page.get_by_test_id("autosave-status")

    def fill(self, label: str, value: str) -> None:
        """Type a section and wait for its autosave (the answer of the htmx request, then the status line)."""
        with self.page.expect_response(lambda response: "/enregistrer/" in response.url, timeout=20_000):
            _textbox(self.page, label).fill(value)
        expect(self.status).to_contain_text("Brouillon enregistré à")

    def submit(self) -> None:
        self.page.locator("label", has_text="J'atteste sur l'honneur").click()  # the DSFR label covers its box
        self.page.get_by_role("button", name="Transmettre le rapport à l'ARS").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Transmis à l'ARS")


class AgencyReportsPage:
    def __init__(self, page: Page):
        self.page = page

    def open(self) -> "AgencyReportsPage":
        open_menu_entry(self.page, "Rapports des structures")
        expect(self.page.get_by_role("heading", name="Rapports semestriels des structures", level=1)).to_be_visible()
        return self

    def filter_state(self, label: str) -> None:
        self.page.get_by_label("État").select_option(label=label)
        self.page.get_by_role("button", name="Filtrer").click()

    def review(self, structure: str) -> "ReviewPage":
        self.page.get_by_test_id("reports-table").get_by_role("link", name=re.compile(structure)).first.click()
        return ReviewPage(self.page)


class ReviewPage:
    def __init__(self, page: Page):
        self.page = page

    def request_changes(self, comment: str) -> None:
        _textbox(self.page, "Modifications demandées").fill(comment)
        self.page.get_by_role("button", name="Demander des modifications").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Modifications demandées")

    def accept(self) -> None:
        self.page.get_by_role("button", name="Accepter le rapport").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Accepté")

    def download_pdf(self, target_dir: Path) -> bytes:
        with self.page.expect_download() as info:
            self.page.get_by_role("link", name="Télécharger le PDF").click()
        path = target_dir / info.value.suggested_filename
        info.value.save_as(path)
        return path.read_bytes()
