"""Biannual reports and consolidations of the foreign region (CVL) for the tenant matrix."""

from django.utils import timezone

from portal.jobs import JobStatus
from reporting.models import ReportState
from tests.reporting.factories import WRITTEN, BiannualReportFactory, ConsolidatedReportFactory

ORDER = 70
# The national view: the national pilot reads the aggregates of any region there (names, RPPS, FINESS never).
AGGREGATE_ROUTES = {"reporting:national_region"}
# Open data: suppressed national aggregates, for everyone.
PUBLIC_ROUTES = {
    "reporting:open_data",
    "reporting:open_data_csv",
    "reporting:open_data_json",
    "reporting:open_data_schema",
}


def build(world):
    grant = world.objects["grant_statements"]
    # Submitted, so that the instructor's actions (changes, accept) would be possible if the scope leaked.
    report = BiannualReportFactory(
        grant=grant,
        state=ReportState.SUBMITTED,
        sworn_statement=True,
        submitted_at=timezone.now(),
        figures={"period": "2025-H1", "interventions": {"eligible": 4, "excluded": 0, "monthly": []}},
        **WRITTEN,
    )
    job = ConsolidatedReportFactory(region=world.objects["region"], status=JobStatus.DONE)
    world.kwargs.update(report_id=report.pk, consolidation_id=job.pk)
