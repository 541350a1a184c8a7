"""Page objects of the dashboards: the structure dashboard and the ARS dashboard."""

from playwright.sync_api import Page, expect

from tests.browser.pages import open_menu_entry


class Dashboard:
    """Either dashboard: both have a GET filter form, SVG charts and their "Voir les données" tables."""

    heading = "Mon tableau de bord"
    submit = "Afficher"

    def __init__(self, page: Page):
        self.page = page

    def open_from_menu(self) -> "Dashboard":
        open_menu_entry(self.page, "Tableau de bord")
        expect(self.page.get_by_role("heading", name=self.heading, level=1)).to_be_visible()
        return self

    def filter(self, **choices) -> "Dashboard":
        for label, value in choices.items():
            self.page.get_by_label(label, exact=True).select_option(value)
        self.page.get_by_role("button", name=self.submit).click()
        expect(self.page.get_by_role("heading", name=self.heading, level=1)).to_be_visible()
        return self

    def chart(self, title: str):
        return self.page.get_by_role("img", name=title)

    def data_table(self, title: str):
        """Opens the "Voir les données" toggle of the chart ``title`` and returns its table."""
        self.page.locator("summary", has_text=f"Voir les données : {title}").click()
        table = self.page.get_by_role("table", name=title)
        expect(table).to_be_visible()
        return table


class AgencyDashboard(Dashboard):
    heading = "Tableau de bord de l'ARS"
    submit = "Filtrer"
