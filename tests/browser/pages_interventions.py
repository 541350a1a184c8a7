"""Page objects of the interventions journeys: logging an intervention, importing the reporting table."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.pages import open_menu_entry


class InterventionForm:
    def __init__(self, page: Page):
        self.page = page

    def open_from_menu(self) -> "InterventionForm":
        open_menu_entry(self.page, "Mes interventions")
        self.page.get_by_role("link", name="Saisir une intervention").click()
        expect(self.page.get_by_role("heading", name="Saisir une intervention")).to_be_visible()
        return self

    @property
    def date(self):
        return self.page.get_by_label("Date de l'intervention")

    @property
    def episode(self):
        return self.page.get_by_label("Référence de l'épisode")

    @property
    def fields(self):
        return self.page.get_by_test_id("intervention-fields")

    def save(self) -> None:
        self.page.get_by_role("button", name="Enregistrer", exact=True).click()

    def save_and_log_another(self) -> None:
        self.page.get_by_role("button", name="Enregistrer et en saisir une autre").click()
        expect(self.page.get_by_role("heading", name="Saisir une intervention")).to_be_visible()


class ImportPage:
    def __init__(self, page: Page):
        self.page = page

    def open_from_menu(self) -> "ImportPage":
        open_menu_entry(self.page, "Import des interventions")
        expect(self.page.get_by_role("heading", name="Import des interventions")).to_be_visible()
        return self

    def upload(self, name: str, content: bytes) -> None:
        self.page.get_by_label("Tableau de reporting").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
        )
        self.page.get_by_role("button", name="Importer le fichier").click()
        expect(self.page.get_by_role("heading", name=re.compile("Import du fichier"))).to_be_visible()

    @property
    def result(self):
        return self.page.get_by_test_id("import-result")

    def download_error_report(self) -> str:
        with self.page.expect_download() as download_info:
            self.page.get_by_role("link", name="Télécharger le rapport d'erreurs (CSV)").click()
        return Path(download_info.value.path()).read_text(encoding="utf-8-sig")
