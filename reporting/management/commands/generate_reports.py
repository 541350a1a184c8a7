"""``manage.py generate_reports --region PACA --period 2025-H1 [--output DIR]``: the reports' PDFs of the period
(refreshed only where the report changed) and the region's consolidation (PDF and XLSX), synchronously."""

import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from funding.management.commands._region_period import add_region_period_arguments, region_and_period
from portal.jobs import JobStatus
from portal.pdf import PdfUnavailable
from reporting.models import BiannualReport, ConsolidatedReport
from reporting.services.consolidation import consolidation_execute
from reporting.services.report_pdf import report_pdf_refresh
from reporting.services.reports import report_refresh_figures


class Command(BaseCommand):
    help = "Génère les PDF des rapports semestriels d'une région et sa consolidation (PDF et XLSX)."

    def add_arguments(self, parser):
        add_region_period_arguments(parser)
        parser.add_argument("--output", help="Dossier où copier la consolidation (PDF et XLSX)")

    def handle(self, *args, **options):
        region, period = region_and_period(options)
        started = time.perf_counter()
        reports = BiannualReport.objects.filter(
            grant__structure__region=region, year=period.year, half=period.half
        ).select_related("grant__protocol")
        count = 0
        for report in reports.order_by("pk"):
            report_refresh_figures(report=report)
            try:
                report_pdf_refresh(report_id=report.pk)
            except PdfUnavailable as error:
                raise CommandError(str(error)) from error
            count += 1
        self.stderr.write(f"{count} rapport(s) : PDF à jour en {time.perf_counter() - started:.1f} s")
        job = ConsolidatedReport.objects.create(region=region, year=period.year, half=period.half)
        job = consolidation_execute(consolidation_id=job.pk)
        if job.status != JobStatus.DONE:
            raise CommandError(job.error or "La consolidation a échoué.")
        self.stderr.write(
            f"Consolidation {region.code} {period} : {job.summary['grants']} subvention(s), "
            f"{job.summary['total_amount']} € en {time.perf_counter() - started:.1f} s"
        )
        if options.get("output"):
            target = Path(options["output"])
            target.mkdir(parents=True, exist_ok=True)
            for field, suffix in ((job.pdf, ".pdf"), (job.xlsx, ".xlsx")):
                if field:
                    name = f"consolidation-{region.code}-{period}{suffix}"
                    with field.open("rb") as source, open(target / name, "wb") as copy:
                        shutil.copyfileobj(source, copy)
            self.stdout.write(str(target))
        return None
