"""What changed in a dossier after its deposit (answers to complement requests), from its simple-history rows."""

from dataclasses import dataclass

from funding.dossier_sections import EDITABLE_FIELDS
from funding.models import Dossier, DossierState


@dataclass(frozen=True)
class Change:
    at: object
    user: object
    labels: list[str]


def field_changes(dossier: Dossier) -> list[Change]:
    """Edits of the answers made after the dossier left the draft state, oldest first (one query)."""
    records = list(dossier.history.select_related("history_user").order_by("history_date", "history_id"))
    changes, previous, deposited = [], None, False
    for record in records:
        if previous is not None and deposited:
            delta = record.diff_against(previous, included_fields=list(EDITABLE_FIELDS))
            if delta.changes:
                labels = [str(Dossier._meta.get_field(change.field).verbose_name) for change in delta.changes]
                changes.append(Change(record.history_date, record.history_user, labels))
        deposited = deposited or record.state != DossierState.DRAFT
        previous = record
    return changes
