from reporting.models.opendata import OpenDataRelease
from reporting.models.report import (
    EDITABLE_STATES,
    PENDING_STATES,
    BiannualReport,
    ConsolidatedReport,
    ReportState,
    ReportTransition,
)

__all__ = [
    "EDITABLE_STATES",
    "PENDING_STATES",
    "BiannualReport",
    "ConsolidatedReport",
    "OpenDataRelease",
    "ReportState",
    "ReportTransition",
]
