"""When an intervention is frozen: a funding statement that covers it has been issued.

Registered into ``protocols.locks`` by ``FundingConfig.ready`` (protocols cannot import funding). A statement
covers an intervention when it is issued for the grant of the intervention's structure and protocol and for the
half-year of its date, or when it lists it (a régularisation of an earlier period). Written as ``EXISTS`` so that
lists annotate it in their own query.
"""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import ExtractYear

from funding.models import Statement, StatementItem, StatementStatus


def issued_statement_covers() -> Q:
    issued = Statement.objects.filter(
        status=StatementStatus.ISSUED,
        grant__structure_id=OuterRef("structure_id"),
        grant__protocol_id=OuterRef("protocol_id"),
        year=ExtractYear(OuterRef("performed_on")),
    )
    listed = StatementItem.objects.filter(intervention_id=OuterRef("pk"), statement__status=StatementStatus.ISSUED)
    return (
        Q(Exists(issued.filter(half=1)), performed_on__month__lte=6)
        | Q(Exists(issued.filter(half=2)), performed_on__month__gte=7)
        | Q(Exists(listed))
    )
