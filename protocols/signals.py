"""Signals the protocols layer sends so that layers above it (funding) react without being imported here.

``eligibility_inputs_changed`` is sent explicitly by the protocols services (never from ``save()``) after a change
that can alter the eligibility of interventions: a team join or leave, a training date, a declaration, a
suspension or its lifting, an intervention written or cancelled. ``protocol_id`` names the protocol; ``since`` is
the first date affected (None: all dates). Receivers run after the transaction commits.
"""

from django.dispatch import Signal

eligibility_inputs_changed = Signal()  # kwargs: protocol_id: int, since: date | None
