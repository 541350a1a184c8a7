"""The rows of a region's consolidation for a half-year: one per grant, read from the funding statements of the
period (money), the payments recorded against them and the reports' states; then the same rows summed by
département, protocol, structure kind and priority zone.

The totals are sums of the statements' own amounts: the consolidation never computes money (a test checks the
totals equal the sum of the statements)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from funding.models import Grant, Payment, Statement
from funding.periods import Period
from reporting.models import BiannualReport, ReportState
from reporting.services.reports import grants_to_report

ZERO = Decimal("0.00")
NO_ZONE = "Hors zone prioritaire"


@dataclass
class GrantRow:
    grant_reference: str
    structure: str
    finess: str
    kind: str
    departement: str
    zones: list[str]
    protocol: str
    statement_reference: str = ""
    statement_status: str = "non calculé"
    eligible: int = 0
    excluded: int = 0
    period_amount: Decimal = ZERO
    regularisation_amount: Decimal = ZERO
    total_amount: Decimal = ZERO
    paid: Decimal = ZERO
    year_cumulative: Decimal = ZERO
    cap_remaining: Decimal | None = None
    report_state: str = "non ouvert"


@dataclass
class GroupRow:
    label: str
    grants: int = 0
    eligible: int = 0
    excluded: int = 0
    total_amount: Decimal = ZERO
    paid: Decimal = ZERO

    def add(self, row: GrantRow) -> None:
        self.grants += 1
        self.eligible += row.eligible
        self.excluded += row.excluded
        self.total_amount += row.total_amount
        self.paid += row.paid


@dataclass
class Consolidation:
    period: Period
    rows: list[GrantRow] = field(default_factory=list)

    def _grouped(self, keys_of) -> list[GroupRow]:
        groups: dict[str, GroupRow] = {}
        for row in self.rows:
            for key in keys_of(row):
                groups.setdefault(key, GroupRow(key)).add(row)
        return sorted(groups.values(), key=lambda group: group.label)

    @property
    def totals(self) -> GroupRow:
        total = GroupRow("Région")
        for row in self.rows:
            total.add(row)
        return total

    @property
    def by_departement(self) -> list[GroupRow]:
        return self._grouped(lambda row: [row.departement])

    @property
    def by_protocol(self) -> list[GroupRow]:
        return self._grouped(lambda row: [row.protocol])

    @property
    def by_kind(self) -> list[GroupRow]:
        return self._grouped(lambda row: [row.kind])

    @property
    def by_zone(self) -> list[GroupRow]:
        """A structure in several zones counts in each (these rows do not add up to the totals)."""
        return self._grouped(lambda row: row.zones or [NO_ZONE])

    @property
    def report_states(self) -> dict[str, int]:
        counts = defaultdict(int)
        for row in self.rows:
            counts[row.report_state] += 1
        return dict(counts)


def _protocol_label(protocol) -> str:
    if protocol.national_protocol_id:
        return protocol.national_protocol.short_title or protocol.national_protocol.title
    return f"Protocole local {protocol.code}"


def consolidation_rows(region, period: Period, on_progress=None) -> Consolidation:
    """Five queries, whatever the number of grants."""
    statements = {
        statement.grant_id: statement
        for statement in Statement.objects.filter(grant__structure__region=region, year=period.year, half=period.half)
    }
    paid = dict(
        Payment.objects.filter(statement__in=[s.pk for s in statements.values()])
        .values("statement")
        .annotate(total=Sum("amount"))
        .values_list("statement", "total")
        .order_by()
    )
    states = dict(
        BiannualReport.objects.filter(grant__structure__region=region, year=period.year, half=period.half)
        .values_list("grant_id", "state")
        .order_by()
    )
    owing = set(grants_to_report(region, period).values_list("pk", flat=True))
    grants = (
        Grant.objects.filter(pk__in=owing | set(statements))
        .select_related("structure", "protocol__national_protocol")
        .order_by("structure__departement", "structure__name", "reference")
    )
    labels = dict(ReportState.choices)
    consolidation = Consolidation(period)
    for index, grant in enumerate(grants, start=1):
        structure = grant.structure
        row = GrantRow(
            grant_reference=grant.reference,
            structure=structure.name,
            finess=structure.finess,
            kind=structure.kind,
            departement=structure.departement,
            zones=structure.priority_zones,
            protocol=_protocol_label(grant.protocol),
            report_state=labels.get(states.get(grant.pk), "non ouvert"),
        )
        statement = statements.get(grant.pk)
        if statement is not None:
            row.statement_reference = statement.reference
            row.statement_status = statement.get_status_display().lower()
            row.eligible, row.excluded = statement.eligible_count, statement.excluded_count
            row.period_amount = statement.period_amount
            row.regularisation_amount = statement.regularisation_amount
            row.total_amount = statement.total_amount
            row.paid = paid.get(statement.pk) or ZERO
            row.year_cumulative, row.cap_remaining = statement.year_cumulative, statement.cap_remaining
        consolidation.rows.append(row)
        if on_progress and index % 25 == 0:
            on_progress(index)
    return consolidation
