"""The ARS instructor's pages: the region's dossiers (filters, counts, bulk actions, exports) and the instruction
of one dossier (checklist, complements, admissibility, committee, messages, private notes, PDF)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.dossier_sections import SECTIONS
from funding.exports.dossiers import DOSSIER_COLUMNS, export_rows
from funding.forms.dossiers import MessageForm
from funding.forms.instruction import (
    AdmissibleForm,
    BulkActionForm,
    CheckForm,
    ComplementRequestForm,
    InadmissibleForm,
    InstructionFilterForm,
    NoteForm,
)
from funding.models import Campaign, DossierState, InstructionCheck
from funding.services import instruction as services
from funding.services.completeness import active_team, dossier_completeness
from funding.services.documents import render_dossier_pdf
from funding.services.snapshots import section_content
from funding.views.common import dossier_queryset
from funding.views.history import field_changes
from funding.views.threads import message_threads
from funding.workflows import allowed_targets
from portal.access import get_scope
from portal.decorators import role_required
from portal.downloads import attach
from portal.errors import ApplicationError, add_form_error
from portal.exports import csv_response, xlsx_bytes
from portal.models import Structure
from portal.roles import Role

STAFF = [Role.INSTRUCTOR, Role.REGION_ADMIN]
PAGE_SIZE = 25
S = DossierState


def _get_dossier_for_staff(user, dossier_id):
    return get_object_or_404(dossier_queryset(user, STAFF), pk=dossier_id)


def _filtered(request):
    """The region's submitted dossiers, the filter form, and the same list without the state filter (counts)."""
    visible = dossier_queryset(request.user, STAFF).submitted()
    campaigns = Campaign.objects.visible_to(request.user, roles=STAFF).order_by("-published_at", "title")
    departements = (
        Structure.objects.filter(dossiers__in=visible).values_list("departement", flat=True).distinct().order_by()
    )
    form = InstructionFilterForm(request.GET or None, campaigns=campaigns, departements=sorted(set(departements)))
    without_state = form.filter(visible, with_state=False)
    dossiers = form.filter(visible).order_by(*form.ordering())
    return form, dossiers, without_state


def _bulk_actions(user):
    scope = get_scope(user)
    actions = []
    if scope.has_role(Role.INSTRUCTOR):
        actions.append(("start_instruction", services.BULK_ACTIONS["start_instruction"][0]))
    actions.append(("send_to_committee", services.BULK_ACTIONS["send_to_committee"][0]))
    return actions


@role_required(*STAFF)
@require_GET
def instruction_list(request):
    form, dossiers, without_state = _filtered(request)
    counts = dict(without_state.order_by().values_list("state").annotate(total=Count("pk")))
    state_counts = [(value, label, counts.get(value, 0)) for value, label in S.choices if value != S.DRAFT]
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funding/instruction/list.html",
        {
            "form": form,
            "page": page,
            "state_counts": state_counts,
            "total": sum(counts.values()),
            "bulk_actions": _bulk_actions(request.user),
            "query": request.GET.urlencode(),
        },
        status=400 if form.errors else 200,
    )


def _export_name(extension: str) -> str:
    return f"dossiers-ami-{timezone.localdate():%Y-%m-%d}.{extension}"


@role_required(*STAFF)
@require_GET
def instruction_export_csv(request):
    _form, dossiers, _ = _filtered(request)
    return csv_response(_export_name("csv"), DOSSIER_COLUMNS, export_rows(dossiers))


@role_required(*STAFF)
@require_GET
def instruction_export_xlsx(request):
    _form, dossiers, _ = _filtered(request)
    content = xlsx_bytes([("Dossiers", DOSSIER_COLUMNS, export_rows(dossiers))])
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    attach(response, _export_name("xlsx"))
    return response


def _back_to_list(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("funding:instruction_list")


@role_required(*STAFF)
@require_POST
def instruction_bulk(request):
    form = BulkActionForm(
        request.POST, dossiers=dossier_queryset(request.user, STAFF).submitted(), actions=_bulk_actions(request.user)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(request)
    result = services.dossiers_bulk_action(
        dossiers=form.cleaned_data["dossiers"].order_by("reference"),
        by=request.user,
        action=form.cleaned_data["action"],
    )
    if result.done:
        done = ", ".join(dossier.reference for dossier in result.done)
        messages.success(request, f"{len(result.done)} dossier(s) traité(s) : {done}.")
    for dossier, reason in result.refused:
        messages.error(request, f"{dossier.reference} : {reason}")
    return _back_to_list(request)


def _check_forms(dossier, bound=None):
    recorded = {check.step: check for check in dossier.checks.select_related("checked_by")}
    forms = []
    for value, label in InstructionCheck.Step.choices:
        check = recorded.get(value)
        if bound is not None and bound.data.get("step") == value:
            form = bound
        else:
            initial = {
                "step": value,
                "outcome": check.outcome if check else None,
                "motive": check.motive if check else "",
            }
            form = CheckForm(initial=initial, auto_id=f"check_{value}_%s")
        forms.append({"step": value, "label": label, "check": check, "form": form})
    return forms


def render_instruction_dossier(request, dossier, *, status=200, **forms):
    targets = allowed_targets(dossier, request.user)
    can_instruct = dossier.campaign.region_id in get_scope(request.user).region_ids([Role.INSTRUCTOR])
    checkable = can_instruct and dossier.state in services.CHECKABLE_STATES
    # A refused action whose form is not on the page any more (stale tab) still shows why.
    shown = {
        "check_form": checkable,
        "admissible_form": S.ADMISSIBLE in targets,
        "inadmissible_form": S.INADMISSIBLE in targets,
        "note_form": True,
        "message_form": True,
    }
    action_errors = [
        error
        for name, form in forms.items()
        if form is not None and form.errors and not shown.get(name, False)
        for errors in form.errors.values()
        for error in errors
    ]
    context = {
        "dossier": dossier,
        "sections": section_content(dossier, [section.key for section in SECTIONS]),
        "team": list(active_team(dossier.protocol_id)) if dossier.protocol_id else [],
        "attachments": dossier.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"),
        "transitions": dossier.transitions.select_related("by").order_by("at", "pk"),
        "complements": dossier.complement_requests.select_related("requested_by", "answered_by").order_by(
            "-requested_at"
        ),
        "notes": dossier.notes.select_related("author").order_by("-created_at"),
        "threads": message_threads(dossier),
        "changes": field_changes(dossier),
        "completeness": dossier_completeness(dossier),
        "targets": targets,
        "can_instruct": can_instruct,
        "checkable": checkable,
        "action_errors": action_errors,
        "checks": _check_forms(dossier, forms.get("check_form")),
        "missing_checks": services.missing_checks(dossier),
        "admissible_form": forms.get("admissible_form") or AdmissibleForm(),
        "inadmissible_form": forms.get("inadmissible_form") or InadmissibleForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "message_form": forms.get("message_form") or MessageForm(),
        "S": {state.name: state.value for state in S},
    }
    return render(request, "funding/instruction/dossier.html", context, status=status)


@role_required(*STAFF)
@require_GET
def instruction_dossier(request, dossier_id):
    return render_instruction_dossier(request, _get_dossier_for_staff(request.user, dossier_id))


def _act(request, dossier, action, success: str):
    try:
        action()
    except (ApplicationError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("funding:instruction_dossier", dossier_id=dossier.pk)


@role_required(Role.INSTRUCTOR)
@require_POST
def instruction_start(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    return _act(
        request,
        dossier,
        lambda: services.dossier_start_instruction(dossier=dossier, by=request.user),
        "L'instruction du dossier commence.",
    )


@role_required(Role.INSTRUCTOR)
@require_POST
def instruction_check(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    step = request.POST.get("step", "")
    form = CheckForm(request.POST, auto_id=f"check_{step if step in InstructionCheck.Step.values else 'x'}_%s")
    if form.is_valid():
        try:
            check = services.instruction_check_record(dossier=dossier, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(
                request, f"Contrôle enregistré : {check.get_step_display()} — {check.get_outcome_display()}."
            )
            return redirect(reverse("funding:instruction_dossier", kwargs={"dossier_id": dossier.pk}) + "#instruction")
    return render_instruction_dossier(request, dossier, check_form=form, status=400)


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def instruction_complement_request(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    form = ComplementRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complement_request_create(dossier=dossier, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La demande de compléments est envoyée au porteur.")
            return redirect("funding:instruction_dossier", dossier_id=dossier.pk)
    completeness = dossier_completeness(dossier)
    return render(
        request,
        "funding/instruction/complement_request.html",
        {"dossier": dossier, "form": form, "completeness": completeness},
        status=400 if form.errors else 200,
    )


@role_required(Role.INSTRUCTOR)
@require_POST
def instruction_admissible(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    form = AdmissibleForm(request.POST)
    if form.is_valid():
        try:
            services.dossier_declare_admissible(dossier=dossier, by=request.user, motive=form.cleaned_data["motive"])
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le dossier {dossier.reference} est déclaré recevable.")
            return redirect("funding:instruction_dossier", dossier_id=dossier.pk)
    return render_instruction_dossier(request, dossier, admissible_form=form, status=400)


@role_required(Role.INSTRUCTOR)
@require_POST
def instruction_inadmissible(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    form = InadmissibleForm(request.POST)
    if form.is_valid():
        try:
            services.dossier_declare_inadmissible(dossier=dossier, by=request.user, reason=form.cleaned_data["reason"])
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(
                request, f"Le dossier {dossier.reference} est déclaré irrecevable ; le porteur est informé."
            )
            return redirect("funding:instruction_dossier", dossier_id=dossier.pk)
    return render_instruction_dossier(request, dossier, inadmissible_form=form, status=400)


@role_required(*STAFF)
@require_POST
def instruction_to_committee(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    return _act(
        request,
        dossier,
        lambda: services.dossier_send_to_committee(dossier=dossier, by=request.user),
        f"Le dossier {dossier.reference} est transmis à la commission.",
    )


@role_required(*STAFF)
@require_POST
def instruction_note_add(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.instruction_note_add(dossier=dossier, by=request.user, body=form.cleaned_data["body"])
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Note enregistrée (visible de l'ARS seulement).")
            return redirect(reverse("funding:instruction_dossier", kwargs={"dossier_id": dossier.pk}) + "#notes")
    return render_instruction_dossier(request, dossier, note_form=form, status=400)


@role_required(*STAFF)
@require_GET
def instruction_pdf(request, dossier_id):
    dossier = _get_dossier_for_staff(request.user, dossier_id)
    response = HttpResponse(render_dossier_pdf(dossier), content_type="application/pdf")
    attach(response, f"dossier-{dossier.reference}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response
