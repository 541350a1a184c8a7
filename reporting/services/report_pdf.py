"""The PDF of a biannual report, cached on the report: rendered again only when what it shows has changed.

``pdf_source_hash`` is the SHA-256 of everything the document prints (figures, sections, state, dates, names,
letterhead) plus a version of the template; ``report_pdf_refresh`` renders only when that hash differs from the
stored one. The Celery task calls it after every change; the download view calls it too, so a download is never
stale even when no worker ran.
"""

import hashlib
import json

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.pdf import render_pdf, sha256_hex
from reporting.charts.report import report_charts
from reporting.models import BiannualReport

TEMPLATE = "reporting/pdf/report.html"
TEMPLATE_VERSION = "2"  # change it when the template changes: every cached PDF is then rendered again


def _with_related(report_id: int):
    return BiannualReport.objects.select_related(
        "grant__structure__region", "grant__protocol", "submitted_by", "reviewed_by"
    ).get(pk=report_id)


def source_hash(report: BiannualReport) -> str:
    region = report.grant.structure.region
    payload = {
        "v": TEMPLATE_VERSION,
        "figures": report.figures,
        "sections": [report.use_of_funds, report.sharing, report.difficulties, report.next_steps],
        "indicators": report.indicator_values,
        "state": report.state,
        "sworn": report.sworn_statement,
        "submitted": [str(report.submitted_at), str(report.submitted_by)],
        "reviewed": [str(report.reviewed_at), str(report.reviewed_by), report.ars_comment],
        "due_on": str(report.due_on),
        "grant": [report.grant.reference, report.grant.structure.name, report.grant.protocol.code],
        "region": [region.agency_name, region.address, region.signatory_name, region.signatory_title],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def report_pdf_context(report: BiannualReport) -> dict:
    return {
        "report": report,
        "figures": report.figures,
        "charts": report_charts(report.figures),
        "region": report.grant.structure.region,
        "generated_at": timezone.now(),
    }


def report_pdf_bytes(report: BiannualReport) -> bytes:
    return render_pdf(TEMPLATE, report_pdf_context(report))


def report_pdf_refresh(*, report_id: int) -> BiannualReport:
    """Render and store the report's PDF if what it shows changed since the stored one (idempotent)."""
    report = _with_related(report_id)
    wanted = source_hash(report)
    if report.pdf and report.pdf_source_hash == wanted:
        return report
    data = report_pdf_bytes(report)
    with transaction.atomic():
        locked = BiannualReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
        if locked.pdf and locked.pdf_source_hash == wanted:  # another worker stored the same document meanwhile
            return report
        old_name = locked.pdf.name if locked.pdf else ""
        locked.pdf.save(f"rapport-{report.period}-{report.grant.reference}.pdf", ContentFile(data), save=False)
        # Not through save(): the document follows the report, it is not a change of the report (no history).
        BiannualReport.objects.filter(pk=locked.pk).update(
            pdf=locked.pdf.name, pdf_sha256=sha256_hex(data), pdf_source_hash=wanted
        )
        if old_name and old_name != locked.pdf.name:
            storage = locked.pdf.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    report.refresh_from_db(fields=["pdf", "pdf_sha256", "pdf_source_hash"])
    return report
