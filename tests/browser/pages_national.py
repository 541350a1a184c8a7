"""Page objects of the national view (pilote_national) and of the FIR forecast's "what if"."""

from playwright.sync_api import expect

from tests.browser.pages import open_menu_entry
from tests.browser.pages_dashboards import AgencyDashboard, Dashboard


class NationalView(Dashboard):
    heading = "Vue nationale des protocoles de coopération"
    submit = "Afficher"

    def open_from_menu(self) -> "NationalView":
        open_menu_entry(self.page, "Vue nationale")
        expect(self.page.get_by_role("heading", name=self.heading, level=1)).to_be_visible()
        return self

    @property
    def regions(self):
        return self.page.get_by_test_id("national-regions").get_by_role("table", name="Agrégats par région")

    def region_names(self) -> list[str]:
        return [name.strip() for name in self.regions.locator("tbody th").all_inner_texts()]

    def sort_by(self, column: str) -> "NationalView":
        self.regions.get_by_role("columnheader").get_by_role("link", name=column).click()
        expect(self.page.get_by_role("heading", name=self.heading, level=1)).to_be_visible()
        return self

    def open_region(self, name: str):
        self.regions.get_by_role("link", name=name, exact=True).click()
        expect(self.page.get_by_role("heading", name=f"{name} : agrégats", level=1)).to_be_visible()
        return self.page

    def download(self, label: str) -> bytes:
        with self.page.expect_download() as download_info:
            self.page.get_by_role("link", name=label).click()
        with open(download_info.value.path(), "rb") as handle:
            return handle.read()


class ForecastDashboard(AgencyDashboard):
    def what_if(self, **fields) -> "ForecastDashboard":
        section = self.page.get_by_test_id("agency-fir-forecast")
        for label, value in fields.items():
            section.get_by_label(label).fill(value)  # the label ends with the DSFR's required marker
        section.get_by_role("button", name="Calculer le coût").click()
        expect(self.page.get_by_test_id("what-if-result")).to_be_visible()
        return self
