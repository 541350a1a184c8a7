"""Payment orders recorded by the finance officer against issued statements."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from funding.models import Payment, Statement
from funding.signals import announce_statements_changed
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role


def _euros(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "\u00a0").replace(".", ",") + "\u00a0€"


def statement_paid_amount(statement: Statement) -> Decimal:
    return Payment.objects.filter(statement=statement).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


@transaction.atomic
def payment_record(
    *,
    statement: Statement,
    paid_on: datetime.date,
    amount: Decimal,
    reference: str,
    by,
    comment: str = "",
) -> Payment:
    """Record a payment order of an issued statement, never more than what remains to pay on it.

    The statement row is locked first, so two officers recording at once cannot together pay more than due."""
    statement = (
        Statement.objects.select_for_update(of=("self",)).select_related("grant__structure").get(pk=statement.pk)
    )
    if statement.grant.structure.region_id not in get_scope(by).region_ids([Role.FINANCE_OFFICER]):
        raise ApplicationError("Seul un chargé de financement de l'ARS peut enregistrer un paiement.")
    if not statement.is_issued:
        raise ApplicationError("Un paiement ne s'enregistre que sur un état émis.")
    if paid_on > timezone.localdate():
        raise ApplicationError("La date de paiement ne peut pas être dans le futur.", field="paid_on")
    if statement.issued_at and paid_on < timezone.localtime(statement.issued_at).date():
        raise ApplicationError("La date de paiement ne peut pas précéder l'émission de l'état.", field="paid_on")
    remaining = statement.total_amount - statement_paid_amount(statement)
    if remaining <= 0:
        raise ApplicationError("Cet état n'a plus rien à payer.")
    if amount > remaining:
        raise ApplicationError(f"Le montant dépasse le reste à payer de l'état ({_euros(remaining)}).", field="amount")
    payment = Payment(
        statement=statement,
        paid_on=paid_on,
        amount=amount,
        reference=reference.strip(),
        comment=comment,
        recorded_by=by,
    )
    payment.full_clean()
    payment.save()
    announce_statements_changed([statement.grant.structure.region_id])
    return payment
