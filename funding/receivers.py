"""Reactions of the funding layer to what the protocols layer announces (it cannot call us: layers).

``eligibility_inputs_changed`` (a team join or leave, a training date, a declaration, a suspension, an intervention
logged, edited, cancelled or imported): the eligibility of that protocol's interventions is recomputed at once, in
the sender's transaction when there is one. Synchronous on purpose: one protocol's interventions are one team's
activity (a few thousand rows, milliseconds in SQL), and statements read the eligibility table as it is, so it must
never lag behind. Region-wide recomputations (``recompute_eligibility_task``) are the ones that go to Celery.

The same signal also opens the grants that were waiting for a declaration and makes grants follow suspensions
(after commit, through a task); opening a grant recomputes its protocol's eligibility in turn. And the tableaux de
reporting still collecting attestations follow their lines (who must confirm, and whether his lines changed since
he did), in the same transaction.
"""

from funding.services import grants
from funding.services.eligibility import recompute_eligibility
from funding.services.tableaux import refresh_open_tableaux


def on_eligibility_inputs_changed(sender, protocol_id, since=None, **kwargs):
    recompute_eligibility(protocol_ids=[protocol_id], since=since)


def on_tableau_lines_changed(sender, protocol_id, since=None, **kwargs):
    refresh_open_tableaux(protocol_id=protocol_id, since=since)


def connect() -> None:
    from protocols.signals import eligibility_inputs_changed

    eligibility_inputs_changed.connect(
        on_eligibility_inputs_changed, dispatch_uid="funding.recompute_eligibility_on_inputs_changed"
    )
    eligibility_inputs_changed.connect(grants.on_eligibility_inputs_changed, dispatch_uid="funding.grants_sync")
    eligibility_inputs_changed.connect(on_tableau_lines_changed, dispatch_uid="funding.tableaux_follow_lines")
