"""Signals the funding layer sends so that the layer above it (reporting) reacts without being imported here.

``statements_changed`` is sent by the statement and payment services, after the transaction commits, whenever the
money figures of a region move: drafts computed, statements issued, a payment recorded. ``region_ids`` names the
regions. The dashboards use it to drop their cached aggregates (see docs/decisions.md, « Tableaux de bord »).
"""

from django.db import transaction
from django.dispatch import Signal

statements_changed = Signal()  # kwargs: region_ids: list[int]


def announce_statements_changed(region_ids) -> None:
    """Send ``statements_changed`` once the current transaction commits (at once outside a transaction)."""
    region_ids = sorted(set(region_ids))
    transaction.on_commit(lambda: statements_changed.send(sender=None, region_ids=region_ids))
