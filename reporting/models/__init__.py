from reporting.models.report import BiannualReport, ConsolidatedReport, ReportState

__all__ = ["BiannualReport", "ConsolidatedReport", "ReportState"]
