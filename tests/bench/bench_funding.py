"""Benchmark of the funding statements on a synthetic region (``generate_load``), measured as ratios against
PostgreSQL doing the bare minimum on the same rows:

* computing a region's drafts vs a raw ``GROUP BY grant`` count over the same eligibility rows (goal ≤ 1.5×,
  best of five runs on each side; the drafts already exist, as when an officer recomputes),
  for H1 (nothing issued yet) and for H2 (H1 issued, then, in a tenth of the grants, late imports and a
  retroactive suspension: the régularisations compare the paid ledger with the live eligibility);
* the detail CSV export (``export_statements --detail`` in a separate process, for its peak RSS) vs PostgreSQL
  writing the same rows itself (``COPY (the same SELECT) TO STDOUT``, goal ≥ 0.5× its rows per second, RSS ≤
  300 MB); COPY of the bare eligibility rows (no join) is shown too, for scale;
* the PDF of one statement.

``BENCH_INTERVENTIONS`` and ``BENCH_GRANTS`` change the size (default: 1,000,000 and 200; a tenth of the
interventions under ``make bench-quick``).
"""

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from funding.management.commands.generate_load import add_late_changes
from funding.models import Grant, Statement
from funding.periods import Period
from funding.services.statement_pdf import statement_pdf
from funding.services.statement_sql import detail_export_sql
from funding.services.statements import statements_compute, statements_issue
from portal.models import Region
from tests.bench import benchmark, scaled, summarize

H1, H2 = Period(2025, 1), Period(2025, 2)
REPEATS = 5


def _best_seconds(function, repeats=REPEATS) -> float:
    """Best of ``repeats`` runs, for both sides of a ratio: the machine is shared, the noise only ever adds."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _raw_group_by(grant_ids, period: Period):
    """The floor: count eligible and excluded interventions per grant over the rows the computation reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grant_id, count(*) FILTER (WHERE is_eligible), count(*) FILTER (WHERE NOT is_eligible) "
            "FROM funding_interventioneligibility WHERE grant_id = ANY(%s) AND performed_on BETWEEN %s AND %s "
            "GROUP BY grant_id",
            [grant_ids, period.year_start, period.end],
        )
        return cursor.fetchall()


def _no_statement_timeout():
    """Workers raise the portal's 30 s statement timeout through the environment; the benchmark, in its own
    transactions, for the million-row writes of an issue."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")


def _compute(region, period: Period):
    with transaction.atomic():
        return statements_compute(region=region, period=period)


def _copy_rows_per_second(sql: str, params: list) -> tuple[float, int]:
    """PostgreSQL writing rows by itself: ``COPY (sql) TO STDOUT``, drained without looking at the rows."""
    rows = 0
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '128MB'")
        with cursor.cursor.copy(cursor.cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params)) as copy:
            for block in copy:
                rows += bytes(block).count(b"\n")
    return rows / (time.perf_counter() - started), rows


def _export_in_a_process(region, period: Period) -> tuple[int, float, float]:
    """Run ``export_statements --detail`` in a child process: its lines, seconds and peak RSS (MB)."""
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "detail.csv"
        completed = subprocess.run(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "export_statements",
                f"--region={region.code}",
                f"--period={period}",
                "--format=csv",
                "--detail",
                f"--output={output}",
            ],
            env={**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"]},
            capture_output=True,
            text=True,
            check=True,
        )
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        match = re.search(r"(\d+) lignes écrites en ([0-9.]+) s", completed.stderr)
        lines, seconds = int(match.group(1)), float(match.group(2))
        assert len(output.read_bytes().splitlines()) == lines + 1
    return lines, seconds, peak_kb / 1024


@benchmark("états de versement")
def bench_statements(bench):
    interventions = int(os.environ.get("BENCH_INTERVENTIONS", scaled(1_000_000)))
    grants_count = int(os.environ.get("BENCH_GRANTS", 200))
    region = Region.objects.get(code="PACA")
    started = time.perf_counter()
    call_command("generate_load", region="PACA", grants=grants_count, interventions=interventions, verbosity=0)
    bench.record("génération de la charge", round(time.perf_counter() - started, 1), "s")
    bench.record("interventions", interventions)
    bench.record("subventions", grants_count)
    grant_ids = list(Grant.objects.filter(structure__region=region).values_list("pk", flat=True))

    started = time.perf_counter()
    _compute(region, H1)  # also warms the caches, as both sides then read the same pages
    bench.record("H1 : premier calcul (création des brouillons)", round(time.perf_counter() - started, 3), "s")
    raw_h1 = _best_seconds(lambda: _raw_group_by(grant_ids, H1))
    compute_h1 = _best_seconds(lambda: _compute(region, H1))
    bench.record("H1 : GROUP BY brut", round(raw_h1, 3), "s")
    bench.record("H1 : calcul des brouillons", round(compute_h1, 3), "s")
    bench.record("H1 : calcul / GROUP BY", round(compute_h1 / raw_h1, 2), "×", "≤ 1.5")
    summarize("compute_ratio_h1", round(compute_h1 / raw_h1, 2))

    started = time.perf_counter()
    with transaction.atomic():
        _no_statement_timeout()
        result = statements_compute(region=region, period=H1, lock_grants=True)
        statements_issue(result=result)
    bench.record("H1 : émission (figer les interventions)", round(time.perf_counter() - started, 2), "s")
    late, suspended = interventions // 200, interventions // 300
    with transaction.atomic():
        _no_statement_timeout()
        add_late_changes(
            region, period_start=H2.start, late=late, suspended=suspended, grants=max(1, grants_count // 10)
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) funding_interventioneligibility")
        cursor.execute("VACUUM (ANALYZE) funding_paidintervention")

    started = time.perf_counter()
    _compute(region, H2)  # the first one matches the changed grants with the ledger row by row
    bench.record(
        "H2 : premier calcul (appariement des subventions modifiées)", round(time.perf_counter() - started, 3), "s"
    )
    raw_h2 = _best_seconds(lambda: _raw_group_by(grant_ids, H2))
    compute_h2 = _best_seconds(lambda: _compute(region, H2))
    bench.record("H2 : GROUP BY brut (année jusqu'au 31/12)", round(raw_h2, 3), "s")
    bench.record("H2 : calcul avec régularisations", round(compute_h2, 3), "s")
    bench.record("H2 : calcul / GROUP BY", round(compute_h2 / raw_h2, 2), "×", "≤ 1.5")
    summarize("compute_ratio_h2", round(compute_h2 / raw_h2, 2))
    regularised = Statement.objects.of_region(region).of_period(H2).filter(lines__kind="regularisation").distinct()
    bench.record("H2 : subventions avec une ligne de régularisation", regularised.count())

    statements = Statement.objects.of_region(region).of_period(H2)
    detail_sql, detail_params = detail_export_sql(draft_ids=list(statements.values_list("pk", flat=True)), period=H2)
    same_rate, _ = _copy_rows_per_second(detail_sql, detail_params)
    raw_rate, _ = _copy_rows_per_second(
        "SELECT * FROM funding_interventioneligibility WHERE grant_id = ANY(%s) AND performed_on BETWEEN %s AND %s",
        [grant_ids, H2.start, H2.end],
    )
    lines, seconds, peak_mb = _export_in_a_process(region, H2)
    export_rate = lines / seconds
    bench.record("détail CSV : lignes", lines)
    bench.record("COPY du même SELECT (plancher PostgreSQL)", round(same_rate), "lignes/s")
    bench.record("export détail CSV (commande, fichier)", round(export_rate), "lignes/s")
    bench.record("export / COPY du même SELECT", round(export_rate / same_rate, 2), "×", "≥ 0.5")
    bench.record("COPY des lignes d'éligibilité seules (sans jointure)", round(raw_rate), "lignes/s")
    bench.record("export / COPY sans jointure", round(export_rate / raw_rate, 2), "×")
    bench.record("export : pic de mémoire (RSS du processus)", round(peak_mb), "Mo", "≤ 300")
    summarize("export_ratio_copy", round(export_rate / same_rate, 2))
    summarize("export_rss_mb", round(peak_mb))

    statements = list(Statement.objects.of_region(region).of_period(H2).order_by("grant__reference")[:5])
    statement_pdf(statement=statements[0])  # WeasyPrint loads its fonts once per process
    pdf_seconds = _best_seconds(lambda: [statement_pdf(statement=s) for s in statements], repeats=1)
    bench.record("PDF d'un état", round(pdf_seconds / len(statements), 3), "s")
