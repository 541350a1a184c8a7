"""Pages of the payments: what remains to pay per grant and year, payment orders, the payment list export."""

import tempfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from funding.exports.payments import payments_csv, payments_xlsx
from funding.forms.payments import PaymentForm
from funding.models import Payment, Statement
from funding.selectors.payments import balances_by_grant_year, with_paid
from funding.services.payments import payment_record
from funding.views.statements import get_statement_for_user
from portal.decorators import role_required
from portal.downloads import attach, file_response
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import Role

PAYMENT_READERS = (Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR, Role.COORDINATOR)
PAGE_SIZE = 25


def _filtered(request):
    """The issued statements and payments the user may read, narrowed by the year filter (GET ``annee``)."""
    statements = Statement.objects.visible_to(request.user).issued()
    payments = Payment.objects.visible_to(request.user)
    year = request.GET.get("annee", "")
    if year.isdigit():
        statements = statements.filter(year=int(year))
        payments = payments.filter(statement__year=int(year))
    else:
        year = ""
    return statements, payments, year


@role_required(*PAYMENT_READERS)
@require_GET
def payment_list(request):
    statements, payments, year = _filtered(request)
    balances = Paginator(balances_by_grant_year(statements), PAGE_SIZE).get_page(request.GET.get("page"))
    totals = {
        "issued": statements.aggregate(total=Sum("total_amount"))["total"],
        "paid": payments.aggregate(total=Sum("amount"))["total"],
    }
    years = (
        Statement.objects.visible_to(request.user).issued().values_list("year", flat=True).distinct().order_by("-year")
    )
    recent = payments.select_related("statement__grant__structure", "recorded_by").order_by("-paid_on", "-pk")[:20]
    return render(
        request,
        "funding/payments/list.html",
        {"page": balances, "totals": totals, "recent": recent, "year": year, "years": years},
    )


@role_required(*PAYMENT_READERS)
@require_GET
def payment_export(request):
    statements, payments, year = _filtered(request)
    export_format = request.GET.get("format", "csv")
    name = f"paiements{'-' + year if year else ''}"
    if export_format == "csv":
        response = StreamingHttpResponse(payments_csv(payments), content_type="text/csv; charset=utf-8")
        attach(response, f"{name}.csv")
        return response
    if export_format == "xlsx":
        spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        payments_xlsx(payments, statements, spooled)
        spooled.seek(0)
        return file_response(
            spooled, f"{name}.xlsx", content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    return HttpResponse("Format inconnu : csv ou xlsx.", status=400, content_type="text/plain")


@role_required(Role.FINANCE_OFFICER)
@require_http_methods(["GET", "POST"])
def payment_create(request, statement_id):
    statement = get_statement_for_user(request.user, statement_id, roles=[Role.FINANCE_OFFICER])
    if not statement.is_issued:
        messages.error(request, "Un paiement ne s'enregistre que sur un état émis.")
        return redirect("funding:statement_detail", statement_id=statement.pk)
    paid = with_paid(Statement.objects.filter(pk=statement.pk)).values("paid", "remaining").first()
    form = PaymentForm(request.POST or None, initial={"amount": paid["remaining"] if paid else None})
    if request.method == "POST" and form.is_valid():
        try:
            payment = payment_record(statement=statement, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Paiement {payment.reference} enregistré.")
            return redirect("funding:statement_detail", statement_id=statement.pk)
    return render(
        request,
        "funding/payments/form.html",
        {"form": form, "statement": statement, "paid": paid},
        status=400 if form.errors else 200,
    )
