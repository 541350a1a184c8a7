"""Coordinator's protocol pages (list, creation, editor with autosave, R.4011-1 checklist, PDF) and the
professional's "my protocols"."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.decorators import role_required
from portal.downloads import attach
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.models import Structure
from portal.pdf import PdfUnavailable
from portal.roles import Role
from protocols.forms.protocols import ChecklistForm, ProtocolCreateForm, ProtocolForm
from protocols.models import NationalProtocol, Protocol, ProtocolEvent, ProtocolStatus, TeamMembership
from protocols.selectors import changed_since_declaration, with_overview
from protocols.services import protocols as services
from protocols.services.common import today
from protocols.views.common import PAGE_SIZE, READERS, get_protocol_for_user, protocol_page_context, render_form


@role_required(Role.COORDINATOR)
@require_GET
def protocol_list(request):
    protocols = Protocol.objects.visible_to(request.user, roles=[Role.COORDINATOR])
    status = request.GET.get("etat", "")
    if status in ProtocolStatus.values:
        protocols = protocols.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        protocols = protocols.filter(Q(code__icontains=query) | Q(title__icontains=query))
    protocols = with_overview(protocols, today()).order_by("structure__name", "code")
    page = Paginator(protocols, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "protocols/protocol_list.html",
        {"page": page, "status": status, "statuses": ProtocolStatus.choices, "query": query},
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def protocol_create(request):
    structures = Structure.objects.visible_to(request.user, roles=[Role.COORDINATOR]).order_by("name")
    initial = {}
    national_id = request.GET.get("national", "")
    if national_id.isdigit():
        national = NationalProtocol.objects.filter(pk=national_id).first()
        if national:
            initial = {"national_protocol": national, "code": national.code}
    form = ProtocolCreateForm(
        request.POST if request.method == "POST" else None, structures=structures, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            protocol = services.protocol_create(by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le protocole {protocol.code} est créé.")
            if protocol.is_local:
                return redirect("protocols:protocol_edit", protocol_id=protocol.pk)
            return redirect("protocols:team_page", protocol_id=protocol.pk)
    return render_form(request, "protocols/protocol_create.html", {"form": form})


@role_required(*READERS)
@require_GET
def protocol_detail(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id)
    context = protocol_page_context(request.user, protocol, "contenu")
    context["events"] = (
        ProtocolEvent.objects.filter(protocol=protocol).select_related("by").order_by("-occurred_on", "-id")[:20]
    )
    context["my_membership"] = (
        TeamMembership.objects.filter(protocol=protocol, professional__user=request.user).order_by("-pk").first()
    )
    last_declaration = protocol.declarations.order_by("-version").first()
    context["last_declaration"] = last_declaration
    context["changed_sections"] = changed_since_declaration(protocol, last_declaration)
    return render(request, "protocols/protocol_detail.html", context)


def _editor_response(request, protocol, form, *, status=200):
    context = protocol_page_context(request.user, protocol, "contenu")
    context.update(form=form, missing=protocol.missing_fields())
    return render(request, "protocols/protocol_edit.html", context, status=status)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def protocol_edit(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id, roles=[Role.COORDINATOR])
    if not protocol.is_local:
        messages.info(
            request, "Le contenu d'un protocole national est celui de sa trame : seule l'équipe se gère ici."
        )
        return redirect("protocols:protocol_detail", protocol_id=protocol.pk)
    form = ProtocolForm(request.POST if request.method == "POST" else None, instance=protocol)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.protocol_update(protocol=protocol, by=request.user, **_changed(form))
            except SERVICE_ERRORS as error:
                add_form_error(form, error)
            else:
                messages.success(request, "Le protocole est enregistré.")
                return redirect("protocols:protocol_detail", protocol_id=protocol.pk)
        protocol.refresh_from_db()
        return _editor_response(request, protocol, form, status=400)
    return _editor_response(request, protocol, form)


def _changed(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


@role_required(Role.COORDINATOR)
@require_POST
def protocol_autosave(request, protocol_id):
    """htmx: save the valid sections of the draft as the coordinator types; say what was not saved."""
    protocol = get_protocol_for_user(request.user, protocol_id, roles=[Role.COORDINATOR])
    if not protocol.is_local:
        return HttpResponse(status=400)
    form = ProtocolForm(request.POST, instance=protocol)
    form.is_valid()
    changes = {name: value for name, value in _changed(form).items() if name not in form.errors}
    error = None
    if changes:
        try:
            services.protocol_update(protocol=Protocol.objects.get(pk=protocol.pk), by=request.user, **changes)
        except SERVICE_ERRORS as exc:
            error = getattr(exc, "message", None) or " ".join(getattr(exc, "messages", []))
    not_saved = [str(form.fields[name].label) for name in form.errors if name in form.fields]
    return render(
        request,
        "protocols/includes/autosave_status.html",
        {"saved_at": timezone.localtime(), "not_saved": not_saved, "error": error, "changed": bool(changes)},
        status=400 if error else 200,
    )


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def protocol_checklist(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id)
    context = protocol_page_context(request.user, protocol, "checklist")
    answers = {answer.item: answer for answer in protocol.checklist_answers.select_related("answered_by")}
    if request.method == "POST":
        protocol = get_protocol_for_user(request.user, protocol_id, roles=[Role.COORDINATOR])
    form = ChecklistForm(request.POST if request.method == "POST" else None, answers=answers)
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_save(protocol=protocol, by=request.user, answers=form.answers())
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La liste de contrôle est enregistrée.")
            return redirect("protocols:protocol_checklist", protocol_id=protocol.pk)
    context.update(form=form, rows=services.checklist_rows(protocol))
    return render_form(request, "protocols/protocol_checklist.html", context, form=form)


@role_required(*READERS)
@require_GET
def protocol_pdf(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id)
    try:
        pdf = services.protocol_pdf(protocol=protocol)
    except PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect("protocols:protocol_detail", protocol_id=protocol.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    attach(response, f"protocole-{protocol.code}.pdf", inline=True)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.PROFESSIONAL)
@require_GET
def my_protocols(request):
    """The professional's invitations and memberships, with what is still expected from them."""
    memberships = (
        TeamMembership.objects.visible_to(request.user, roles=[Role.PROFESSIONAL])
        .filter(professional__user=request.user)
        .select_related("protocol__structure", "training")
        .prefetch_related("documents")
        .order_by("-invited_at")
    )
    pending = [m for m in memberships if m.is_pending]
    current = [m for m in memberships if m.is_current]
    past = [m for m in memberships if not m.is_pending and not m.is_current]
    return render(
        request,
        "protocols/my_protocols.html",
        {"pending": pending, "current": current, "past": past, "today": today()},
    )
