from portal.models.federation import FederatedLoginEvent
from portal.models.invitation import Invitation
from portal.models.membership import RegionMembership, StructureMembership
from portal.models.region import Region
from portal.models.structure import Structure, StructureKind
from portal.models.token import ApiToken
from portal.models.user import Profession, Professional, User

__all__ = [
    "ApiToken",
    "FederatedLoginEvent",
    "Invitation",
    "Profession",
    "Professional",
    "Region",
    "RegionMembership",
    "Structure",
    "StructureKind",
    "StructureMembership",
    "User",
]
