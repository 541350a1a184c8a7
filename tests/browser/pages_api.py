"""Page objects of the API journey: the account's API tokens page and the interactive documentation."""

from playwright.sync_api import Page, expect


class ApiTokensPage:
    def __init__(self, page: Page):
        self.page = page

    def open_from_account(self, user_name: str) -> "ApiTokensPage":
        self.page.get_by_role("link", name=user_name).click()
        self.page.get_by_role("link", name="Jetons d'API").click()
        expect(self.page.get_by_role("heading", name="Jetons d'API", level=1)).to_be_visible()
        return self

    def create(self, *, name: str, scope_label: str, days: int) -> str:
        """Create a token and return its key, read from the page (the only time it is shown)."""
        self.page.get_by_label("Nom du jeton").fill(name)
        self.page.get_by_label("Portée").select_option(label=scope_label)
        self.page.get_by_label("Validité (jours)").fill(str(days))
        self.page.get_by_role("button", name="Créer le jeton").click()
        alert = self.page.get_by_test_id("new-token")
        expect(alert).to_contain_text("elle ne sera plus jamais affichée")
        return alert.locator("code").inner_text().strip()

    @property
    def tokens(self):
        return self.page.get_by_role("table", name="Jetons d'API")

    def revoke(self, name: str) -> None:
        self.page.once("dialog", lambda dialog: dialog.accept())
        self.page.get_by_role("button", name=f"Révoquer le jeton {name}").click()
        expect(self.page.get_by_role("status")).to_contain_text("est révoqué")


class ApiDocsPage:
    def __init__(self, page: Page):
        self.page = page

    def open(self, base_url: str) -> "ApiDocsPage":
        self.page.goto(f"{base_url}/api/v1/docs")
        expect(self.page.get_by_role("heading", name="API du portail des protocoles de coopération")).to_be_visible()
        return self

    def operation(self, method: str, path: str):
        return self.page.locator(f".opblock-{method.lower()}").filter(has_text=path).first
