from funding.models.campaign import Campaign, Criterion, PriorityRule, Wave
from funding.models.committee import (
    CommitteeMeeting,
    Decision,
    DecisionOutcome,
    Review,
    ReviewAssignment,
    ReviewReopening,
    ReviewState,
    Score,
)
from funding.models.dossier import (
    DECIDED_STATES,
    INSTRUCTION_STATES,
    NATIONAL_PROTOCOL_REFUSED,
    AttachmentKind,
    Dossier,
    DossierState,
)
from funding.models.dossier_parts import (
    ComplementRequest,
    DossierAttachment,
    DossierMessage,
    DossierTransition,
    InstructionCheck,
    InstructionNote,
)
from funding.models.eligibility import ExclusionReason, InterventionEligibility
from funding.models.grant import OPEN_END, CountingUnit, Grant, GrantState, Regime
from funding.models.indicators import (
    WHOLE_YEAR,
    CampaignIndicator,
    CampaignIndicatorValue,
    Periodicity,
    period_label,
)
from funding.models.ledger import PaidIntervention, PaidTotal
from funding.models.monthly_counts import InterventionMonthlyCount
from funding.models.statement import (
    ComputationRun,
    Payment,
    Statement,
    StatementItem,
    StatementLine,
    StatementStatus,
)
from funding.models.tableau import Tableau, TableauSignatory, TableauState, TableauTransition

__all__ = [
    "DECIDED_STATES",
    "INSTRUCTION_STATES",
    "AttachmentKind",
    "Campaign",
    "CommitteeMeeting",
    "ComplementRequest",
    "ComputationRun",
    "CountingUnit",
    "Criterion",
    "Decision",
    "DecisionOutcome",
    "Dossier",
    "DossierAttachment",
    "DossierMessage",
    "DossierState",
    "NATIONAL_PROTOCOL_REFUSED",
    "DossierTransition",
    "ExclusionReason",
    "Grant",
    "CampaignIndicator",
    "CampaignIndicatorValue",
    "Periodicity",
    "WHOLE_YEAR",
    "period_label",
    "GrantState",
    "OPEN_END",
    "Regime",
    "InstructionCheck",
    "InstructionNote",
    "InterventionEligibility",
    "InterventionMonthlyCount",
    "PaidIntervention",
    "PaidTotal",
    "Payment",
    "PriorityRule",
    "Review",
    "ReviewAssignment",
    "ReviewReopening",
    "ReviewState",
    "Score",
    "Statement",
    "StatementItem",
    "StatementLine",
    "StatementStatus",
    "Tableau",
    "TableauSignatory",
    "TableauState",
    "TableauTransition",
    "Wave",
]
