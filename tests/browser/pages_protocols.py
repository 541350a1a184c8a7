"""Page objects of the protocols journey: what a coordinator, a professional and an instructor do, by role and
label as they see the screens."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from protocols.demo.documents import tiny_pdf

SECTIONS = {
    "Objet du protocole": "Suivi de l'asthme de l'enfant par l'infirmier : contrôle, éducation, renouvellement.",
    "Patients concernés : critères d'inclusion": "Enfants de 6 à 15 ans asthmatiques connus, stables.",
    "Critères d'exclusion": "Crise en cours, hospitalisation dans l'année.",
    "Actes et activités délégués": "Débit expiratoire de pointe.\nRenouvellement du traitement de fond.",
    "Durée de la formation des délégués (heures)": "8",
    "Programme de formation": "8 h en équipe : recommandations HAS, techniques d'inhalation.",
    "Modalités de disponibilité du délégant": "Médecin joignable par téléphone, avis dans la journée.",
    "Information et consentement du patient": "Information des parents, consentement tracé.",
    "Démarche qualité et sécurité des soins": "Revue trimestrielle, événements analysés en RMM.",
    "Indicateurs de suivi": "Nombre d'enfants suivis",
}


def sample_pdf(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(tiny_pdf(name, "Document de démonstration"))
    return path


class CoordinatorPages:
    def __init__(self, page: Page, base_url: str):
        self.page, self.base_url = page, base_url

    def create_local_protocol(self, code: str, title: str) -> None:
        page = self.page
        page.get_by_role("link", name="Protocoles", exact=True).click()
        page.get_by_role("link", name="Nouveau protocole").click()
        page.get_by_label("Code du protocole").fill(code)
        page.get_by_label("Intitulé du protocole local").fill(title)
        page.get_by_role("button", name="Créer le protocole").click()
        expect(page.get_by_role("heading", name="Rédaction du protocole")).to_be_visible()

    def write_sections(self) -> None:
        page = self.page
        page.get_by_role("textbox", name=re.compile("^Objet du protocole")).fill(SECTIONS["Objet du protocole"])
        expect(page.get_by_test_id("autosave-status")).to_contain_text("Brouillon enregistré")
        for label, value in SECTIONS.items():
            role = "spinbutton" if label.startswith("Durée") else "textbox"
            page.get_by_role(role, name=re.compile("^" + re.escape(label))).fill(value)
        page.get_by_role("group", name="Professions des délégants").get_by_label("Médecin").check(force=True)
        page.get_by_role("group", name="Professions des délégués").get_by_label("Infirmier", exact=True).check(
            force=True
        )
        page.get_by_label(re.compile("inscrit dans le projet de santé")).check(force=True)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("Le protocole est enregistré.")).to_be_visible()

    def answer_checklist(self) -> None:
        page = self.page
        page.get_by_role("link", name="Qualité et sécurité (R.4011-1)").click()
        radios = page.get_by_role("radio", name="Oui")
        for index in range(radios.count()):
            radios.nth(index).check(force=True)
        page.get_by_role("button", name="Enregistrer la liste de contrôle").click()
        expect(page.get_by_text("La liste de contrôle est enregistrée.")).to_be_visible()

    def invite(self, person: str, role: str) -> None:
        page = self.page
        page.get_by_role("link", name="Équipe", exact=True).click()
        select = page.get_by_label("Professionnel de la structure")
        select.select_option(label=select.locator("option", has_text=person).text_content().strip())
        page.get_by_role("group", name="Rôle dans le protocole").get_by_label(role).check(force=True)
        page.get_by_role("button", name="Envoyer l'invitation").click()
        expect(page.get_by_text("Invitation envoyée")).to_be_visible()

    def declare(self) -> None:
        page = self.page
        page.get_by_role("link", name="Déclarations", exact=True).click()
        page.get_by_role("link", name="Déclarer à l'ARS").click()
        expect(page.get_by_test_id("preflight-ok")).to_be_visible()
        page.get_by_label(re.compile("Je certifie que les professionnels déclarés")).check(force=True)
        page.get_by_role("button", name="Déclarer le protocole à l'ARS").click()
        expect(page.get_by_text("Le protocole est déclaré à l'ARS")).to_be_visible()


class ProfessionalPages:
    def __init__(self, page: Page, base_url: str):
        self.page, self.base_url = page, base_url

    def open_invitation(self, code: str) -> None:
        page = self.page
        page.get_by_role("link", name="Mes protocoles", exact=True).click()
        page.get_by_test_id("pending-invitation").get_by_role("link", name=re.compile(code)).click()

    def upload_documents(self, tmp_path: Path) -> None:
        page = self.page
        page.get_by_role("link", name="Déposer mes pièces").click()
        for kind in ("engagement", "identity", "registration", "competence", "insurance"):
            section = page.get_by_test_id(f"document-{kind}")
            section.get_by_label("Fichier").set_input_files(sample_pdf(tmp_path, f"{kind}.pdf"))
            section.get_by_role("button", name=re.compile("Déposer")).click()
            expect(page.get_by_test_id(f"document-{kind}")).to_contain_text("Fournie, en attente de l'ARS")

    def record_training(self, tmp_path: Path, completed_on: str) -> None:
        page = self.page
        page.get_by_role("link", name="Renseigner la formation").click()
        page.get_by_label("Durée (heures)").fill("8")
        page.get_by_label("Organisme ou formateurs").fill("Formation interne de la MSP")
        page.get_by_label("Formation terminée le").fill(completed_on)
        page.get_by_label("Attestation de formation").set_input_files(sample_pdf(tmp_path, "attestation.pdf"))
        page.get_by_role("button", name="Enregistrer la formation").click()
        expect(page.get_by_text("La formation est enregistrée.")).to_be_visible()

    def accept(self) -> None:
        page = self.page
        page.get_by_role("link", name="Répondre à l'invitation").click()
        page.get_by_label(re.compile("J'adhère volontairement à ce protocole")).check(force=True)
        page.get_by_role("button", name="Accepter et rejoindre l'équipe").click()
        expect(page.get_by_text("Vous faites désormais partie de l'équipe")).to_be_visible()
