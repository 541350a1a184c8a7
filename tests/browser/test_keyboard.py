"""Keyboard only (RGAA 12.8 tab order, 10.7 visible focus): the coordinator of the demo's MSP des Oliviers opens,
fills and deposits her AMI dossier without a single click — Tab, Shift+Tab, Space, Enter and typing — and every
element she lands on shows where the focus is."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from funding.models import Dossier, DossierState
from portal.models import Region, User
from tests.browser.pages import log_in, screenshot
from tests.funding.factories import MINIMAL_PDF, CampaignFactory, WaveFactory

CAMPAIGN = "AMI protocoles de coopération locaux (au clavier)"
ANSWERS = [
    ("Territoire couvert", "Marseille 13e, 30 000 habitants."),
    ("Besoins du territoire", "Hypertendus sans suivi régulier."),
    ("Modalités de délégation de tâches", "Consultation infirmière protocolisée."),
    ("Modalités de mise en œuvre de la formation", "Quatorze heures avant toute intervention."),
    ("Démarche qualité et sécurité des soins", "Revue mensuelle des événements."),
    ("Suivi et évaluation", "Bilan semestriel."),
    ("Interventions attendues par an", "300"),
    ("Répartition prévue de la subvention", "Au prorata des interventions."),
    ("Part des délégants (%)", "40"),
    ("Part des délégués (%)", "60"),
]

# What the focused element is called (label, aria-label or text) and whether its focus can be seen: an outline or a
# box shadow on it or on one of its pseudo-elements, on its label's ::before (DSFR draws checkboxes and radios there)
# or on a close ancestor styled by :focus-within (DSFR cards, the header's brand).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0] : null;
  const name = (el.getAttribute('aria-label') || (label && label.innerText) || el.innerText || el.value || '')
    .replace(/\\s+/g, ' ').trim();
  const shows = (node, pseudo) => {
    const style = getComputedStyle(node, pseudo);
    return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
      || (!!style.boxShadow && style.boxShadow !== 'none');
  };
  const candidates = [[el, null], [el, '::before'], [el, '::after']];
  if (label) candidates.push([label, '::before']);
  let parent = el.parentElement;
  for (let depth = 0; parent && depth < 4; depth++, parent = parent.parentElement) {
    if (parent.matches(':focus-within')) candidates.push([parent, null]);
  }
  return {name, tag: el.tagName.toLowerCase(), visible: candidates.some(([node, pseudo]) => shows(node, pseudo))};
}"""


class Keyboard:
    def __init__(self, page: Page):
        self.page = page
        self.presses = 0

    def focus(self, name: str, *, key: str = "Tab", limit: int = 120) -> dict:
        """Press ``key`` until the focused element's name starts with ``name``; every stop must show its focus."""
        for _ in range(limit):
            self.page.keyboard.press(key)
            self.presses += 1
            focused = self.page.evaluate(FOCUSED)
            if focused is None:
                continue
            assert focused["visible"], f"focus invisible sur {focused}"
            if focused["name"].startswith(name):
                return focused
        raise AssertionError(f"« {name} » jamais atteint avec {key}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


@pytest.fixture
def open_call(live_demo):
    now = timezone.now()
    campaign = CampaignFactory(
        region=Region.objects.get(code="PACA"),
        title=CAMPAIGN,
        published_at=now - datetime.timedelta(days=1),
        created_by=User.objects.get(email="admin.paca@demo.fr"),
    )
    return WaveFactory(
        campaign=campaign, opens_at=now - datetime.timedelta(days=1), deadline=now + datetime.timedelta(days=20)
    )


def test_the_coordinator_files_her_dossier_with_the_keyboard_only(page: Page, live_demo, open_call):
    log_in(page, live_demo.url, "coordinateur.msp@demo.fr")  # the login form is not what this test is about
    page.goto(f"{live_demo.url}/candidatures/")
    keys = Keyboard(page)

    # The skip link leads to the content; the call's link, then the button that opens the dossier.
    keys.focus("Contenu")
    page.keyboard.press("Enter")
    keys.focus(CAMPAIGN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Ouvrir le dossier")).to_be_visible()
    keys.focus("Ouvrir le dossier")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("AMI-PACA-")

    # The health project: the file input opens the file chooser with Space; Enter on the button uploads it.
    chooser = _open_file_chooser_with_space(page, keys, "Fichier")
    chooser.set_files({"name": "projet-de-sante.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF})
    keys.focus("Joindre la pièce")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("dossier-attachments")).to_contain_text("projet-de-sante.pdf")

    # Back up to the form (Shift+Tab), choose the protocol by typing its code, then answer field after field.
    keys.focus("Protocole", key="Shift+Tab", limit=200)
    keys.type("LOC-PACA-HTA")
    expect(page.get_by_test_id("dossier-team")).to_contain_text("Délégant")
    for label, value in ANSWERS:
        keys.focus(label)
        keys.type(value)
    page.keyboard.press("Tab")  # leaving the last field saves it at once (change event)
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Enregistré à", timeout=15_000)
    expect(page.get_by_test_id("completeness-state")).to_have_text("Dossier complet", timeout=15_000)
    screenshot(page, "clavier-dossier-complet")

    keys.focus("Vérifier et déposer")  # an autosave swapping the panel gives the focus back to it (stable id)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Déposer le dossier", timeout=15_000)
    keys.focus("J'atteste sur l'honneur")
    page.keyboard.press("Space")
    keys.focus("Déposer le dossier")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("dossier-state")).to_contain_text("Déposé")
    screenshot(page, "clavier-dossier-depose")

    dossier = Dossier.objects.get(wave=open_call)
    assert dossier.state == DossierState.SUBMITTED and dossier.sworn_statement
    assert dossier.protocol.code == "LOC-PACA-HTA" and dossier.delegate_share_percent == 60
    print(f"\nDossier {dossier.reference} déposé au clavier en {keys.presses} appuis de tabulation.")


def _open_file_chooser_with_space(page, keys, label):
    """Space on the focused file input opens the chooser. Under load, Chromium can drop a key pressed while the page
    is still settling (DSFR scripts initialising): the key is pressed again, still with the keyboard only."""
    keys.focus(label)
    for attempt in range(3):
        if attempt:  # one step back, then Tab forward onto the input again
            page.keyboard.press("Shift+Tab")
            keys.focus(label)
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
