"""The region admin's journal: who changed what and when, across the business models of the region.

Each source names a history-tracked model and the lookups from its historical rows to the region (historical rows
keep their foreign keys, so ``structure__region`` works on them). Apps add their models here: reporting is the top
layer and may import them all.
"""

from dataclasses import dataclass

from django.db.models import Q

from portal.models import Invitation, RegionMembership, Structure, StructureMembership


@dataclass(frozen=True)
class AuditSource:
    model: type
    region_paths: tuple[str, ...]
    label: str

    def history_in(self, region_ids):
        condition = Q()
        for path in self.region_paths:
            condition |= Q(**{f"{path}__in": region_ids})
        return self.model.history.filter(condition)


SOURCES = [
    AuditSource(Structure, ("region",), "Structure"),
    AuditSource(StructureMembership, ("structure__region",), "Rôle dans une structure"),
    AuditSource(RegionMembership, ("region",), "Rôle ARS"),
    AuditSource(Invitation, ("region", "structure__region"), "Invitation"),
]
