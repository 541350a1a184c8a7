"""Demo activity in three more regions, so the national view (pilote.national@demo.fr) compares several regions:
Nouvelle-Aquitaine (a CPTS adhering to the two SNP protocols of seed 003), Bretagne (one MSP, a local vaccination
protocol) and Occitanie (an MSP and a health centre, two local protocols), with AMI campaigns, grants, a year 2025
of interventions, the 2025-H1 statements issued (and paid in Occitanie) and the 2025-H2 ones computed.

These regions only feed the aggregates: their structures, teams and declarations are written in bulk, as
``generate_load`` does, not walked through the workflow services (PACA and Centre-Val de Loire tell that story).
Eligibility and statements do go through the real engine. The people have no usable password: they are not demo
accounts. Occitanie's region administrator is one (``admin.occ@demo.fr``, seeded by ``portal.demo``): he compares
the two Occitanie teams on the campaign's follow-up indicators, whose 2025 values this module gives. Idempotent: a
region whose first structure (by FINESS) exists is left alone; statements are computed only where missing; a second
run writes nothing.
"""

import datetime
import hashlib
from decimal import Decimal

from django.utils import timezone

from funding.demo import indicators as demo_indicators
from funding.models import Campaign, ComputationRun, Dossier, DossierState, Grant, Statement, StatementStatus, Wave
from funding.periods import Period
from funding.services.eligibility import recompute_eligibility
from funding.services.grants import snp_line_open
from funding.services.payments import payment_record
from funding.services.statement_runs import computation_run_execute
from portal.models import Professional, Region, RegionMembership, Structure, StructureMembership, User
from portal.regions import REGIONS as ALL_REGIONS
from portal.roles import Role
from protocols.models import (
    Declaration,
    Intervention,
    InterventionSource,
    MembershipStatus,
    NationalProtocol,
    Protocol,
    ProtocolKind,
    ProtocolStatus,
    TeamMembership,
    TeamRole,
    Training,
)

D = datetime.date
H1, H2 = Period(2025, 1), Period(2025, 2)
END = D(2025, 12, 31)

# region code: campaign (title, budget) or None, then its structures, each with its protocols. A protocol is
# (code, title, theme, minutes saved, declared on, national code or None); every structure has a delegant and two
# delegates, the second trained a month after joining (her first acts are excluded: delegue_non_forme).
DEMO_REGIONS = {
    "NAQ": {
        "campaign": None,
        "structures": [
            {
                "finess": "400012340",
                "kind": "CPTS",
                "name": "CPTS du Marsan",
                "commune": "Mont-de-Marsan",
                "departement": "40",
                "cpam": "CPAM des Landes",
                "people": [("Agnès", "Lataste"), ("Julien", "Darrigade"), ("Maïa", "Etchegaray")],
                "protocols": [
                    ("SNP-POLLAKIURIE", "", "", None, D(2025, 2, 3), "SNP-POLLAKIURIE"),
                    ("SNP-ODYNOPHAGIE", "", "", None, D(2025, 4, 1), "SNP-ODYNOPHAGIE"),
                ],
            }
        ],
    },
    "BRE": {
        "campaign": ("AMI protocoles de coopération locaux 2025 — Bretagne", Decimal("35000.00")),
        "structures": [
            {
                "finess": "290012346",
                "kind": "MSP",
                "name": "MSP de l'Aven",
                "commune": "Pont-Aven",
                "departement": "29",
                "people": [("Yannick", "Le Goff"), ("Gwenaëlle", "Kerjean"), ("Soizic", "Tanguy")],
                "protocols": [
                    ("LOC-BRE-VACCIN", "Rattrapage vaccinal des adultes", "prevention", 10, D(2025, 3, 3), None)
                ],
            }
        ],
    },
    "OCC": {
        "campaign": ("AMI protocoles de coopération locaux 2025 — Occitanie", Decimal("50000.00")),
        "structures": [
            {
                "finess": "110012342",
                "kind": "MSP",
                "name": "MSP du Lauragais",
                "commune": "Castelnaudary",
                "departement": "11",
                "people": [("Bernard", "Cazals"), ("Lucie", "Fabre-Andrieu"), ("Mathieu", "Roques")],
                "protocols": [("LOC-OCC-DIABETE", "Suivi du diabète de type 2", "chronic", 15, D(2025, 2, 3), None)],
            },
            {
                "finess": "340012347",
                "kind": "CDS",
                "name": "Centre de santé de Lunel",
                "commune": "Lunel",
                "departement": "34",
                "people": [("Farida", "Benhamou"), ("Océane", "Vidal"), ("Thomas", "Garrigues")],
                "protocols": [
                    ("LOC-OCC-SNP", "Petits traumatismes sans gravité", "unscheduled", 20, D(2025, 5, 5), None)
                ],
            },
        ],
    },
}


REGION_NUMBERS = {code: number for number, (code, _name) in enumerate(ALL_REGIONS)}


def _luhn(prefix: str) -> str:
    total = 0
    for position, char in enumerate(reversed(prefix)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return prefix + str((10 - total % 10) % 10)


def _business_days(start: datetime.date, end: datetime.date, every: int):
    day, index = start, 0
    while day <= end:
        if day.weekday() < 5:
            if index % every == 0:
                yield day
            index += 1
        day += datetime.timedelta(days=1)


def seed(context: dict) -> dict:
    created = []
    for code, spec in DEMO_REGIONS.items():
        region = Region.objects.filter(code=code).first()
        if region is None:
            continue
        if not Structure.objects.filter(finess=spec["structures"][0]["finess"]).exists():
            _seed_region(region, spec)
            created.append(code)
        _statements(region)
    _indicators()
    return {"demo_regions_created": created}


# Occitanie's two funded teams and their 2025 follow-up indicators (the portal's proposal, funding.demo.indicators).
OCC_INDICATOR_VALUES = {
    "110012342": {"patients": 148, "hours": (31, 44), "referred": (Decimal("6.1"), Decimal("4.3"))},
    "340012347": {"patients": 96, "hours": (9, 27), "referred": (Decimal("11.5"), Decimal("7.2"))},
}


def _indicators() -> None:
    campaign = Campaign.objects.filter(title=DEMO_REGIONS["OCC"]["campaign"][0]).first()
    admin = User.objects.filter(email="admin.occ@demo.fr").first()
    if campaign is None or admin is None:
        return
    indicators = demo_indicators.define(campaign, admin)
    grants = Grant.objects.filter(dossier__campaign=campaign).select_related("structure").order_by("reference")
    for grant in grants:
        figures = OCC_INDICATOR_VALUES.get(grant.structure.finess)
        coordinator = (
            User.objects.filter(
                structure_memberships__structure=grant.structure, structure_memberships__role=Role.COORDINATOR
            )
            .order_by("pk")
            .first()
        )
        if figures and coordinator:
            demo_indicators.fill(grant, coordinator, indicators, 2025, figures)


def _user(email: str, first_name: str, last_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, first_name=first_name, last_name=last_name)
    return user


def _seed_region(region: Region, spec: dict) -> None:
    code = region.code.lower()
    agent = _user(f"agent.{code}@demo-regions.invalid", "Agent", f"de démonstration {region.code}")
    RegionMembership.objects.get_or_create(user=agent, region=region, role=Role.FINANCE_OFFICER)
    campaign = wave = None
    if spec["campaign"]:
        title, budget = spec["campaign"]
        opened = timezone.make_aware(datetime.datetime(2024, 11, 4, 9))
        campaign = Campaign.objects.create(
            region=region,
            title=title,
            published_at=opened,
            budget=budget,
            eligible_structure_kinds=["MSP", "CDS", "CPTS", "ESP"],
            created_by=agent,
        )
        wave = Wave.objects.create(
            campaign=campaign,
            number=1,
            opens_at=opened,
            deadline=timezone.make_aware(datetime.datetime(2025, 1, 15, 8)),
            projects_funded=len(spec["structures"]),
        )
    for index, data in enumerate(spec["structures"], start=1):
        _seed_structure(region, data, index, agent, campaign, wave)
    recompute_eligibility(region_ids=[region.pk], today=END + datetime.timedelta(days=20))


def _seed_structure(region, data: dict, index: int, agent, campaign, wave) -> None:
    code = region.code.lower()
    structure = Structure.objects.create(
        region=region,
        **{key: data[key] for key in ("finess", "kind", "name", "commune", "departement")},
        cpam=data.get("cpam", ""),
    )
    people = []
    for number, (first_name, last_name) in enumerate(data["people"]):
        user = _user(
            f"{first_name}.{last_name}@{code}.demo-regions.invalid".lower().replace(" ", ""), first_name, last_name
        )
        # One doctor (delegant) and two nurses (delegates): the SNP protocols of seed 003 delegate to nurses only.
        profession = "medecin" if number == 0 else "infirmier"
        rpps = _luhn(f"3{REGION_NUMBERS[region.code]:02d}{index:02d}{number:05d}")
        people.append(Professional.objects.create(user=user, profession=profession, rpps=rpps))
        StructureMembership.objects.create(user=user, structure=structure, role=Role.PROFESSIONAL)
    coordinator = people[0].user
    StructureMembership.objects.create(user=coordinator, structure=structure, role=Role.COORDINATOR)
    for protocol_code, title, theme, minutes, declared_on, national_code in data["protocols"]:
        national = NationalProtocol.objects.filter(code=national_code).first() if national_code else None
        if national_code and national is None:
            continue
        protocol = Protocol.objects.create(
            structure=structure,
            kind=ProtocolKind.NATIONAL if national else ProtocolKind.LOCAL,
            in_health_project=national is None,
            national_protocol=national,
            code=protocol_code,
            title=national.short_title if national else title,
            theme=theme,
            medical_minutes_saved=minutes,
            delegant_professions=["medecin"],
            delegate_professions=list(national.delegate_professions) if national else ["infirmier"],
            training_hours=Decimal(10),
            status=ProtocolStatus.DECLARED,
            declared_on=declared_on,
            created_by=coordinator,
        )
        Declaration.objects.create(
            protocol=protocol,
            version=1,
            reason=Declaration.Reason.FIRST,
            deposited_on=declared_on,
            in_force_on=declared_on,
            deposited_by=coordinator,
            catalogue_version=national.current_version() if national else None,
        )
        delegant, first, second = people
        _member(protocol, delegant, TeamRole.DELEGANT, declared_on, None)
        _member(protocol, first, TeamRole.DELEGATE, declared_on, declared_on)
        _member(protocol, second, TeamRole.DELEGATE, declared_on, declared_on + datetime.timedelta(days=30))
        _interventions(protocol, structure, delegant, (first, second), declared_on, coordinator)
        if campaign and not national:
            _grant(campaign, wave, structure, protocol, declared_on, coordinator, agent)
        elif national:
            # An adhesion of a CPTS/MSP/CDS to a forfait-funded national protocol has its SNP line (issue 15).
            snp_line_open(protocol_id=protocol.pk)


def _member(protocol, professional, role, joined_on, trained_on) -> None:
    membership = TeamMembership.objects.create(
        protocol=protocol,
        professional=professional,
        role=role,
        status=MembershipStatus.ACCEPTED,
        invited_by=protocol.created_by,
        responded_at=timezone.make_aware(datetime.datetime.combine(joined_on, datetime.time(9))),
        joined_on=joined_on,
    )
    if trained_on:
        Training.objects.create(
            membership=membership,
            hours=Decimal(10),
            organisation="Formation de démonstration",
            completed_on=trained_on,
            certificate_name="attestation.pdf",
            certificate_sha256=hashlib.sha256(f"{membership.pk}".encode()).hexdigest(),
        )


def _interventions(protocol, structure, delegant, delegates, start, recorded_by) -> None:
    rows, number = [], 0
    for position, delegate in enumerate(delegates):
        for day in _business_days(start, END, every=3 + position):
            number += 1
            rows.append(
                Intervention(
                    structure=structure,
                    protocol=protocol,
                    performed_on=day,
                    delegate=delegate,
                    delegant=delegant,
                    episode_reference=f"{protocol.code}-{number:04d}",
                    source=InterventionSource.IMPORT,
                    recorded_by=recorded_by,
                )
            )
    # Two follow-up visits of episodes already seen, another day: paid under an AMI grant (per intervention),
    # excluded as « épisode déjà compté » on an SNP line (per patient).
    for source in rows[10:12]:
        rows.append(
            Intervention(
                structure=structure,
                protocol=protocol,
                performed_on=source.performed_on + datetime.timedelta(days=14),
                delegate=source.delegate,
                delegant=delegant,
                episode_reference=source.episode_reference,
                source=InterventionSource.IMPORT,
                recorded_by=recorded_by,
            )
        )
    Intervention.objects.bulk_create(rows)


def _grant(campaign, wave, structure, protocol, starts_on, coordinator, agent) -> None:
    reference = f"AMI-{campaign.region.code}-2025-{protocol.pk:03d}"
    dossier = Dossier.objects.create(
        campaign=campaign,
        wave=wave,
        structure=structure,
        reference=reference,
        state=DossierState.SELECTED,
        protocol=protocol,
        created_by=coordinator,
        submitted_at=timezone.make_aware(datetime.datetime(2025, 1, 10, 10)),
        snapshot={"demonstration": True},
        snapshot_sha256=hashlib.sha256(reference.encode()).hexdigest(),
    )
    Grant.objects.create(
        dossier=dossier,
        structure=structure,
        protocol=protocol,
        reference=f"SUB-{campaign.region.code}-2025-{protocol.pk:03d}",
        starts_on=starts_on,
        ends_on=D(2027, 12, 31),
        rate=campaign.rate_per_intervention,
        yearly_cap=campaign.yearly_cap,
        created_by=agent,
    )


def _statements(region: Region) -> None:
    """2025-H1 issued (and, with a finance agent, half paid), 2025-H2 computed: only where missing."""
    grants = Grant.objects.filter(structure__region=region)
    if not grants.exists():
        return
    agent = RegionMembership.objects.filter(region=region, role=Role.FINANCE_OFFICER).order_by("pk").first()
    if agent is None:
        return
    statements = Statement.objects.filter(grant__in=grants, year=2025)
    if not statements.filter(half=1, status=StatementStatus.ISSUED).exists():
        _run(region, H1, agent.user, issue=True)
    if not statements.filter(half=2).exists():
        _run(region, H2, agent.user, issue=False)
    if region.code == "OCC":
        for statement in statements.filter(half=1, status=StatementStatus.ISSUED, payments__isnull=True):
            if statement.total_amount > 0:
                payment_record(
                    statement=statement,
                    paid_on=timezone.localdate(),
                    amount=(statement.total_amount / 2).quantize(Decimal("0.01")),
                    reference=f"OP-{statement.reference}",
                    by=agent.user,
                )


def _run(region, period: Period, officer, *, issue: bool) -> None:
    run = ComputationRun.objects.create(
        region=region, year=period.year, half=period.half, issue_after=issue, requested_by=officer
    )
    run = computation_run_execute(run=run, today=END + datetime.timedelta(days=20))
    if run.error:
        raise RuntimeError(f"Démonstration : le calcul {region.code} {period} a échoué : {run.error}")
