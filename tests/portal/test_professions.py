"""The professions a protocol is open to, as seed 001 names them (CSP art. L.4011-1): medical, pharmacy, and every
paramedical profession of book III of part IV of the code; the codes stored before stay as they were."""

from django.urls import reverse

from portal.models import Profession, Professional
from portal.models.user import profession_choices_grouped
from tests.portal.factories import ProfessionalFactory

# Values stored before the list grew: they must never change (rows, JSON lists of protocols, exports use them).
STORED_BEFORE = {
    "medecin",
    "infirmier",
    "pharmacien",
    "masseur_kinesitherapeute",
    "orthoptiste",
    "sage_femme",
    "orthophoniste",
    "pedicure_podologue",
    "dieteticien",
    "ergotherapeute",
    "psychomotricien",
    "chirurgien_dentiste",
    "preparateur_pharmacie",
}

SEED_001_AND_BOOK_III = {
    # Professions médicales, de la pharmacie (seed 001).
    "Médecin",
    "Sage-femme",
    "Chirurgien-dentiste (odontologiste)",
    "Pharmacien",
    "Préparateur en pharmacie",
    # Professions paramédicales (CSP, 4e partie, livre III).
    "Infirmier",
    "Infirmier en pratique avancée",
    "Masseur-kinésithérapeute",
    "Pédicure-podologue",
    "Ergothérapeute",
    "Psychomotricien",
    "Orthophoniste",
    "Orthoptiste",
    "Manipulateur d'électroradiologie médicale",
    "Technicien de laboratoire médical",
    "Audioprothésiste",
    "Opticien-lunetier",
    "Prothésiste et orthésiste pour l'appareillage",
    "Diététicien",
    "Aide-soignant",
    "Auxiliaire de puériculture",
    "Ambulancier",
    "Assistant dentaire",
}


def test_every_profession_of_seed_001_and_of_book_iii_is_offered():
    assert set(Profession.labels) == SEED_001_AND_BOOK_III


def test_codes_stored_before_are_unchanged_and_every_code_fits_the_column():
    assert STORED_BEFORE <= set(Profession.values)
    column = Professional._meta.get_field("profession").max_length
    assert all(len(value) <= column for value in Profession.values)


def test_choices_are_grouped_as_seed_001_groups_them_and_cover_every_profession():
    groups = dict(profession_choices_grouped())
    assert list(groups) == ["Professions médicales", "Professions de la pharmacie", "Professions paramédicales"]
    assert [value for value, _label in groups["Professions de la pharmacie"]] == [
        "pharmacien",
        "preparateur_pharmacie",
    ]
    flat = [value for options in groups.values() for value, _label in options]
    assert sorted(flat) == sorted(Profession.values)


def test_a_paramedical_professional_new_to_the_list_saves_his_profession(client):
    professional = ProfessionalFactory(rpps="10000000033")
    client.force_login(professional.user)
    page = client.get(reverse("portal:account")).content.decode()
    assert '<optgroup label="Professions paramédicales">' in page
    response = client.post(
        reverse("portal:account"),
        {"professional": "1", "pro-profession": "aide_soignant", "pro-rpps": "10000000033"},
    )
    assert response.status_code == 302
    professional.refresh_from_db()
    assert professional.get_profession_display() == "Aide-soignant"
    refused = client.post(
        reverse("portal:account"),
        {"professional": "1", "pro-profession": "astrologue", "pro-rpps": "10000000033"},
    )
    assert refused.status_code == 400
    professional.refresh_from_db()
    assert professional.profession == "aide_soignant"
