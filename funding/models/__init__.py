from funding.models.campaign import Campaign, Criterion, PriorityRule, Wave
from funding.models.committee import (
    CommitteeMeeting,
    Decision,
    DecisionOutcome,
    Review,
    ReviewAssignment,
    ReviewState,
    Score,
)
from funding.models.dossier import (
    DECIDED_STATES,
    ComplementRequest,
    Dossier,
    DossierAttachment,
    DossierMessage,
    DossierState,
    DossierTransition,
    InstructionCheck,
    InstructionNote,
)
from funding.models.eligibility import ExclusionReason, InterventionEligibility
from funding.models.grant import Grant, GrantState
from funding.models.ledger import PaidIntervention, PaidTotal
from funding.models.statement import (
    ComputationRun,
    Payment,
    Statement,
    StatementItem,
    StatementLine,
    StatementStatus,
)

__all__ = [
    "DECIDED_STATES",
    "Campaign",
    "CommitteeMeeting",
    "ComplementRequest",
    "ComputationRun",
    "Criterion",
    "Decision",
    "DecisionOutcome",
    "Dossier",
    "DossierAttachment",
    "DossierMessage",
    "DossierState",
    "DossierTransition",
    "ExclusionReason",
    "Grant",
    "GrantState",
    "InstructionCheck",
    "InstructionNote",
    "InterventionEligibility",
    "PaidIntervention",
    "PaidTotal",
    "Payment",
    "PriorityRule",
    "Review",
    "ReviewAssignment",
    "ReviewState",
    "Score",
    "Statement",
    "StatementItem",
    "StatementLine",
    "StatementStatus",
    "Wave",
]
