"""Reads of the payments: what each issued statement, grant and year has received and still awaits."""

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from funding.models import Payment

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def with_paid(statements):
    """Issued statements annotated with ``paid`` and ``remaining`` (one subquery, no join that would multiply)."""
    paid = (
        Payment.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return statements.issued().annotate(
        paid=Coalesce(Subquery(paid, output_field=DecimalField(max_digits=12, decimal_places=2)), ZERO),
        remaining=F("total_amount") - F("paid"),
    )


def balances_by_grant_year(statements):
    """One row per grant and year of issued statements: issued, paid, remaining (negative: to recover)."""
    return (
        with_paid(statements)
        .values(
            "grant_id",
            "grant__reference",
            "grant__structure__name",
            "grant__structure__finess",
            "grant__structure__region__code",
            "year",
        )
        .annotate(issued=Sum("total_amount"), paid_total=Sum("paid"))
        .annotate(remaining_total=F("issued") - F("paid_total"))
        .order_by("grant__reference", "year")
    )
