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
    "ReportState",
    "ReportTransition",
]
