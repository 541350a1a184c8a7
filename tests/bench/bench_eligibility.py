"""Eligibility of a region with a million interventions: one recomputation from scratch, one that changes nothing,
one after a suspension of a single protocol. Rows are generated in SQL (``generate_series``) so that building the
data does not dominate; everything is rolled back at the end.

Floors: the full computation is compared with PostgreSQL copying the same rows into a table of the same shape
(``INSERT … SELECT``, goal ≤ 2×); one intervention logged through the real service (which recomputes its
protocol's eligibility in the same transaction) is timed on its own (goal p95 ≤ 50 ms)."""

import datetime
import statistics
import time

from django.db import connection, transaction
from django.db.models import Count

from tests.bench import Bench, benchmark, scaled, summarize

STRUCTURES = 40
PER_PROTOCOL = scaled(25_000)  # 40 × 25,000 = 1,000,000 interventions (a tenth under bench-quick)
ONE_SAVES = 40


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


def _insert_select_floor(region) -> float:
    """PostgreSQL writing the same rows by itself: the region's eligibility rows copied into a table of the same
    shape (same columns, indexes and defaults), as one ``INSERT … SELECT``."""
    from funding.models import InterventionEligibility
    from protocols.models import Intervention

    table = InterventionEligibility._meta.db_table
    columns = ", ".join(f'"{field.column}"' for field in InterventionEligibility._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_floor (LIKE {table} INCLUDING ALL)")
        started = time.perf_counter()
        cursor.execute(
            f"INSERT INTO bench_floor ({columns}) SELECT {columns} FROM {table} WHERE intervention_id IN "
            f"(SELECT i.id FROM {Intervention._meta.db_table} i JOIN portal_structure s ON s.id = i.structure_id "
            "WHERE s.region_id = %s)",
            [region.pk],
        )
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_floor")
    return elapsed


def _one_intervention_p95(world) -> float:
    """``intervention_log`` as the delegate's form calls it: checks, the row, its protocol's eligibility."""
    from protocols.services.interventions import intervention_log

    timings = []
    for n in range(ONE_SAVES):
        started = time.perf_counter()
        intervention_log(
            by=world.delegate.user,
            protocol=world.protocol,
            performed_on=datetime.date(2026, 11, 1) + datetime.timedelta(days=n % 20),
            delegant=world.delegant,
            episode_reference=f"BANC-UN-{n}",
        )
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(timings, n=20)[18]


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
        region = RegionFactory(code="BNCH")  # a region of its own: the load bench fills NAQ
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
        full = time.perf_counter() - started
        bench.record("calcul initial : durée", round(full, 2), "s")
        floor = _insert_select_floor(region)
        bench.record("plancher : INSERT … SELECT des mêmes lignes", round(floor, 2), "s")
        bench.record("calcul initial / INSERT … SELECT", round(full / floor, 2), "×", "≤ 2")
        summarize("eligibility_full_ratio", round(full / floor, 2))
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

        p95 = _one_intervention_p95(worlds[1])
        bench.record("une intervention enregistrée (éligibilité comprise) p95", round(p95, 1), "ms", "≤ 50 ms")
        summarize("eligibility_one_p95_ms", round(p95, 1))

        counts = dict(
            InterventionEligibility.objects.filter(intervention__structure__region=region)
            .values_list("reason")
            .annotate(n=Count("pk"))
        )
        bench.record("répartition des motifs", {reason or "éligible": n for reason, n in sorted(counts.items())})
        transaction.set_rollback(True)
