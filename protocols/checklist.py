"""The quality and safety requirements of art. R.4011-1 of the public health code, as a checklist.

Items follow the ministry's "checklist de conformité des protocoles locaux": every item must be answered (yes,
no, or not applicable with a justification) before the protocol can be declared.
"""

CHECKLIST_ITEMS: list[tuple[str, str, str]] = [
    # (code, section, question)
    (
        "objet",
        "Construction du protocole",
        "L'objet du protocole, les actes et activités dérogatoires sont décrits précisément.",
    ),
    (
        "recommandations",
        "Construction du protocole",
        "Le protocole respecte les recommandations de la HAS ou des sociétés savantes lorsqu'elles existent.",
    ),
    (
        "patients",
        "Construction du protocole",
        "Les patients concernés et les critères d'inclusion et d'exclusion sont définis.",
    ),
    (
        "arbre_decisionnel",
        "Sécurité de la prise en charge",
        "Le protocole comporte un arbre décisionnel et les critères de réorientation vers le délégant.",
    ),
    (
        "hors_protocole",
        "Sécurité de la prise en charge",
        "Un patient hors des critères du protocole est orienté vers le médecin.",
    ),
    (
        "information_patient",
        "Sécurité de la prise en charge",
        "Le patient est informé et son consentement recueilli avant la prise en charge.",
    ),
    (
        "tracabilite",
        "Sécurité de la prise en charge",
        "La prise en charge est tracée dans le dossier du patient et partagée de façon sécurisée.",
    ),
    (
        "evenements_indesirables",
        "Sécurité de la prise en charge",
        "Les événements indésirables sont recueillis, analysés en équipe et déclarés.",
    ),
    (
        "qualification",
        "Organisation de l'équipe",
        "Les délégants et délégués ont la qualification et l'expérience requises.",
    ),
    (
        "formation",
        "Organisation de l'équipe",
        "Le programme de formation des délégués (durée, contenu, validation) est défini et suivi avant tout acte.",
    ),
    (
        "disponibilite_delegant",
        "Organisation de l'équipe",
        "Les modalités de disponibilité et d'intervention du délégant sont définies.",
    ),
    (
        "assurance",
        "Organisation de l'équipe",
        "Chaque professionnel a déclaré son engagement à son assureur en responsabilité civile professionnelle.",
    ),
    ("indicateurs", "Suivi", "Les indicateurs de suivi du protocole et leurs modalités de recueil sont définis."),
]
CHECKLIST_CODES = [code for code, _section, _question in CHECKLIST_ITEMS]
