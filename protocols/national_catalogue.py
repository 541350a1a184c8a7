"""The national catalogue: the six "soins non programmés" (SNP) protocols listed by seed 004 (ARS Nouvelle-Aquitaine,
1 August 2022), with the conditions seed 003 gives for the two authorised in CPTS.

Training hours come from seed 003 where it gives them (4 h pollakiuria, 10 h odynophagia). For the four others no
source of the portal gives a figure: ``training_hours`` stays empty and ``training_hours_source`` says the ARS must
confirm it from the protocol's HAS specification (see docs/decisions.md, "Protocoles").

Used by the data migration ``0004_fill_national_protocols`` and by the demo seeder (a test database flushed between
transactional tests loses migration data).
"""

from decimal import Decimal

TO_CONFIRM = "Durée non donnée par les sources du portail : à confirmer par l'ARS d'après la trame HAS du protocole"
SNP_2020 = "Protocole SNP autorisé en 2020 (arrêtés publiés au Journal officiel du 8 mars 2020)"
AVAILABILITY_SEED_003 = (
    "Délégant joignable au moins par téléphone et téléconsultation par le délégué. "
    "Intervention du délégant dans les 24 h."
)
STRUCTURE_PLURI = ["MSP", "CDS"]
COORDINATED_OR_CPTS = ["MSP", "CDS", "ESP", "CPTS"]

PROTOCOLS = [
    {
        "code": "SNP-POLLAKIURIE",
        "short_title": "Pollakiurie et brûlures mictionnelles",
        "title": (
            "Pollakiurie et brûlures mictionnelles chez la femme de 16 à 65 ans : prise en charge par l'infirmier "
            "diplômé d'État ou le pharmacien d'officine dans le cadre d'une structure d'exercice coordonné ou "
            "d'une CPTS"
        ),
        "delegant_professions": ["medecin"],
        "delegate_professions": ["infirmier", "pharmacien"],
        "training_hours": 4,
        "training_hours_source": (
            "Seed 003 (ARS Nouvelle-Aquitaine) : « formation de 4 heures obligatoire du délégué »"
        ),
        "allowed_structure_kinds": COORDINATED_OR_CPTS,
        "patients": (
            "Femme de 16 à 65 ans sans facteurs de risque, présentant des signes fonctionnels urinaires d'apparition "
            "récente (attention aux critères d'exclusion)."
        ),
        "delegant_availability": AVAILABILITY_SEED_003,
        "legal_reference": "Arrêtés du 9 mars 2023 et du 17 août 2023 ; arrêté du 17 juin 2024",
    },
    {
        "code": "SNP-ODYNOPHAGIE",
        "short_title": "Odynophagie",
        "title": (
            "Odynophagie (douleur de gorge ressentie ou augmentée lors de la déglutition) : prise en charge par "
            "l'infirmier ou le pharmacien d'officine dans le cadre d'une structure d'exercice coordonné ou d'une CPTS"
        ),
        "delegant_professions": ["medecin"],
        "delegate_professions": ["infirmier", "pharmacien"],
        "training_hours": 10,
        "training_hours_source": (
            "Seed 003 (ARS Nouvelle-Aquitaine) : « formation de 10 heures obligatoire du délégué »"
        ),
        "allowed_structure_kinds": COORDINATED_OR_CPTS,
        "patients": "Patients de 6 à 45 ans (6 à 50 ans depuis l'arrêté du 17 juin 2024), hors critères d'exclusion.",
        "delegant_availability": AVAILABILITY_SEED_003,
        "legal_reference": "Arrêtés du 9 mars 2023 et du 17 août 2023 ; arrêté du 17 juin 2024",
    },
    {
        "code": "SNP-CHEVILLE",
        "short_title": "Traumatisme en torsion de la cheville",
        "title": (
            "Prise en charge du traumatisme en torsion de la cheville par le masseur-kinésithérapeute dans le cadre "
            "d'une structure pluriprofessionnelle"
        ),
        "delegant_professions": ["medecin"],
        "delegate_professions": ["masseur_kinesitherapeute"],
        "training_hours": None,
        "training_hours_source": TO_CONFIRM,
        "allowed_structure_kinds": STRUCTURE_PLURI,
        "patients": "Patients se présentant pour un traumatisme en torsion de la cheville (critères de la trame HAS).",
        "delegant_availability": "",
        "legal_reference": SNP_2020,
    },
    {
        "code": "SNP-LOMBALGIE",
        "short_title": "Douleur lombaire aiguë",
        "title": (
            "Prise en charge de la douleur lombaire aiguë inférieure à 4 semaines par le masseur-kinésithérapeute "
            "dans le cadre d'une structure pluriprofessionnelle"
        ),
        "delegant_professions": ["medecin"],
        "delegate_professions": ["masseur_kinesitherapeute"],
        "training_hours": None,
        "training_hours_source": TO_CONFIRM,
        "allowed_structure_kinds": STRUCTURE_PLURI,
        "patients": (
            "Patients présentant une douleur lombaire aiguë de moins de 4 semaines (critères de la trame HAS)."
        ),
        "delegant_availability": "",
        "legal_reference": SNP_2020,
    },
    {
        "code": "SNP-RHINITE",
        "short_title": "Rhino-conjonctivite allergique saisonnière",
        "title": (
            "Renouvellement du traitement de la rhino-conjonctivite allergique saisonnière pour les patients de 15 à "
            "50 ans par l'infirmier diplômé d'État et le pharmacien d'officine dans le cadre d'une structure "
            "pluriprofessionnelle"
        ),
        "delegant_professions": ["medecin"],
        "delegate_professions": ["infirmier", "pharmacien"],
        "training_hours": None,
        "training_hours_source": TO_CONFIRM,
        "allowed_structure_kinds": STRUCTURE_PLURI,
        "patients": "Patients de 15 à 50 ans déjà diagnostiqués, pour le renouvellement de leur traitement.",
        "delegant_availability": "",
        "legal_reference": SNP_2020,
    },
    {
        "code": "SNP-VARICELLE",
        "short_title": "Éruption vésiculeuse prurigineuse de l'enfant",
        "title": (
            "Prise en charge de l'enfant de 12 mois à 12 ans présentant une éruption cutanée vésiculeuse "
            "prurigineuse par l'infirmier diplômé d'État ou le pharmacien d'officine dans le cadre d'une structure "
            "pluriprofessionnelle"
        ),
        "delegant_professions": ["medecin"],
        "delegate_professions": ["infirmier", "pharmacien"],
        "training_hours": None,
        "training_hours_source": TO_CONFIRM,
        "allowed_structure_kinds": STRUCTURE_PLURI,
        "patients": "Enfants de 12 mois à 12 ans présentant une éruption cutanée vésiculeuse prurigineuse.",
        "delegant_availability": "",
        "legal_reference": SNP_2020,
    },
]


# The forfait of the Assurance maladie for the two SNP protocols seed 003 sets out for CPTS and MSP/CDS: "25 Euros
# par patient y compris la revoyure du délégant (MG) dans les 24h", no cap stated. Kept apart from ``PROTOCOLS``:
# migration 0004's historical model has no forfait fields (``fill_forfaits``, in 0012_fill_snp_forfaits, sets them).
FORFAITS = {
    "SNP-POLLAKIURIE": (Decimal("25.00"), "patient"),
    "SNP-ODYNOPHAGIE": (Decimal("25.00"), "patient"),
}


def fill(model, *, update: bool = True) -> None:
    """Create the catalogue rows (``model`` may be a historical model); ``update`` also corrects existing ones. A
    row created on a model that knows forfaits gets its forfait too (the demo on a flushed test database)."""
    has_forfaits = any(field.name == "forfait_amount" for field in model._meta.get_fields())
    for data in PROTOCOLS:
        data = dict(data)
        code = data.pop("code")
        if update:
            model.objects.update_or_create(code=code, defaults=data)
        elif not model.objects.filter(code=code).exists():
            if has_forfaits and code in FORFAITS:
                data["forfait_amount"], data["forfait_unit"] = FORFAITS[code]
            model.objects.create(code=code, **data)


def fill_forfaits(model) -> None:
    """Mark the SNP protocols of seed 003 as funded by the Assurance maladie's forfait (data migration)."""
    for code, (amount, unit) in FORFAITS.items():
        model.objects.filter(code=code).update(forfait_amount=amount, forfait_unit=unit)
