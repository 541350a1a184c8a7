"""Pages of the funding statements: compute a period (progress bar), review, issue, export, read a statement."""

import tempfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from funding.exports.statements import detail_csv, region_statements, statements_xlsx, summary_csv
from funding.exports.tableau import XLSX_TYPE, tableau_sheets_of_statements, write_tableau
from funding.forms.statements import ComputeStatementsForm
from funding.models import ComputationRun, Statement, StatementStatus, Tableau
from funding.periods import Period
from funding.selectors.payments import with_paid
from funding.selectors.statements import DETAIL_FILTERS, StatementInterventions, exclusion_counts
from funding.services.statement_pdf import statement_pdf, statements_pdf_bytes
from funding.services.statement_runs import computation_run_start, run_progress
from portal.access import get_scope
from portal.decorators import role_required
from portal.downloads import attach, file_response
from portal.errors import ApplicationError, add_form_error
from portal.jobs import JobStatus
from portal.models import Region
from portal.roles import AGENCY_ROLES, Role

FINANCE_READERS = (Role.FINANCE_OFFICER, Role.REGION_ADMIN)
PAGE_SIZE = 50


def _get_region_for_user(user, region_id, roles=FINANCE_READERS) -> Region:
    return get_object_or_404(Region.objects.visible_to(user, roles=roles), pk=region_id)


def _get_run_for_user(user, run_id, roles=FINANCE_READERS) -> ComputationRun:
    return get_object_or_404(
        ComputationRun.objects.visible_to(user, roles=roles).select_related("region", "requested_by"), pk=run_id
    )


def get_statement_for_user(user, statement_id, roles=None) -> Statement:
    return get_object_or_404(
        Statement.objects.visible_to(user, roles=roles).select_related(
            "grant__structure__region", "grant__protocol", "issued_by"
        ),
        pk=statement_id,
    )


def _is_officer_of(user, region_id) -> bool:
    return region_id in get_scope(user).region_ids([Role.FINANCE_OFFICER])


def _home_context(request, form=None) -> dict:
    regions = Region.objects.visible_to(request.user, roles=FINANCE_READERS).order_by("name")
    officer_regions = Region.objects.visible_to(request.user, roles=[Role.FINANCE_OFFICER]).order_by("name")
    periods = list(
        Statement.objects.filter(grant__structure__region__in=regions)
        .values("grant__structure__region", "grant__structure__region__name", "year", "half")
        .annotate(
            statements=Count("pk"),
            drafts=Count("pk", filter=Q(status=StatementStatus.DRAFT)),
            eligible=Sum("eligible_count"),
            excluded=Sum("excluded_count"),
            total=Sum("total_amount"),
        )
        .order_by("grant__structure__region__name", "-year", "-half")
    )
    for row in periods:
        row["period"] = Period(row["year"], row["half"])
    runs = ComputationRun.objects.filter(region__in=regions).select_related("region", "requested_by")[:10]
    if form is None and officer_regions:
        form = ComputeStatementsForm(regions=officer_regions)
    return {"periods": periods, "runs": runs, "form": form}


@role_required(*FINANCE_READERS)
@require_GET
def statement_home(request):
    """The periods of the user's regions (drafts, issued, totals), the compute form and the latest runs."""
    return render(request, "funding/statements/home.html", _home_context(request))


@role_required(Role.FINANCE_OFFICER)
@require_POST
def statement_compute(request):
    regions = Region.objects.visible_to(request.user, roles=[Role.FINANCE_OFFICER]).order_by("name")
    form = ComputeStatementsForm(request.POST, regions=regions)
    if form.is_valid():
        try:
            run = computation_run_start(
                region=form.cleaned_data["region"], period=form.cleaned_data["period"], by=request.user
            )
        except ApplicationError as error:
            add_form_error(form, error)
        else:
            return redirect("funding:computation_run_detail", computation_run_id=run.pk)
    return render(request, "funding/statements/home.html", _home_context(request, form), status=400)


def _run_context(request, run: ComputationRun) -> dict:
    run = run_progress(run)
    context = {
        "job": run,
        "run": run,
        "poll_url": reverse("funding:computation_run_progress", kwargs={"computation_run_id": run.pk}),
        "result_template": "funding/statements/includes/run_result.html",
    }
    if run.status == JobStatus.DONE:
        statements = region_statements(run.region, run.period)
        context.update(
            statements=statements[:PAGE_SIZE],
            statement_count=statements.count(),
            has_drafts=statements.filter(status=StatementStatus.DRAFT).exists(),
            can_issue=_is_officer_of(request.user, run.region_id) and not run.issue_after,
        )
    return context


@role_required(*FINANCE_READERS)
@require_GET
def computation_run_detail(request, computation_run_id):
    run = _get_run_for_user(request.user, computation_run_id)
    return render(request, "funding/statements/run_detail.html", _run_context(request, run))


@role_required(*FINANCE_READERS)
@require_GET
def computation_run_progress(request, computation_run_id):
    """The htmx fragment the progress bar polls every second; it stops polling once the run is finished."""
    run = _get_run_for_user(request.user, computation_run_id)
    return render(request, "includes/job_progress.html", _run_context(request, run))


@role_required(Role.FINANCE_OFFICER)
@require_POST
def computation_run_issue(request, computation_run_id):
    """Issue the drafts this run computed, if the figures are still the ones the officer reviewed."""
    run = _get_run_for_user(request.user, computation_run_id, roles=[Role.FINANCE_OFFICER])
    if run.status != JobStatus.DONE or run.issue_after or not run.result_digest:
        messages.error(request, "Ce calcul ne peut pas être émis : relancez le calcul de la période.")
        return redirect("funding:computation_run_detail", computation_run_id=run.pk)
    try:
        issue_run = computation_run_start(
            region=run.region, period=run.period, by=request.user, issue_after=True, expected_digest=run.result_digest
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("funding:computation_run_detail", computation_run_id=run.pk)
    return redirect("funding:computation_run_detail", computation_run_id=issue_run.pk)


@role_required(*FINANCE_READERS)
@require_GET
def statement_period(request, region_id, period):
    """All the statements of a region for a period, with totals and the exports."""
    region = _get_region_for_user(request.user, region_id)
    statements = region_statements(region, period)
    totals = statements.aggregate(
        eligible=Sum("eligible_count"),
        excluded=Sum("excluded_count"),
        period_amount=Sum("period_amount"),
        regularisation=Sum("regularisation_amount"),
        total=Sum("total_amount"),
        drafts=Count("pk", filter=Q(status=StatementStatus.DRAFT)),
    )
    last_run = (
        ComputationRun.objects.filter(
            region=region, year=period.year, half=period.half, status=JobStatus.DONE, issue_after=False
        )
        .exclude(result_digest="")
        .first()
    )
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    tableaux = (
        Tableau.objects.visible_to(request.user, roles=FINANCE_READERS)
        .of_region(region)
        .of_period(period)
        .with_confirmations()
        .select_related("structure", "transmitted_by")
        .order_by("structure__name", "pk")
    )
    return render(
        request,
        "funding/statements/period.html",
        {
            "region": region,
            "period": period,
            "page": page,
            "totals": totals,
            "last_run": last_run,
            "tableaux": tableaux,
            "can_issue": _is_officer_of(request.user, region.pk) and totals["drafts"] and last_run,
        },
    )


EXPORT_FORMATS = {"csv", "xlsx", "pdf", "tableau"}


@role_required(*FINANCE_READERS)
@require_GET
def statement_period_export(request, region_id, period):
    """``?format=csv|xlsx|pdf|tableau`` and ``&detail=1`` for one line per intervention (CSV, XLSX); ``tableau``:
    the ARS's tableau de reporting, one sheet per structure."""
    region = _get_region_for_user(request.user, region_id)
    export_format = request.GET.get("format", "csv")
    detail = request.GET.get("detail") == "1"
    if export_format not in EXPORT_FORMATS:
        return HttpResponse("Format inconnu : csv, xlsx, pdf ou tableau.", status=400, content_type="text/plain")
    statements = region_statements(region, period)
    name = f"etats-{region.code}-{period}{'-detail' if detail else ''}"
    if export_format == "csv":
        chunks = detail_csv(statements, period) if detail else summary_csv(statements.iterator(chunk_size=500))
        response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
        attach(response, f"{name}.csv")
        return response
    if export_format in ("xlsx", "tableau"):
        spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        if export_format == "tableau":
            write_tableau(tableau_sheets_of_statements(statements, period), spooled)
            name = f"tableaux-reporting-{region.code}-{period}"
        else:
            statements_xlsx(statements, period, spooled, detail=detail)
        spooled.seek(0)
        return file_response(spooled, f"{name}.xlsx", content_type=XLSX_TYPE)
    if not statements.exists():
        raise Http404("Aucun état pour cette période.")
    return _pdf_response(statements_pdf_bytes(statements), f"etats-{region.code}-{period}.pdf")


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    attach(response, filename)
    return response


@role_required(*(AGENCY_ROLES | {Role.COORDINATOR}))
@require_GET
def statement_detail(request, statement_id):
    """A statement: its lines, its exclusions by reason, its interventions (filterable) and its payments."""
    statement = get_statement_for_user(request.user, statement_id)
    only = request.GET.get("statut") or None
    interventions = Paginator(StatementInterventions(statement, only=only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    paid = with_paid(Statement.objects.filter(pk=statement.pk)).values("paid", "remaining").first()
    return render(
        request,
        "funding/statements/detail.html",
        {
            "statement": statement,
            "lines": statement.lines.all(),
            "exclusions": exclusion_counts([statement]).get(statement.pk, []),
            "page": interventions,
            "only": only if only in DETAIL_FILTERS else "",
            "filters": DETAIL_FILTERS,
            "payments": statement.payments.select_related("recorded_by"),
            "paid": paid,
            "can_pay": statement.is_issued
            and _is_officer_of(request.user, statement.grant.structure.region_id)
            and paid is not None
            and paid["remaining"] > 0,
        },
    )


@role_required(*(AGENCY_ROLES | {Role.COORDINATOR}))
@require_GET
def statement_pdf_download(request, statement_id):
    statement = get_statement_for_user(request.user, statement_id)
    return _pdf_response(statement_pdf(statement=statement), f"{statement.reference}.pdf")


@role_required(*(AGENCY_ROLES | {Role.COORDINATOR}))
@require_GET
def statement_csv_download(request, statement_id):
    """The detail CSV of one statement (its interventions, counted and excluded, with reasons)."""
    statement = get_statement_for_user(request.user, statement_id)
    response = StreamingHttpResponse(
        detail_csv(Statement.objects.filter(pk=statement.pk), statement.period),
        content_type="text/csv; charset=utf-8",
    )
    attach(response, f"{statement.reference}-detail.csv")
    return response
