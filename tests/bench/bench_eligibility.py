"""Eligibility of a region with a million interventions: one recomputation from scratch, one that changes nothing,
one after a suspension of a single protocol. Rows are generated in SQL (``generate_series``) so that building the
data does not dominate; everything is rolled back at the end."""

import datetime
import time

from django.db import connection, transaction
from django.db.models import Count

from tests.bench import Bench, benchmark

STRUCTURES = 40
PER_PROTOCOL = 25_000  # 40 × 25,000 = 1,000,000 interventions


def _insert_interventions(world, count: int) -> None:
    from protocols.models import Intervention

    delegates = [world.delegate.pk, world.add_delegate().pk, world.add_delegate(trained_on=None).pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Intervention._meta.db_table}
              (structure_id, protocol_id, performed_on, delegate_id, delegant_id, episode_reference, source,
               recorded_by_id, recorded_at)
            SELECT %s, %s, DATE '2025-01-01' + (n %% 700), (ARRAY[%s, %s, %s])[1 + n %% 3], %s,
                   'EP-' || (n %% %s), 'import', %s, now()
            FROM generate_series(1, %s) AS n
            """,
            [
                world.structure.pk,
                world.protocol.pk,
                *delegates,
                world.delegant.pk,
                int(count * 0.95),  # about 5 % of the rows repeat an episode
                world.coordinator.pk,
                count,
            ],
        )


@benchmark("eligibility_region")
def bench_eligibility(bench: Bench) -> None:
    from funding.models import InterventionEligibility
    from funding.services.eligibility import recompute_eligibility
    from tests.funding.eligibility_world import build_world
    from tests.portal.factories import RegionFactory, StructureFactory
    from tests.protocols.factories import SuspensionFactory

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
        region = RegionFactory(code="NAQ")
        worlds = [build_world(structure=StructureFactory(region=region)) for _ in range(STRUCTURES)]
        for world in worlds:
            _insert_interventions(world, PER_PROTOCOL)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        total = STRUCTURES * PER_PROTOCOL
        bench.record("interventions de la région", total)

        started = time.perf_counter()
        written = recompute_eligibility(region_ids=[region.pk])
        bench.record("calcul initial : lignes écrites", written)
        bench.record("calcul initial : durée", round(time.perf_counter() - started, 2), "s", "quelques secondes")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after such a write, before the next recomputation

        started = time.perf_counter()
        written = recompute_eligibility(region_ids=[region.pk])
        bench.record("recalcul sans changement : lignes écrites", written)
        bench.record("recalcul sans changement : durée", round(time.perf_counter() - started, 2), "s")

        SuspensionFactory(
            protocol=worlds[0].protocol, starts_on=datetime.date(2025, 10, 1), lifted_on=datetime.date(2025, 10, 16)
        )
        started = time.perf_counter()
        written = recompute_eligibility(protocol_ids=[worlds[0].protocol.pk], since=datetime.date(2025, 10, 1))
        bench.record("suspension d'un protocole : lignes écrites", written)
        bench.record("suspension d'un protocole : durée", round(time.perf_counter() - started, 3), "s")

        counts = dict(
            InterventionEligibility.objects.filter(intervention__structure__region=region)
            .values_list("reason")
            .annotate(n=Count("pk"))
        )
        bench.record("répartition des motifs", {reason or "éligible": n for reason, n in sorted(counts.items())})
        transaction.set_rollback(True)
