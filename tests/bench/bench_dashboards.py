"""Benchmark of the dashboards on a synthetic region (``generate_load``): the ARS page, a coordinator's page and the
national view (every region: here the synthetic one weighs it all),
without cache (every aggregate read from PostgreSQL) and with it, against the floor of a raw ``GROUP BY month``
over the same interventions. Best of five on each side (the machine is shared: noise only ever adds).

``BENCH_INTERVENTIONS`` and ``BENCH_GRANTS`` change the size (default: 1,000,000 and 200; a tenth of the
interventions under ``make bench-quick``).
"""

import os
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from funding.models import Grant
from portal.models import Region, RegionMembership, StructureMembership, User
from portal.roles import Role
from protocols.models import Intervention
from tests.bench import benchmark, scaled
from tests.clients import PortalClient as Client

REPEATS = 5
AGENCY_URL = "/ars/tableau-de-bord/?annee=2025"
COORDINATOR_URL = "/tableau-de-bord/?periode=2025-H2"
NATIONAL_URL = "/national/?periode=2025-H1"


def _best(function) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _has_interventions(region, count: int) -> bool:
    return Intervention.objects.filter(structure__region=region).count() >= count


def _user(email: str, *, agent: bool = False) -> User:
    user, _created = User.objects.get_or_create(email=email, defaults={"first_name": "Banc", "last_name": "Essai"})
    if agent:  # ARS staff must have a second factor, or every page sends them to set one up
        Authenticator.objects.get_or_create(
            user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(settings.DEMO_TOTP_SECRET)}}
        )
    return user


def _get(client: Client, url: str, *, cold: bool):
    if cold:
        cache.clear()
    response = client.get(url)
    assert response.status_code == 200, (response.status_code, response.content[:2000])


def _raw_group_by_month(region) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(month FROM i.performed_on), count(*) FILTER (WHERE e.is_eligible), count(*) "
            "FROM protocols_intervention i JOIN portal_structure s ON s.id = i.structure_id "
            "LEFT JOIN funding_interventioneligibility e ON e.intervention_id = i.id "
            "WHERE s.region_id = %s AND i.cancelled_at IS NULL "
            "AND i.performed_on BETWEEN '2025-01-01' AND '2025-12-31' GROUP BY 1",
            [region.pk],
        )
        cursor.fetchall()


@benchmark("tableaux de bord")
def bench_dashboards(bench):
    interventions = int(os.environ.get("BENCH_INTERVENTIONS", scaled(1_000_000)))
    grants_count = int(os.environ.get("BENCH_GRANTS", 200))
    region = Region.objects.get(code="PACA")
    # Generating a million rows takes minutes: an existing load of the same size is reused (BENCH_FRESH=1 redoes it).
    existing = Grant.objects.filter(structure__region=region, reference__startswith=f"LOAD-{region.code}-").count()
    if os.environ.get("BENCH_FRESH") or existing != grants_count or not _has_interventions(region, interventions):
        call_command("generate_load", region="PACA", grants=grants_count, interventions=interventions, verbosity=0)
    with connection.cursor() as cursor:
        # generate_load analyses its two big tables only; the 200 new structures need statistics too (autovacuum
        # would give them in production), or the planner expects one structure and loops a million times.
        cursor.execute("ANALYZE")
    bench.record("interventions", interventions)
    bench.record("subventions", grants_count)

    instructor = _user("banc.instructeur@paca.invalid", agent=True)
    RegionMembership.objects.get_or_create(user=instructor, region=region, role=Role.INSTRUCTOR)
    grant = Grant.objects.filter(structure__region=region).order_by("pk").first()
    coordinator = _user("banc.coordinateur@paca.invalid")
    StructureMembership.objects.get_or_create(user=coordinator, structure=grant.structure, role=Role.COORDINATOR)
    pilot = _user("banc.pilote@national.invalid", agent=True)
    RegionMembership.objects.get_or_create(user=pilot, region=None, role=Role.NATIONAL_PILOT)

    raw = _best(lambda: _raw_group_by_month(region))
    bench.record("région : GROUP BY mois brut", round(raw, 3), "s")
    pages = (
        ("ARS", instructor, AGENCY_URL),
        ("coordinateur", coordinator, COORDINATOR_URL),
        ("national", pilot, NATIONAL_URL),
    )
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        _get(client, url, cold=True)  # first request after login (session, MFA check)
        cold = _best(lambda client=client, url=url: _get(client, url, cold=True))
        warm = _best(lambda client=client, url=url: _get(client, url, cold=False))
        bench.record(f"{label} : page sans cache", round(cold, 3), "s")
        bench.record(f"{label} : page avec cache", round(warm, 3), "s")
    agency_cold = bench.results["ARS : page sans cache"]["value"]
    bench.record("ARS sans cache / GROUP BY brut", round(agency_cold / raw, 2), "×")
