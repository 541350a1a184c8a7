"""Page objects of the committee journey: a reviewer's declaration and scoring, the admin's committee page."""

import re
import time

from playwright.sync_api import Page, expect

from tests.browser.pages import log_in, open_menu_entry


def log_in_as(page: Page, base_url: str, email: str, *, totp: bool) -> None:
    """Log in afresh as another user. A TOTP code lives 30 s and the portal allows no drift: near the end of a
    period, wait for the next one so the code typed is still valid when the server checks it."""
    page.context.clear_cookies()
    if totp and time.time() % 30 > 24:
        time.sleep(30 - time.time() % 30 + 0.5)
    log_in(page, base_url, email, totp=totp)


class ReviewPage:
    def __init__(self, page: Page):
        self.page = page

    def open_from_my_list(self, reference: str) -> "ReviewPage":
        open_menu_entry(self.page, "Mes évaluations")
        self.page.get_by_role("link", name=reference).click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(reference)
        return self

    def declare_no_conflict(self) -> None:
        self.page.get_by_label("Non, je n'ai aucun lien d'intérêts").check(force=True)
        self.page.get_by_role("button", name="Enregistrer ma déclaration").click()
        expect(self.page.get_by_role("heading", name="Grille d'évaluation")).to_be_visible()

    def declare_conflict(self, details: str) -> None:
        self.page.get_by_label("Oui, j'ai un lien d'intérêts").check(force=True)
        self.page.get_by_label("Nature du lien d'intérêts").fill(details)
        self.page.get_by_role("button", name="Enregistrer ma déclaration").click()
        expect(self.page.get_by_role("heading", name="Vous avez déclaré un lien d'intérêts")).to_be_visible()

    def note(self, code: str, value: int, comment: str = "") -> None:
        group = self.page.get_by_role("group", name=f"Note du critère {code}")
        group.get_by_label(re.compile(rf"{value} — ")).check(force=True)
        if comment:
            self.page.get_by_label(f"Commentaire sur le critère {code}").fill(comment)

    def save_draft(self) -> None:
        self.page.get_by_role("button", name="Enregistrer le brouillon").click()
        expect(self.page.get_by_text("Brouillon enregistré")).to_be_visible()

    def submit(self) -> None:
        self.page.once("dialog", lambda dialog: dialog.accept())
        self.page.get_by_role("button", name="Soumettre l'évaluation").click()
        expect(self.page.get_by_role("heading", name=re.compile("Évaluation soumise"))).to_be_visible()


class CommitteePage:
    def __init__(self, page: Page):
        self.page = page

    def open(self, campaign_title: str) -> "CommitteePage":
        open_menu_entry(self.page, "Commission de sélection")
        self.page.get_by_role("link", name=campaign_title).click()
        expect(self.page.get_by_role("table", name=re.compile("Classement des dossiers"))).to_be_visible()
        return self

    def row(self, reference: str):
        return self.page.get_by_test_id(f"row-{reference}")

    def open_meeting(self, day: str, members: list[str]) -> None:
        self.page.get_by_label("Date de la séance").fill(day)
        for name in members:
            self.page.get_by_label(name).check(force=True)
        self.page.get_by_role("button", name="Ouvrir la séance").click()
        expect(self.page.get_by_text("La séance de la commission est enregistrée.")).to_be_visible()

    def decide(self, reference: str, outcome: str, motive: str) -> None:
        self.row(reference).get_by_role("link", name="Décider").click()
        self.page.get_by_label(outcome, exact=True).check(force=True)
        self.page.get_by_label("Motif").fill(motive)
        self.page.get_by_role("button", name="Enregistrer la décision").click()
        expect(self.page.get_by_text(f"{reference} : {outcome}")).to_be_visible()
