"""Pages of the tableau de reporting's sworn statement: the list, the opening (coordinator), and one page per tableau
where each delegate and delegant confirms his lines, the coordinator transmits, and the ARS reads who confirmed."""

import tempfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from funding.exports.tableau import XLSX_TYPE, tableau_sheets_of_tableau, write_tableau
from funding.forms.tableaux import SWORN_STATEMENT, TableauConfirmForm, TableauOpenForm, TableauTransmitForm
from funding.models import Tableau, TableauSignatory, TableauState
from funding.periods import InvalidPeriod, Period
from funding.services import tableaux as services
from portal.decorators import role_required
from portal.downloads import file_response
from portal.errors import ApplicationError, add_form_error
from portal.models import Structure
from portal.roles import Role

READERS = (Role.COORDINATOR, Role.PROFESSIONAL, Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR)
PAGE_SIZE = 25
LINES_PAGE_SIZE = 50


def _get_tableau_for_user(user, tableau_id, roles=None) -> Tableau:
    return get_object_or_404(
        Tableau.objects.visible_to(user, roles=roles).select_related(
            "structure__region", "opened_by", "transmitted_by"
        ),
        pk=tableau_id,
    )


def _list_context(request, open_form=None) -> dict:
    tableaux = (
        Tableau.objects.visible_to(request.user)
        .with_confirmations()
        .select_related("structure__region", "transmitted_by")
        .order_by("-year", "-half", "structure__name", "pk")
    )
    period = None
    try:
        period = Period.parse(request.GET["periode"]) if request.GET.get("periode") else None
    except InvalidPeriod:
        messages.error(request, "Période inconnue : le filtre a été ignoré.")
    if period is not None:
        tableaux = tableaux.of_period(period)
    structures = Structure.objects.visible_to(request.user, roles=[Role.COORDINATOR]).order_by("name")
    if open_form is None and structures:
        open_form = TableauOpenForm(structures=structures)
    to_confirm = set(
        TableauSignatory.objects.filter(
            professional__user=request.user, is_current=True, tableau__state=TableauState.COLLECTING
        )
        .exclude(confirmed_digest=F("lines_digest"))
        .values_list("tableau_id", flat=True)
    )
    return {
        "page": Paginator(tableaux, PAGE_SIZE).get_page(request.GET.get("page")),
        "open_form": open_form,
        "to_confirm": to_confirm,
        "period": period,
    }


@role_required(*READERS)
@require_GET
def tableau_list(request):
    return render(request, "funding/tableaux/list.html", _list_context(request))


@role_required(Role.COORDINATOR)
@require_POST
def tableau_open(request):
    structures = Structure.objects.visible_to(request.user, roles=[Role.COORDINATOR]).order_by("name")
    form = TableauOpenForm(request.POST, structures=structures)
    if form.is_valid():
        try:
            tableau = services.tableau_open(
                structure=form.cleaned_data["structure"], period=form.cleaned_data["period"], by=request.user
            )
        except ApplicationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Le tableau est ouvert : les professionnels nommés sont invités à l'attester.")
            return redirect("funding:tableau_detail", tableau_id=tableau.pk)
    return render(request, "funding/tableaux/list.html", _list_context(request, form), status=400)


def _detail_context(request, tableau: Tableau, *, confirm_form=None, transmit_form=None) -> dict:
    user = request.user
    mine = (
        TableauSignatory.objects.filter(tableau=tableau, professional__user=user, is_current=True)
        .select_related("professional")
        .first()
    )
    context = {
        "tableau": tableau,
        "signatories": tableau.signatories.filter(is_current=True).select_related(
            "professional__user", "confirmed_by"
        ),
        "transitions": tableau.transitions.select_related("by"),
        "mine": mine,
        "sworn_statement": SWORN_STATEMENT,
        "can_confirm": mine is not None and Tableau.objects.confirmable_by(user).filter(pk=tableau.pk).exists(),
        "can_transmit": Tableau.objects.transmittable_by(user).filter(pk=tableau.pk).exists(),
        "can_download": Tableau.objects.downloadable_by(user).filter(pk=tableau.pk).exists(),
    }
    if mine is not None:
        lines = (
            services.lines_of(tableau, mine.professional_id)
            .select_related("protocol", "delegate__user", "delegant__user", "second_contact_delegate__user")
            .order_by("performed_on", "pk")
        )
        context["my_lines"] = Paginator(lines, LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    if context["can_confirm"]:
        digest = services.lines_digest_of(tableau, mine.professional_id)
        context["confirm_form"] = confirm_form or TableauConfirmForm(initial={"digest": digest})
    if context["can_transmit"]:
        context["transmit_problems"] = services.transmit_problems(tableau)
        context["transmit_form"] = transmit_form or TableauTransmitForm()
    return context


@role_required(*READERS)
@require_GET
def tableau_detail(request, tableau_id):
    tableau = _get_tableau_for_user(request.user, tableau_id)
    return render(request, "funding/tableaux/detail.html", _detail_context(request, tableau))


@role_required(Role.PROFESSIONAL)
@require_POST
def tableau_confirm(request, tableau_id):
    """A delegate or delegant confirms his lines from his own account (never on someone else's behalf)."""
    tableau = _get_tableau_for_user(request.user, tableau_id, roles=[Role.PROFESSIONAL])
    form = TableauConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.tableau_confirm(tableau=tableau, by=request.user, digest=form.cleaned_data["digest"])
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("funding:tableau_detail", tableau_id=tableau.pk)
        messages.success(request, "Votre attestation est enregistrée.")
        return redirect("funding:tableau_detail", tableau_id=tableau.pk)
    context = _detail_context(request, tableau, confirm_form=form)
    return render(request, "funding/tableaux/detail.html", context, status=400)


@role_required(Role.COORDINATOR)
@require_POST
def tableau_transmit(request, tableau_id):
    tableau = _get_tableau_for_user(request.user, tableau_id, roles=[Role.COORDINATOR])
    form = TableauTransmitForm(request.POST)
    if form.is_valid():
        try:
            services.tableau_transmit(tableau=tableau, by=request.user, sworn=form.cleaned_data["sworn"])
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("funding:tableau_detail", tableau_id=tableau.pk)
        messages.success(request, "Le tableau est transmis à l'ARS.")
        return redirect("funding:tableau_detail", tableau_id=tableau.pk)
    context = _detail_context(request, tableau, transmit_form=form)
    return render(request, "funding/tableaux/detail.html", context, status=400)


@role_required(Role.COORDINATOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR)
@require_GET
def tableau_download(request, tableau_id):
    """The tableau in the ARS's layout (seed 003), as its lines stand, with who confirmed it and when."""
    tableau = get_object_or_404(
        Tableau.objects.downloadable_by(request.user).select_related("structure", "transmitted_by"), pk=tableau_id
    )
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_tableau(tableau_sheets_of_tableau(tableau), spooled)
    spooled.seek(0)
    name = f"tableau-reporting-{tableau.structure.finess or tableau.structure.pk}-{tableau.period}.xlsx"
    return file_response(spooled, name, content_type=XLSX_TYPE)
