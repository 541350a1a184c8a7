"""Benchmark of the biannual reports on a synthetic region (``generate_load``: 200 grants by default):

* opening the half-year's reports (figures read from the engine for every grant);
* the PDF of one report (goal ≤ 1 s; mean over ten reports after a warm-up, WeasyPrint loads its fonts once);
* the region's consolidation (PDF and XLSX, the ARS's background job) of 200 grants (goal ≤ 2 min);
* ``generate_reports`` as a whole (every report's PDF, then the consolidation), for scale.

``BENCH_REPORT_GRANTS`` and ``BENCH_REPORT_INTERVENTIONS`` change the size (default 200 and 200,000).
"""

import datetime
import os
import time

from django.core.management import call_command
from django.db import transaction

from funding.periods import Period
from funding.services.statements import statements_compute, statements_issue
from portal.jobs import JobStatus
from portal.models import Region
from reporting.models import BiannualReport, ConsolidatedReport
from reporting.services.consolidation import consolidation_execute
from reporting.services.report_pdf import report_pdf_bytes
from reporting.services.reports import reports_open
from tests.bench import benchmark, scaled

H1 = Period(2025, 1)
LOAD_PREFIX = "LOAD-"
PDF_SAMPLE = 10


def _clear(region) -> None:
    """Reports keep their grants (PROTECT): remove them before ``generate_load`` replaces the synthetic grants."""
    BiannualReport.objects.filter(grant__reference__startswith=LOAD_PREFIX).delete()
    ConsolidatedReport.objects.filter(region=region).delete()


@benchmark("rapports semestriels")
def bench_reporting(bench):
    grants = int(os.environ.get("BENCH_REPORT_GRANTS", 200))
    interventions = int(os.environ.get("BENCH_REPORT_INTERVENTIONS", scaled(200_000)))
    region = Region.objects.get(code="PACA")
    _clear(region)
    started = time.perf_counter()
    call_command("generate_load", region="PACA", grants=grants, interventions=interventions, verbosity=0)
    with transaction.atomic():
        result = statements_compute(region=region, period=H1, lock_grants=True)
        statements_issue(result=result, today=datetime.date(2025, 7, 2))
    bench.record("préparation (charge, états H1 émis)", round(time.perf_counter() - started, 1), "s")
    bench.record("subventions", grants)
    bench.record("interventions", interventions)

    started = time.perf_counter()
    opened = reports_open(region=region, period=H1)
    bench.record("ouverture des rapports (chiffres du moteur)", round(time.perf_counter() - started, 2), "s")
    bench.record("rapports ouverts", len(opened))

    sample = list(
        BiannualReport.objects.filter(grant__structure__region=region, year=H1.year, half=H1.half)
        .select_related("grant__structure__region", "grant__protocol")
        .order_by("pk")[: PDF_SAMPLE + 1]
    )
    report_pdf_bytes(sample[0])  # fonts and templates loaded once per process
    started = time.perf_counter()
    for report in sample[1:]:
        report_pdf_bytes(report)
    per_report = (time.perf_counter() - started) / max(1, len(sample) - 1)
    bench.record("PDF d'un rapport (moyenne sur 10)", round(per_report, 3), "s", "≤ 1")

    started = time.perf_counter()
    job = ConsolidatedReport.objects.create(region=region, year=H1.year, half=H1.half)
    job = consolidation_execute(consolidation_id=job.pk)
    assert job.status == JobStatus.DONE, job.error
    bench.record(
        f"consolidation régionale de {job.summary['grants']} subventions (PDF + XLSX)",
        round(time.perf_counter() - started, 2),
        "s",
        "≤ 120",
    )

    started = time.perf_counter()
    call_command("generate_reports", region="PACA", period=str(H1), verbosity=0)
    bench.record("generate_reports (tous les PDF + consolidation)", round(time.perf_counter() - started, 1), "s")
    _clear(region)
