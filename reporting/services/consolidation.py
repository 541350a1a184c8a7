"""The region's consolidation of a half-year: one PDF and one XLSX covering every grant, generated in the
background (a ``ConsolidatedReport`` row the progress bar polls), or from ``manage.py generate_reports``."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from funding.periods import Period
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.exports import Column, xlsx_bytes
from portal.jobs import JobStatus
from portal.pdf import PdfUnavailable, render_pdf
from reporting.charts import Series, bar_chart
from reporting.models import ConsolidatedReport
from reporting.models.report import READER_AGENCY_ROLES
from reporting.selectors.consolidation import Consolidation, consolidation_rows

logger = logging.getLogger(__name__)
PDF_TEMPLATE = "reporting/pdf/consolidation.html"


@transaction.atomic
def consolidation_start(*, region, period: Period, by) -> ConsolidatedReport:
    """Queue a consolidation (the task runs after the commit); refused outside the user's regions."""
    if by is not None and region.pk not in get_scope(by).region_ids(READER_AGENCY_ROLES):
        raise ApplicationError("Vous ne suivez pas les subventions de cette région.", code="forbidden")
    job = ConsolidatedReport.objects.create(region=region, year=period.year, half=period.half, requested_by=by)
    from reporting.tasks import consolidate_task

    consolidate_task.delay_on_commit(job.pk)
    return job


def _money_columns(prefix=()) -> list[Column]:
    return [
        *prefix,
        Column("subventions", lambda g: g.grants),
        Column("interventions_eligibles", lambda g: g.eligible),
        Column("interventions_exclues", lambda g: g.excluded),
        Column("montant_total", lambda g: g.total_amount),
        Column("montant_paye", lambda g: g.paid),
    ]


GRANT_COLUMNS = [
    Column("reference_subvention", lambda r: r.grant_reference),
    Column("structure", lambda r: r.structure),
    Column("finess", lambda r: r.finess),
    Column("type", lambda r: r.kind),
    Column("departement", lambda r: r.departement),
    Column("zones_prioritaires", lambda r: ", ".join(r.zones)),
    Column("protocole", lambda r: r.protocol),
    Column("reference_etat", lambda r: r.statement_reference),
    Column("statut_etat", lambda r: r.statement_status),
    Column("interventions_eligibles", lambda r: r.eligible),
    Column("interventions_exclues", lambda r: r.excluded),
    Column("montant_periode", lambda r: r.period_amount),
    Column("regularisation", lambda r: r.regularisation_amount),
    Column("montant_total", lambda r: r.total_amount),
    Column("montant_paye", lambda r: r.paid),
    Column("cumul_annee", lambda r: r.year_cumulative),
    Column("plafond_restant", lambda r: r.cap_remaining),
    Column("rapport", lambda r: r.report_state),
]


def consolidation_xlsx(consolidation: Consolidation) -> bytes:
    label = [Column("libelle", lambda g: g.label)]
    return xlsx_bytes(
        [
            ("Totaux", _money_columns(label), [consolidation.totals]),
            ("Subventions", GRANT_COLUMNS, consolidation.rows),
            ("Départements", _money_columns([Column("departement", lambda g: g.label)]), consolidation.by_departement),
            ("Protocoles", _money_columns([Column("protocole", lambda g: g.label)]), consolidation.by_protocol),
            ("Types de structure", _money_columns([Column("type", lambda g: g.label)]), consolidation.by_kind),
            ("Zones prioritaires", _money_columns([Column("zone", lambda g: g.label)]), consolidation.by_zone),
        ]
    )


def consolidation_pdf(consolidation: Consolidation, region) -> bytes:
    departements = consolidation.by_departement
    chart = bar_chart(
        title="Interventions éligibles et exclues par département",
        labels=[group.label for group in departements],
        series=[
            Series("Éligibles", [group.eligible for group in departements]),
            Series("Exclues", [group.excluded for group in departements]),
        ],
        stacked=True,
        chart_id="chart-departements",
    )
    return render_pdf(
        PDF_TEMPLATE,
        {"c": consolidation, "region": region, "chart": chart, "generated_at": timezone.now()},
    )


def _summary(consolidation: Consolidation, pdf_ok: bool) -> dict:
    totals = consolidation.totals
    return {
        "grants": totals.grants,
        "eligible": totals.eligible,
        "excluded": totals.excluded,
        "total_amount": f"{totals.total_amount:.2f}",
        "paid": f"{totals.paid:.2f}",
        "report_states": consolidation.report_states,
        "pdf": pdf_ok,
    }


def consolidation_execute(*, consolidation_id: int) -> ConsolidatedReport:
    """Fill the job: rows, XLSX, PDF (idempotent: a finished job is left as it is)."""
    job = ConsolidatedReport.objects.select_related("region").get(pk=consolidation_id)
    if job.status == JobStatus.DONE:
        return job
    period = Period(job.year, job.half)
    try:
        job.mark_running(total=0)
        consolidation = consolidation_rows(job.region, period, on_progress=job.advance)
        # Progress counts the grants, then one step for the workbook and one for the PDF.
        job.total = len(consolidation.rows) + 2
        job.save(update_fields=["total"])
        job.advance(len(consolidation.rows))
        name = f"consolidation-{job.region.code}-{period}"
        job.xlsx.save(f"{name}.xlsx", ContentFile(consolidation_xlsx(consolidation)), save=False)
        job.advance(job.processed + 1)
        pdf_ok = True
        try:
            job.pdf.save(f"{name}.pdf", ContentFile(consolidation_pdf(consolidation, job.region)), save=False)
        except PdfUnavailable as error:
            # The workbook is still useful; the PDF needs pango (see docs/decisions.md).
            logger.warning("Consolidation %s sans PDF : %s", job.pk, error)
            pdf_ok = False
        job.summary = _summary(consolidation, pdf_ok)
        job.save(update_fields=["xlsx", "pdf", "summary"])
        job.mark_done()
    except Exception as error:  # the progress bar must stop, whatever went wrong
        logger.exception("Consolidation %s en échec", job.pk)
        job.mark_failed(f"La consolidation a échoué : {error}")
        raise
    return job
