from protocols.models.catalogue import VERSIONED_FIELDS, ForfaitUnit, NationalProtocol, NationalProtocolVersion
from protocols.models.declaration import AdverseEvent, Declaration, IndicatorValue, Suspension
from protocols.models.ds import DeclarationChannel, DsCheck, RegionDeclarationSettings
from protocols.models.ending import EndGround, ProtocolEnding, can_end
from protocols.models.intervention import ImportBatch, Intervention, InterventionSource
from protocols.models.protocol import (
    ChecklistAnswer,
    Protocol,
    ProtocolEvent,
    ProtocolKind,
    ProtocolStatus,
    ProtocolTheme,
)
from protocols.models.team import (
    DocumentKind,
    DocumentStatus,
    MemberDocument,
    MembershipStatus,
    TeamMembership,
    TeamRole,
    Training,
)

__all__ = [
    "AdverseEvent",
    "ChecklistAnswer",
    "Declaration",
    "DeclarationChannel",
    "DsCheck",
    "DocumentKind",
    "DocumentStatus",
    "EndGround",
    "ImportBatch",
    "IndicatorValue",
    "Intervention",
    "InterventionSource",
    "MemberDocument",
    "MembershipStatus",
    "ForfaitUnit",
    "NationalProtocol",
    "NationalProtocolVersion",
    "VERSIONED_FIELDS",
    "Protocol",
    "ProtocolEnding",
    "ProtocolEvent",
    "ProtocolKind",
    "ProtocolStatus",
    "ProtocolTheme",
    "RegionDeclarationSettings",
    "Suspension",
    "TeamMembership",
    "TeamRole",
    "Training",
    "can_end",
]
