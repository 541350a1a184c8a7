"""Demo data of the portal layer: regions' letterheads, structures, people and roles.

Idempotent: objects are looked up by their natural key (code, FINESS, e-mail) and created only when missing, so a
second run writes nothing (not even history rows).
"""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import encrypt
from django.conf import settings

from portal.models import (
    Professional,
    Region,
    RegionMembership,
    Structure,
    StructureMembership,
    User,
)
from portal.regions import REGIONS, agency_name
from portal.roles import Role

LETTERHEADS = {
    "PACA": {
        "address": "132 boulevard de Paris\nCS 50039\n13331 Marseille Cedex 03",
        "contact_email": "ars-paca-dprs-protocoles-cooperations@ars.sante.fr",
        "signatory_name": "Le directeur général de l'ARS Provence-Alpes-Côte d'Azur",
        "signatory_title": "Par délégation, la directrice des soins de proximité",
    },
    "CVL": {
        "address": "Cité administrative Coligny\n131 rue du faubourg Bannier\n45044 Orléans Cedex 1",
        "contact_email": "ars-cvl-protocoles@ars.sante.fr",
        "signatory_name": "Le directeur général de l'ARS Centre-Val de Loire",
        "signatory_title": "Par délégation, la directrice de l'offre sanitaire",
    },
    "NAQ": {
        "address": "103 bis rue Belleville\nCS 91704\n33063 Bordeaux Cedex",
        "contact_email": "ars-na-rh-sante-prospective@ars.sante.fr",
        "signatory_name": "Le directeur général de l'ARS Nouvelle-Aquitaine",
        "signatory_title": "Par délégation, la directrice de l'offre de soins",
    },
}

# MSP, CDS and CPTS signed the ACI (local protocols are open to them) and have a projet de santé validated by the ARS;
# the ESP signs nothing (it implements a protocol through its CPTS).
STRUCTURES = [
    {
        "finess": "130012347",
        "kind": "MSP",
        "name": "MSP des Oliviers",
        "aci_signed_on": datetime.date(2019, 6, 3),
        "health_project_validated_on": datetime.date(2019, 3, 12),
        "siret": "81234567000010",
        "address": "12 rue des Oliviers",
        "postal_code": "13013",
        "commune": "Marseille",
        "departement": "13",
        "region": "PACA",
        "cpam": "CPAM des Bouches-du-Rhône",
        "in_zip": True,
    },
    {
        "finess": "130012354",
        "kind": "CPTS",
        "name": "CPTS du Pays d'Aix",
        "aci_signed_on": datetime.date(2021, 3, 15),
        "health_project_validated_on": datetime.date(2020, 11, 20),
        "siret": "81234568000019",
        "address": "5 avenue des Belges",
        "postal_code": "13100",
        "commune": "Aix-en-Provence",
        "departement": "13",
        "region": "PACA",
        "cpam": "CPAM des Bouches-du-Rhône",
    },
    {
        "finess": "130012362",
        "kind": "CDS",
        "name": "Centre de santé de la Belle de Mai",
        "aci_signed_on": datetime.date(2018, 9, 3),
        "health_project_validated_on": datetime.date(2018, 6, 5),
        "siret": "81234569000018",
        "address": "40 rue Loubon",
        "postal_code": "13003",
        "commune": "Marseille",
        "departement": "13",
        "region": "PACA",
        "cpam": "CPAM des Bouches-du-Rhône",
        "in_qpv": True,
    },
    {
        "finess": "130012370",
        "kind": "ESP",
        "name": "ESP du Val de l'Arc",
        "siret": "",
        "address": "2 place de la Mairie",
        "postal_code": "13590",
        "commune": "Meyreuil",
        "departement": "13",
        "region": "PACA",
        "in_zac": True,
    },
    {
        "finess": "370004566",
        "kind": "MSP",
        "name": "MSP du Val de Loire",
        "aci_signed_on": datetime.date(2020, 2, 3),
        "health_project_validated_on": datetime.date(2019, 10, 8),
        "siret": "81234570000015",
        "address": "3 quai de la Loire",
        "postal_code": "37000",
        "commune": "Tours",
        "departement": "37",
        "region": "CVL",
        "in_zac": True,
    },
]

# e-mail: (first name, last name, roles in structures by FINESS, roles in ARS by code, professional identity)
PEOPLE = {
    "coordinateur.msp@demo.fr": ("Claire", "Martin", {"130012347": [Role.COORDINATOR]}, {}, None),
    "medecin.msp@demo.fr": ("Paul", "Durand", {"130012347": [Role.PROFESSIONAL]}, {}, ("medecin", "10000000017")),
    "ide.msp@demo.fr": ("Inès", "Bernard", {"130012347": [Role.PROFESSIONAL]}, {}, ("infirmier", "10000000025")),
    "ide2.msp@demo.fr": ("Hugo", "Petit", {"130012347": [Role.PROFESSIONAL]}, {}, ("infirmier", "10000000033")),
    "pharmacien.msp@demo.fr": (
        "Louis",
        "Roux",
        {"130012347": [Role.PROFESSIONAL]},
        {},
        ("pharmacien", "10000000041"),
    ),
    "coordinateur.cpts@demo.fr": ("Sophie", "Garnier", {"130012354": [Role.COORDINATOR]}, {}, None),
    "medecin.cpts@demo.fr": ("Marc", "Fabre", {"130012354": [Role.PROFESSIONAL]}, {}, ("medecin", "10000000058")),
    "ide.cpts@demo.fr": ("Julie", "Blanc", {"130012354": [Role.PROFESSIONAL]}, {}, ("infirmier", "10000000066")),
    "coordinateur.cds@demo.fr": ("Nadia", "Haddad", {"130012362": [Role.COORDINATOR]}, {}, None),
    "coordinateur.esp@demo.fr": ("Yann", "Morel", {"130012370": [Role.COORDINATOR]}, {}, None),
    "instructeur.paca@demo.fr": ("Anne", "Lefèvre", {}, {"PACA": [Role.INSTRUCTOR]}, None),
    "commission.paca@demo.fr": ("Bruno", "Mercier", {}, {"PACA": [Role.COMMITTEE_MEMBER]}, None),
    "commission2.paca@demo.fr": ("Chantal", "Girard", {}, {"PACA": [Role.COMMITTEE_MEMBER]}, None),
    "finance.paca@demo.fr": ("David", "Lambert", {}, {"PACA": [Role.FINANCE_OFFICER]}, None),
    "admin.paca@demo.fr": ("Emma", "Rousseau", {}, {"PACA": [Role.REGION_ADMIN]}, None),
    "coordinateur.cvl@demo.fr": ("Gilles", "Faure", {"370004566": [Role.COORDINATOR]}, {}, None),
    "medecin.cvl@demo.fr": ("Hélène", "André", {"370004566": [Role.PROFESSIONAL]}, {}, ("medecin", "10000000074")),
    "ide.cvl@demo.fr": ("Karim", "Benali", {"370004566": [Role.PROFESSIONAL]}, {}, ("infirmier", "10000000082")),
    "instructeur.cvl@demo.fr": ("Isabelle", "Chevalier", {}, {"CVL": [Role.INSTRUCTOR]}, None),
    "admin.cvl@demo.fr": ("Jean", "Robin", {}, {"CVL": [Role.REGION_ADMIN]}, None),
    # Occitanie's funded teams are written by ``reporting.demo_regions``; its administrator compares them on the
    # campaign's follow-up indicators (the only region of the demo with two funded structures in one campaign).
    "admin.occ@demo.fr": ("Léa", "Fontaine", {}, {"OCC": [Role.REGION_ADMIN]}, None),
}
SUPERADMIN_EMAIL = "superadmin@demo.fr"
# National roles are held with no region (granted by the superadmin's invitation in real life).
NATIONAL_PEOPLE = {"pilote.national@demo.fr": ("Nora", "Delmas", [Role.NATIONAL_PILOT])}


def _ensure_user(email: str, first_name: str = "", last_name: str = "", *, superuser: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(email, settings.DEMO_PASSWORD, first_name=first_name, last_name=last_name)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _ensure_totp(user: User) -> None:
    """ARS accounts share the documented demo secret, so any authenticator app can log in."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(settings.DEMO_TOTP_SECRET)}
        )
        RecoveryCodes.activate(user)


def seed() -> dict:
    regions = {}
    # The 18 ARS (a migration fills them; a flushed test database has lost them): the national view lists them all.
    for code, name in REGIONS:
        regions[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "agency_name": agency_name(name)}
        )
    for code, letterhead in LETTERHEADS.items():
        region = regions[code]
        if not region.address:
            for field, value in letterhead.items():
                setattr(region, field, value)
            region.save()

    structures = {}
    for data in STRUCTURES:
        data = dict(data)
        region = regions[data.pop("region")]
        structure = Structure.objects.filter(finess=data["finess"]).first()
        if structure is None:
            structure = Structure.objects.create(region=region, **data)
        structures[structure.finess] = structure
    esp, cpts = structures["130012370"], structures["130012354"]
    if not esp.cpts_memberships.filter(pk=cpts.pk).exists():
        esp.cpts_memberships.add(cpts)

    users = {}
    for email, (first_name, last_name, structure_roles, agency_roles, identity) in PEOPLE.items():
        user = _ensure_user(email, first_name, last_name)
        users[email] = user
        for finess, roles in structure_roles.items():
            for role in roles:
                StructureMembership.objects.get_or_create(user=user, structure=structures[finess], role=role)
        for code, roles in agency_roles.items():
            for role in roles:
                RegionMembership.objects.get_or_create(user=user, region=regions[code], role=role)
        if agency_roles:
            _ensure_totp(user)
        if identity and not Professional.objects.filter(user=user).exists():
            profession, rpps = identity
            Professional.objects.create(user=user, profession=profession, rpps=rpps)
    superadmin = _ensure_user(SUPERADMIN_EMAIL, "Sam", "Support", superuser=True)
    _ensure_totp(superadmin)
    users[SUPERADMIN_EMAIL] = superadmin
    for email, (first_name, last_name, roles) in NATIONAL_PEOPLE.items():
        user = _ensure_user(email, first_name, last_name)
        for role in roles:
            RegionMembership.objects.get_or_create(user=user, region=None, role=role)
        _ensure_totp(user)
        users[email] = user
    return {"regions": regions, "structures": structures, "users": users}


def accounts_table() -> list[tuple[str, str]]:
    """(e-mail, what the account shows) for the demo banner of ``make run``."""
    names = {structure["finess"]: structure["name"] for structure in STRUCTURES}
    rows = []
    for email, (_first, _last, structure_roles, agency_roles, _identity) in PEOPLE.items():
        labels = [
            f"{Role(role).label} — {names[finess]}" for finess, roles in structure_roles.items() for role in roles
        ]
        labels += [f"{Role(role).label} {code}" for code, roles in agency_roles.items() for role in roles]
        rows.append((email, ", ".join(labels) + (" (TOTP)" if agency_roles else "")))
    rows.append((SUPERADMIN_EMAIL, "Super-administrateur (TOTP)"))
    for email, (_first, _last, roles) in NATIONAL_PEOPLE.items():
        rows.append((email, ", ".join(str(Role(role).label) for role in roles) + " (TOTP)"))
    return rows
