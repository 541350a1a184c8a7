"""The figures of a biannual report, read from the funding engine and the protocols layer, never recomputed.

Money comes only from the grant's funding statement of the half-year (``funding.Statement``: issued or draft) and
the payments recorded against it. Counts come from the same place the statement's come from: the frozen
``StatementItem`` rows of an issued statement, the live eligibility table for a draft (or when no statement was
computed yet), so the monthly table always adds up to the statement's eligible and excluded counts.

The figures are stored as JSON on the report (decimals as strings): what the coordinator submitted stays what the
ARS reads, even after a later régularisation changes the engine's numbers.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from funding.models import InterventionEligibility, Payment, Statement, StatementItem
from funding.periods import Period
from funding.selectors.statements import exclusion_counts, reason_label
from protocols.models import AdverseEvent, MembershipStatus, Suspension, TeamMembership, Training
from reporting.charts import MONTHS


def _money(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _monthly_from(rows, period: Period) -> list[dict]:
    by_month = {row["month"]: row for row in rows}
    table = []
    for month in period.months:
        row = by_month.get(month, {})
        table.append(
            {
                "month": month.isoformat()[:7],
                "label": f"{MONTHS[month.month - 1]} {month.year}",
                "eligible": row.get("eligible", 0),
                "excluded": row.get("excluded", 0),
            }
        )
    return table


def _live_counts(grant, period: Period) -> tuple[list[dict], list[dict]]:
    rows = InterventionEligibility.objects.filter(
        grant=grant, performed_on__gte=period.start, performed_on__lte=period.end
    )
    monthly = (
        rows.annotate(month=TruncMonth("performed_on"))
        .values("month")
        .annotate(eligible=Count("pk", filter=Q(is_eligible=True)), excluded=Count("pk", filter=Q(is_eligible=False)))
        .order_by("month")
    )
    reasons = rows.filter(is_eligible=False).values("reason").annotate(count=Count("pk")).order_by("-count", "reason")
    return list(monthly), [(row["reason"], reason_label(row["reason"]), row["count"]) for row in reasons]


def _frozen_counts(statement: Statement) -> tuple[list[dict], list[dict]]:
    monthly = (
        StatementItem.objects.filter(statement=statement, is_regularisation=False)
        .annotate(month=TruncMonth("intervention__performed_on"))
        .values("month")
        .annotate(eligible=Count("pk", filter=Q(is_eligible=True)), excluded=Count("pk", filter=Q(is_eligible=False)))
        .order_by("month")
    )
    return list(monthly), exclusion_counts([statement]).get(statement.pk, [])


def _money_figures(statement: Statement | None) -> dict:
    if statement is None:
        return {"statement": None}
    paid = Payment.objects.filter(statement=statement).aggregate(total=Sum("amount"))["total"]
    cap = statement.yearly_cap
    return {
        "statement": {
            "reference": statement.reference,
            "status": statement.status,
            "status_label": statement.get_status_display(),
            "issued_on": timezone.localdate(statement.issued_at).isoformat() if statement.issued_at else None,
        },
        "rate": _money(statement.rate),
        "yearly_cap": _money(cap),
        "period_amount": _money(statement.period_amount),
        "regularisation_amount": _money(statement.regularisation_amount),
        "total_amount": _money(statement.total_amount),
        "issued_amount": _money(statement.total_amount) if statement.is_issued else None,
        "paid_amount": _money(paid or Decimal("0.00")) if statement.is_issued else None,
        "year_cumulative": _money(statement.year_cumulative),
        "cap_remaining": _money(statement.cap_remaining),
        # A share for the chart and the summary, not money: the amounts themselves are the statement's.
        "cap_consumed_percent": float(round(statement.year_cumulative * 100 / cap, 1)) if cap else 0.0,
    }


def _team_changes(protocol_id: int, period: Period) -> list[dict]:
    in_period = Q(joined_on__gte=period.start, joined_on__lte=period.end) | Q(
        left_on__gte=period.start, left_on__lte=period.end
    )
    members = (
        TeamMembership.objects.filter(protocol_id=protocol_id, status=MembershipStatus.ACCEPTED)
        .filter(in_period)
        .select_related("professional__user")
        .order_by("joined_on", "pk")
    )
    changes = []
    for member in members:
        name, role = member.professional.user.get_full_name(), member.get_role_display()
        if period.contains(member.joined_on):
            changes.append({"on": member.joined_on.isoformat(), "name": name, "role": role, "change": "arrivée"})
        if member.left_on and period.contains(member.left_on):
            changes.append({"on": member.left_on.isoformat(), "name": name, "role": role, "change": "départ"})
    return sorted(changes, key=lambda change: change["on"])


def _trainings(protocol_id: int, period: Period) -> list[dict]:
    trainings = (
        Training.objects.filter(
            membership__protocol_id=protocol_id, completed_on__gte=period.start, completed_on__lte=period.end
        )
        .select_related("membership__professional__user")
        .order_by("completed_on", "pk")
    )
    return [
        {
            "on": training.completed_on.isoformat(),
            "name": training.membership.professional.user.get_full_name(),
            "hours": f"{training.hours:.1f}",
        }
        for training in trainings
    ]


def _adverse_events(protocol_id: int, period: Period) -> dict:
    events = AdverseEvent.objects.filter(
        protocol_id=protocol_id, occurred_on__gte=period.start, occurred_on__lte=period.end
    ).aggregate(
        total=Count("pk"),
        serious=Count("pk", filter=Q(severity=AdverseEvent.Severity.EIG)),
        open=Count("pk", filter=Q(closed_at__isnull=True)),
    )
    return {key: value or 0 for key, value in events.items()}


def _suspensions(protocol_id: int, period: Period) -> list[dict]:
    suspensions = Suspension.objects.filter(protocol_id=protocol_id, starts_on__lte=period.end).filter(
        Q(lifted_on__isnull=True) | Q(lifted_on__gt=period.start)
    )
    return [
        {
            "starts_on": suspension.starts_on.isoformat(),
            "lifted_on": suspension.lifted_on.isoformat() if suspension.lifted_on else None,
            "reason": suspension.reason,
        }
        for suspension in suspensions.order_by("starts_on", "pk")
    ]


def report_figures(grant, period: Period) -> dict:
    """Everything the report shows of the half-year, as JSON-ready values."""
    statement = Statement.objects.filter(grant=grant, year=period.year, half=period.half).first()
    if statement is not None and statement.is_issued:
        monthly_rows, reasons = _frozen_counts(statement)
    else:
        monthly_rows, reasons = _live_counts(grant, period)
    monthly = _monthly_from(monthly_rows, period)
    return {
        "period": str(period),
        "period_label": period.label,
        "interventions": {
            "eligible": sum(row["eligible"] for row in monthly),
            "excluded": sum(row["excluded"] for row in monthly),
            "monthly": monthly,
            "exclusions": [{"reason": code, "label": label, "count": count} for code, label, count in reasons],
        },
        **_money_figures(statement),
        "team_changes": _team_changes(grant.protocol_id, period),
        "trainings": _trainings(grant.protocol_id, period),
        "adverse_events": _adverse_events(grant.protocol_id, period),
        "suspensions": _suspensions(grant.protocol_id, period),
    }
