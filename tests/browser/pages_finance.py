"""Page objects of the finance officer's journey: statements, computation runs, exports."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.pages import open_menu_entry


class StatementsPage:
    def __init__(self, page: Page, base_url: str):
        self.page, self.base_url = page, base_url

    def open(self) -> "StatementsPage":
        open_menu_entry(self.page, "États de versement")
        expect(self.page.get_by_role("heading", name="États de versement", level=1)).to_be_visible()
        return self

    def compute(self, period: str) -> "RunPage":
        self.page.get_by_label("Période").select_option(period)
        self.page.get_by_role("button", name="Calculer les brouillons").click()
        return RunPage(self.page)


class RunPage:
    def __init__(self, page: Page):
        self.page = page
        self.progress = page.get_by_test_id("job-progress")

    def wait_until_done(self, timeout: int = 60_000) -> "RunPage":
        expect(self.progress).to_have_attribute("data-status", "done", timeout=timeout)
        expect(self.page.get_by_test_id("run-result")).to_be_visible()
        return self

    def statements_table(self):
        return self.page.get_by_test_id("statements-table")

    def issue(self) -> "RunPage":
        self.page.once("dialog", lambda dialog: dialog.accept())
        self.page.get_by_role("button", name="Émettre les états").click()
        return RunPage(self.page)

    def download(self, link_name: str, target_dir: Path) -> bytes:
        with self.page.expect_download() as info:
            self.page.get_by_role("link", name=link_name).click()
        download = info.value
        path = target_dir / download.suggested_filename
        download.save_as(path)
        return path.read_bytes()
