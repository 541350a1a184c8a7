"""Signals the protocols layer sends so that layers above it (funding) react without being imported here.

``eligibility_inputs_changed`` is sent after a change that can alter the eligibility of interventions: a team join or
leave, a training date, a declaration, a suspension or its lifting, an intervention written, cancelled or imported,
a catalogue forfait. ``protocol_id`` names the protocol; ``since`` is the first date affected (None: all dates).

The contract: one sender, ``protocols.services.common.notify_eligibility_change``, called by the services (never
from ``save()``) after their writes, **inside their transaction**. Receivers therefore run in that transaction:
what must be consistent with the change is written there (funding recomputes the eligibility, so an intervention
and its eligibility commit together or not at all); what reaches outside the database (a cache, a Celery task, a
mail) is deferred by the receiver with ``transaction.on_commit`` / ``delay_on_commit``. The receivers are
connected in ``FundingConfig.ready`` and ``ReportingConfig.ready``; the system check ``protocols.E001`` refuses
to start when none is connected (nothing would compute eligibility).
"""

from django.dispatch import Signal

eligibility_inputs_changed = Signal()  # kwargs: protocol_id: int, since: date | None
