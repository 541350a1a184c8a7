"""Protocols: "was X a trained delegate of P on d" and the ARS list of a large region.

Builds, inside a transaction rolled back at the end, a region with 300 declared protocols of 20 members each
(6,000 memberships, 4,500 trainings), then times the eligibility read and the region's declarations page.
"""

import datetime
import statistics
import time

from django.db import transaction
from django.urls import reverse

from tests.bench import Bench, benchmark
from tests.clients import PortalClient as Client
from tests.portal.factories import luhn_complete

PROTOCOLS, MEMBERS = 300, 20


class Rollback(Exception):
    pass


def _build():
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    from portal.models import Professional, Region, RegionMembership, Structure, StructureMembership, User
    from portal.roles import Role
    from protocols.models import Declaration, Protocol, TeamMembership, Training

    region, _ = Region.objects.get_or_create(code="BNCH", defaults={"name": "Banc d'essai", "agency_name": "ARS Banc"})
    structure = Structure.objects.create(
        region=region, kind="MSP", name="MSP du banc", finess=luhn_complete("13999999"), commune="X", departement="13"
    )
    coordinator = User.objects.create_user("coordinateur@banc.fr", "x")
    StructureMembership.objects.create(user=coordinator, structure=structure, role=Role.COORDINATOR)
    instructor = User.objects.create_user("instructeur@banc.fr", "x")
    RegionMembership.objects.create(user=instructor, region=region, role=Role.INSTRUCTOR)
    Authenticator.objects.create(user=instructor, type=Authenticator.Type.TOTP, data={"secret": encrypt("A" * 16)})
    users = User.objects.bulk_create(User(email=f"pro{n}@banc.fr") for n in range(MEMBERS))
    professionals = Professional.objects.bulk_create(
        Professional(user=user, profession="infirmier", adeli=f"{n:09d}") for n, user in enumerate(users)
    )
    protocols = Protocol.objects.bulk_create(
        Protocol(
            structure=structure,
            code=f"LOC-B-{n}",
            title=f"Protocole {n}",
            status="declared",
            declared_on=datetime.date(2024, 1, 1),
            created_by=coordinator,
        )
        for n in range(PROTOCOLS)
    )
    Declaration.objects.bulk_create(
        Declaration(
            protocol=p,
            version=1,
            reason="first",
            deposited_on=datetime.date(2024, 1, 1),
            in_force_on=datetime.date(2024, 1, 1),
            deposited_by=coordinator,
        )
        for p in protocols
    )
    memberships = TeamMembership.objects.bulk_create(
        TeamMembership(
            protocol=protocol,
            professional=professional,
            role="delegate",
            status="accepted",
            invited_by=coordinator,
            joined_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n * 7),
        )
        for protocol in protocols
        for n, professional in enumerate(professionals)
    )
    Training.objects.bulk_create(
        Training(membership=m, hours=10, organisation="x", completed_on=m.joined_on, certificate_sha256="a" * 64)
        for n, m in enumerate(memberships)
        if n % 4
    )
    return protocols, professionals, instructor


@benchmark("protocoles")
def run(bench: Bench) -> None:
    from django.conf import settings

    from protocols.eligibility_rules import rules_failed

    settings.ALLOWED_HOSTS = ["*"]
    try:
        with transaction.atomic():
            protocols, professionals, instructor = _build()
            timings = []
            for n in range(1000):
                started = time.perf_counter()
                rules_failed(
                    protocol_id=protocols[n % PROTOCOLS].pk,
                    delegate_id=professionals[n % MEMBERS].pk,
                    delegant_id=professionals[(n + 1) % MEMBERS].pk,
                    performed_on=datetime.date(2024, 6, 1),
                    today=datetime.date(2024, 6, 1),
                )
                timings.append((time.perf_counter() - started) * 1000)
            bench.record(
                "« règles du protocole le jour d » (médiane)", round(statistics.median(timings), 2), "ms", "< 2 ms"
            )
            client = Client()
            client.force_login(instructor)
            client.get(reverse("reporting:home"))
            page_timings = []
            for _ in range(5):
                started = time.perf_counter()
                response = client.get(reverse("protocols:agency_declarations"))
                page_timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            bench.record(
                f"liste ARS, {PROTOCOLS} protocoles (médiane)",
                round(statistics.median(page_timings)),
                "ms",
                "< 300 ms",
            )
            raise Rollback
    except Rollback:
        pass
