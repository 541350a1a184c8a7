"""The national catalogue: the six "soins non programmés" (SNP) protocols listed by seed 004 (ARS Nouvelle-Aquitaine,
1 August 2022), with the conditions seed 003 gives for the two authorised in CPTS.

History (issue 17): ``PROTOCOLS`` is the catalogue as migration 0004 first wrote it, kept as it was (it becomes
version 1 of each protocol, migration 0015). ``CORRECTIONS`` are version 2, read line by line against the seeds
(migration 0016): the orders of 17 June 2024 that seed 003 cites delegate pollakiuria and odynophagia to the nurse
only; the four protocols of 2020 are dated by no source of the portal. Later changes are made in the portal by the
platform's administrators (``protocols.services.catalogue``).

Training hours come from seed 003 where it gives them (4 h pollakiuria, 10 h odynophagia). For the four others no
source of the portal gives a figure: ``training_hours`` stays empty and ``training_hours_source`` says the ARS must
confirm it from the protocol's HAS specification (see docs/decisions.md, "Protocoles").

Used by the data migration ``0004_fill_national_protocols`` and by the demo seeder (a test database flushed between
transactional tests loses migration data).
"""

import datetime
from decimal import Decimal

TO_CONFIRM = "Durée non donnée par les sources du portail : à confirmer par l'ARS d'après la trame HAS du protocole"
SNP_2020 = "Protocole SNP autorisé en 2020 (arrêtés publiés au Journal officiel du 8 mars 2020)"
AVAILABILITY_SEED_003 = (
    "Délégant joignable au moins par téléphone et téléconsultation par le délégué. "
    "Intervention du délégant dans les 24 h."
)
STRUCTURE_PLURI = ["MSP", "CDS"]
COORDINATED_OR_CPTS = ["MSP", "CDS", "ESP", "CPTS"]

# Frozen: what migration 0004 wrote (version 1). Do not correct here: add a version (``CORRECTIONS`` or the portal).
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


ORDERS_2020 = (
    "Protocole de soins non programmés autorisé en 2020 (« les 6 protocoles de soins non programmés autorisés en "
    "2020 ») ; date de l'arrêté à préciser par l'administrateur de la plateforme"
)

# Version 2 of each protocol: what differs from version 1 once read against the seeds, with the order that sets it.
CORRECTIONS = {
    "SNP-POLLAKIURIE": {
        "order_reference": (
            "Arrêté du 17 juin 2024 relatif au protocole de coopération « Prise en charge par l'infirmier diplômé "
            "d'État de la pollakiurie et des brûlures mictionnelles non fébriles chez la femme de 16 à 65 ans »"
        ),
        "order_date": datetime.date(2024, 6, 17),
        "effective_on": datetime.date(2024, 6, 17),
        "reason": (
            "Correction d'après la seed 003 (ARS Nouvelle-Aquitaine) et l'arrêté du 17 juin 2024 qu'elle cite : "
            "l'infirmier diplômé d'État est le seul délégué ; le pharmacien d'officine n'est plus délégué."
        ),
        "title": (
            "Prise en charge par l'infirmier diplômé d'État de la pollakiurie et des brûlures mictionnelles non "
            "fébriles chez la femme de 16 à 65 ans dans le cadre d'une structure d'exercice coordonné ou d'une CPTS"
        ),
        "delegate_professions": ["infirmier"],
        "care_setting": "Cabinet infirmier et domicile des patientes",
        "legal_reference": (
            "Arrêté du 9 mars 2023, modifié par l'arrêté du 17 août 2023 ; arrêté du 17 juin 2024 (infirmier seul)"
        ),
    },
    "SNP-ODYNOPHAGIE": {
        "order_reference": (
            "Arrêté du 17 juin 2024 relatif au protocole de coopération « Prise en charge par l'infirmier des "
            "patients de 6 à 50 ans se présentant pour odynophagie »"
        ),
        "order_date": datetime.date(2024, 6, 17),
        "effective_on": datetime.date(2024, 6, 17),
        "reason": (
            "Correction d'après la seed 003 (ARS Nouvelle-Aquitaine) et l'arrêté du 17 juin 2024 qu'elle cite : "
            "l'infirmier est le seul délégué (le pharmacien d'officine n'est plus délégué), patients de 6 à 50 ans."
        ),
        "title": (
            "Prise en charge par l'infirmier des patients de 6 à 50 ans se présentant pour odynophagie (douleur de "
            "gorge ressentie ou augmentée lors de la déglutition) dans le cadre d'une structure d'exercice "
            "coordonné ou d'une CPTS"
        ),
        "delegate_professions": ["infirmier"],
        "patients": (
            "Patients de 6 à 50 ans (arrêté du 17 juin 2024 ; 6 à 45 ans selon l'arrêté du 9 mars 2023), hors "
            "critères d'exclusion."
        ),
        "care_setting": "Cabinet infirmier et domicile des patients",
        "legal_reference": (
            "Arrêté du 9 mars 2023, modifié par l'arrêté du 17 août 2023 ; arrêté du 17 juin 2024 (infirmier seul, "
            "6 à 50 ans)"
        ),
    },
    **{
        code: {
            "order_reference": "Arrêté d'autorisation de 2020 (date à préciser)",
            "order_date": None,
            "effective_on": None,
            "reason": (
                "Correction d'après les seeds : elles disent ce protocole « autorisé en 2020 » (FAQ du ministère, "
                "seed 001) sans dater l'arrêté ; la date de publication que donnait le catalogue n'a pas de source."
            ),
            "legal_reference": ORDERS_2020,
        }
        for code in ("SNP-CHEVILLE", "SNP-LOMBALGIE", "SNP-RHINITE", "SNP-VARICELLE")
    },
}
INITIAL_VERSION = {
    "SNP-POLLAKIURIE": ("Arrêté du 9 mars 2023, modifié par l'arrêté du 17 août 2023", datetime.date(2023, 3, 9)),
    "SNP-ODYNOPHAGIE": ("Arrêté du 9 mars 2023, modifié par l'arrêté du 17 août 2023", datetime.date(2023, 3, 9)),
}
INITIAL_REASON = "Catalogue tel que le portail l'a d'abord rempli (avant la relecture des arrêtés)."
VERSION_KEYS = ("order_reference", "order_date", "effective_on", "reason")


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


def _content(row, versioned_fields) -> dict:
    return {name: getattr(row, name) for name in versioned_fields}


def fill_initial_versions(national_model, version_model, declaration_model, versioned_fields) -> None:
    """Version 1 of every catalogue row, as it stands; existing declarations of its adhesions name it (data
    migration: they were deposited under that text). Idempotent."""
    for national in national_model.objects.order_by("pk"):
        order_reference, order_date = INITIAL_VERSION.get(
            national.code, ("Arrêté d'autorisation de 2020 (date à préciser)", None)
        )
        version, _created = version_model.objects.get_or_create(
            national_protocol=national,
            number=1,
            defaults={
                **_content(national, versioned_fields),
                "order_reference": order_reference,
                "order_date": order_date,
                "effective_on": order_date,
                "reason": INITIAL_REASON,
            },
        )
        declaration_model.objects.filter(protocol__national_protocol=national, catalogue_version__isnull=True).update(
            catalogue_version=version
        )


def apply_corrections(national_model, version_model, versioned_fields) -> None:
    """Version 2 from ``CORRECTIONS``, on top of the latest version, and the catalogue row updated to it (data
    migration; past declarations keep naming version 1). Idempotent: a protocol already past version 1 is left."""
    for code, correction in CORRECTIONS.items():
        national = national_model.objects.filter(code=code).first()
        if national is None:
            continue
        latest = version_model.objects.filter(national_protocol=national).order_by("-number").first()
        if latest is None or latest.number != 1:
            continue
        changed = {key: value for key, value in correction.items() if key not in VERSION_KEYS}
        content = {**_content(latest, versioned_fields), **changed}
        version_model.objects.create(
            national_protocol=national,
            number=2,
            **content,
            **{key: correction[key] for key in VERSION_KEYS},
        )
        for name, value in content.items():
            setattr(national, name, value)
        national.save(update_fields=list(content))


def ensure(national_model, version_model, declaration_model, versioned_fields) -> None:
    """The whole catalogue and its history on a database that lost the migrations' rows (a test database flushed by
    a transactional test, the demo): the same steps as migrations 0004, 0012, 0015 and 0016."""
    fill(national_model, update=False)
    fill_initial_versions(national_model, version_model, declaration_model, versioned_fields)
    apply_corrections(national_model, version_model, versioned_fields)


def ensure_catalogue() -> None:
    """``ensure`` with the live models (the demo seeder, test fixtures)."""
    from protocols.models import VERSIONED_FIELDS, Declaration, NationalProtocol, NationalProtocolVersion

    ensure(NationalProtocol, NationalProtocolVersion, Declaration, VERSIONED_FIELDS)
