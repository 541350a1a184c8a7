"""The texts and stories of the demo campaigns and dossiers (see ``funding.demo.campaigns``)."""

import datetime
from zoneinfo import ZoneInfo

from funding.demo import keys
from protocols.demo import keys as protocol_keys

PARIS = ZoneInfo("Europe/Paris")

HAUT_VAR = {
    "finess": "830012340",
    "kind": "MSP",
    "name": "MSP du Haut-Var",
    "siret": "81234571000014",
    "address": "8 avenue Frédéric Mistral",
    "postal_code": "83170",
    "commune": "Brignoles",
    "departement": "83",
    "in_zip": True,
}
HAUT_VAR_COORDINATOR = ("coordinateur.hautvar@demo.fr", "Martine", "Giraud")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


PACA_DESCRIPTION = """
<h3>Contexte</h3>
<p>Les protocoles de coopération permettent aux professionnels de santé travaillant en équipe de réorganiser leur
intervention auprès des patients en opérant entre eux des transferts d'activités ou d'actes de soins ou de
prévention (article L. 4011-1 du code de la santé publique). Depuis la loi du 26 avril 2021, les maisons de santé,
centres de santé, CPTS et équipes de soins primaires peuvent élaborer des <strong>protocoles locaux de
coopération</strong>, à leur seul usage, intégrés à leur projet de santé (article L. 4011-4-1).</p>
<p>En cohérence avec le Projet régional de santé 2023-2028, l'ARS Provence-Alpes-Côte d'Azur lance cet appel à
manifestation d'intérêt.</p>
<h3>Objectifs</h3>
<p>Soutenir les structures d'exercice coordonné, les ESP et les CPTS dans la mise en œuvre de protocoles de
coopération locaux, en deux étapes :</p>
<ul>
<li><strong>Étape 1</strong> : accompagnement par les équipes de l'ARS à la rédaction du protocole local ;</li>
<li><strong>Étape 2</strong> : une fois le protocole déclaré, l'ARS verse <strong>25 € par intervention</strong>
réalisée dans le cadre du protocole, dans la limite de <strong>7 000 € par an</strong>. La répartition entre
délégants et délégués relève de la structure.</li>
</ul>
<p>La première vague finance 5 projets. Une seconde vague pourra être envisagée selon la mesure d'impact de la
première.</p>
<h3>Calendrier</h3>
<ul>
<li>Dépôt des candidatures jusqu'au 15 janvier 2025 à 8 h ;</li>
<li>Commission de sélection : février 2025 ;</li>
<li>Réponse aux porteurs : premier trimestre 2025.</li>
</ul>
"""

PACA_RULES = """
<h3>Profil des candidats</h3>
<p>Professionnels de santé exerçant en centres de santé, maisons de santé pluriprofessionnelles, équipes de soins
primaires et CPTS de la région.</p>
<h3>Instruction</h3>
<ol>
<li>Vérification de la régularité administrative et de la complétude du dossier ;</li>
<li>Vérification de l'adéquation de la réponse proposée aux besoins.</li>
</ol>
<h3>Critères de sélection</h3>
<ol>
<li>Pertinence du protocole local sur le territoire, au regard du projet de santé de la structure, des patients,
des délégués et des délégants ;</li>
<li>Conditions de réalisation : dimensionnement de l'équipe pluriprofessionnelle, modalités de délégation, modalités
de formation, démarche qualité et sécurité des soins, suivi et évaluation.</li>
</ol>
<p>Une attention particulière est portée aux territoires à offre de soins insuffisante (ZIP, ZAC) et aux quartiers
prioritaires de la politique de la ville (QPV). Les projets doivent ouvrir l'accès aux soins en ville, créer de
nouvelles organisations, faire acquérir de nouvelles compétences, libérer du temps médical et garantir une prise en
charge sécurisée.</p>
<h3>Suivi</h3>
<p>Les équipes retenues rendent compte deux fois par an de l'utilisation des financements.</p>
"""

CVL_DESCRIPTION = """
<p>L'ARS Centre-Val de Loire accompagne et finance les protocoles de coopération locaux des maisons de santé, centres
de santé, ESP et CPTS de la région : 25 € par intervention dans la limite de 7 000 € par an.</p>
"""

COMMON_ANSWERS = {
    "delegation_modalities": "Consultations protocolisées par les délégués, sur les créneaux dédiés ; le délégant "
    "est joignable par téléphone pendant les heures d'ouverture et revoit chaque dossier sous 24 heures. Tout "
    "patient hors critères est réorienté vers son médecin le jour même.",
    "training_modalities": "Formation théorique et pratique de 10 heures assurée par les médecins délégants avant "
    "toute intervention, avec compagnonnage sur les cinq premières consultations.",
    "quality_approach": "Recueil du consentement du patient, traçabilité dans le dossier partagé, déclaration des "
    "événements indésirables et revue trimestrielle en réunion pluriprofessionnelle (RCP).",
    "monitoring_evaluation": "Indicateurs : nombre de patients inclus, d'interventions, de réorientations, délai "
    "d'accès à une consultation ; bilan semestriel transmis à l'ARS.",
}

PACA_DOSSIERS = [
    {
        "reference": keys.OLIVIERS_DOSSIER,
        "finess": protocol_keys.OLIVIERS_FINESS,
        "coordinator": "coordinateur.msp@demo.fr",
        "protocol": protocol_keys.HTA_CODE,
        "created": at(2024, 12, 2, 10, 15),
        "answers": {
            "territory_description": "13e arrondissement de Marseille (quartiers nord), 89 000 habitants ; deux "
            "médecins généralistes partis à la retraite en 2024 sans successeur.",
            "territory_needs": "1 200 patients hypertendus suivis par la MSP, dont un tiers sans consultation depuis "
            "plus d'un an. Le protocole libère du temps médical pour les nouveaux patients sans médecin traitant.",
            "team_description": "Deux médecins délégants, deux infirmiers et un pharmacien délégués.",
            "expected_interventions_per_year": 600,
            "subsidy_sharing": "Part fixe reversée aux délégués au prorata des interventions, le reste aux "
            "délégants pour le temps de supervision et de revue des dossiers.",
            "delegant_share_percent": 40,
            "delegate_share_percent": 60,
        },
        "submitted": at(2025, 1, 10, 10, 42, 13),
    },
    {
        "reference": keys.PAYS_D_AIX_DOSSIER,
        "finess": protocol_keys.PAYS_D_AIX_FINESS,
        "coordinator": "coordinateur.cpts@demo.fr",
        "protocol": protocol_keys.PAYS_D_AIX_LOCAL_CODE,
        "created": at(2024, 12, 9, 14, 0),
        "answers": {
            "territory_description": "Pays d'Aix : 36 communes, 400 000 habitants ; délais de rendez-vous de "
            "médecine générale supérieurs à 10 jours dans les communes rurales.",
            "territory_needs": "Patients diabétiques de type 2 sans consultation de suivi depuis plus d'un an dans "
            "les communes rurales : le suivi infirmier protocolisé libère du temps médical.",
            "team_description": "Six médecins généralistes délégants et huit infirmiers libéraux délégués de la CPTS.",
            "expected_interventions_per_year": 280,
            "subsidy_sharing": "À parts égales.",
            "delegant_share_percent": 50,
            "delegate_share_percent": 50,
        },
        "submitted": at(2025, 1, 14, 17, 5, 31),
    },
    {
        "reference": keys.BELLE_DE_MAI_DOSSIER,
        "finess": protocol_keys.BELLE_DE_MAI_FINESS,
        "coordinator": "coordinateur.cds@demo.fr",
        "protocol": protocol_keys.BELLE_DE_MAI_CODE,
        "created": at(2025, 1, 8, 9, 30),
        "answers": {
            "territory_description": "Quartier de la Belle de Mai (3e arrondissement de Marseille), quartier "
            "prioritaire de la politique de la ville.",
            "territory_needs": "Couverture vaccinale insuffisante des adultes du quartier.",
        },
        "partial": True,
    },
    {
        "reference": keys.VAL_DE_L_ARC_DOSSIER,
        "finess": protocol_keys.VAL_DE_L_ARC_FINESS,
        "coordinator": "coordinateur.esp@demo.fr",
        "protocol": None,
        "created": at(2024, 12, 16, 11, 0),
        "answers": {
            "drafting_support_requested": True,
            "drafting_support_needs": "Aide à la rédaction d'un protocole de renouvellement des traitements "
            "chroniques par l'infirmier, à mettre en œuvre avec la CPTS du Pays d'Aix.",
            "territory_description": "Meyreuil et communes voisines, zone d'action complémentaire.",
            "territory_needs": "Patients âgés polymédiqués, peu mobiles, éloignés des cabinets médicaux.",
            "team_description": "Un médecin généraliste délégant et trois infirmiers libéraux délégués pressentis.",
            "expected_interventions_per_year": 150,
            "subsidy_sharing": "Répartition à définir avec la CPTS.",
            "delegant_share_percent": 30,
            "delegate_share_percent": 70,
        },
        "submitted": at(2025, 1, 13, 16, 20, 4),
    },
    {
        "reference": keys.INADMISSIBLE_DOSSIER,
        "finess": HAUT_VAR["finess"],
        "coordinator": HAUT_VAR_COORDINATOR[0],
        "protocol": None,
        "created": at(2025, 1, 6, 18, 0),
        "answers": {
            "drafting_support_requested": True,
            "drafting_support_needs": "Rédaction d'un protocole de suivi des plaies chroniques par l'infirmier.",
            "territory_description": "Brignoles et la Provence verte, zone d'intervention prioritaire.",
            "territory_needs": "Plaies chroniques suivies à l'hôpital faute de médecin disponible en ville.",
            "team_description": "Deux médecins délégants et quatre infirmiers délégués.",
            "expected_interventions_per_year": 200,
            "subsidy_sharing": "Aux délégués pour l'essentiel.",
            "delegant_share_percent": 20,
            "delegate_share_percent": 80,
        },
        "submitted": at(2025, 1, 14, 23, 51, 12),
        "attachment_label": "Projet de santé (version non signée)",
    },
]

CVL_DOSSIER = {
    "reference": keys.CVL_DOSSIER,
    "finess": protocol_keys.VAL_DE_LOIRE_FINESS,
    "coordinator": "coordinateur.cvl@demo.fr",
    "protocol": protocol_keys.CVL_CODE,
    "created": at(2025, 3, 3, 9, 0),
    "answers": {
        "territory_description": "Tours nord et communes de la Gâtine, zone d'action complémentaire.",
        "territory_needs": "Patients atteints de BPCO sans suivi respiratoire régulier.",
        "team_description": "Un pneumologue et un médecin généraliste délégants, deux infirmiers délégués.",
        "expected_interventions_per_year": 320,
        "subsidy_sharing": "Au prorata du temps passé.",
        "delegant_share_percent": 35,
        "delegate_share_percent": 65,
    },
    "submitted": at(2025, 3, 12, 15, 2, 40),
}


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with a title: enough to stand for a document of the demo."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 16 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
