"""Vigilance: the ARS pages of the region (declarations, documents to review, adverse events), adverse event
reports by the team, suspension and lifting by the instructor, yearly indicators."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.models import Region
from portal.roles import PERSONAL_FILE_AGENCY_ROLES, Role
from protocols.forms.declarations import (
    AdverseEventCloseForm,
    AdverseEventForm,
    IndicatorForm,
    LiftForm,
    SuspendForm,
)
from protocols.forms.teams import DocumentReviewForm
from protocols.models import (
    AdverseEvent,
    Declaration,
    DocumentStatus,
    IndicatorValue,
    MemberDocument,
    Protocol,
    ProtocolStatus,
    Suspension,
)
from protocols.selectors import with_overview
from protocols.services import teams as team_services
from protocols.services import vigilance as services
from protocols.services.common import today
from protocols.views.common import (
    AGENCY_READERS,
    PAGE_SIZE,
    READERS,
    get_protocol_for_user,
    protocol_page_context,
    render_form,
)

INSTRUCTORS = (Role.INSTRUCTOR,)
DS_TO_CONFIRM_SHOWN = 50


@role_required(*AGENCY_READERS)
@require_GET
def agency_declarations(request):
    """The protocols declared in the region, with what needs the instructor's attention."""
    protocols = Protocol.objects.visible_to(request.user, roles=AGENCY_READERS).exclude(status=ProtocolStatus.DRAFT)
    query = request.GET.get("q", "").strip()
    if query:
        protocols = protocols.filter(
            Q(code__icontains=query) | Q(title__icontains=query) | Q(structure__name__icontains=query)
        )
    kind = request.GET.get("type", "")
    if kind:
        protocols = protocols.filter(structure__kind=kind)
    protocols = with_overview(protocols, today())
    if request.GET.get("suspendus"):
        protocols = protocols.filter(is_suspended=True)
    page = Paginator(protocols.order_by("-last_deposited_on", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {
        "documents": MemberDocument.objects.visible_to(request.user, roles=AGENCY_READERS)
        .filter(status=DocumentStatus.PROVIDED)
        .exclude(membership__protocol__status=ProtocolStatus.DRAFT)
        .count(),
        "events": AdverseEvent.objects.visible_to(request.user, roles=AGENCY_READERS).open().count(),
    }
    # Versions filed on démarches-simplifiées whose deposit the ARS has to confirm (the protocol is not in force yet
    # when it is the first one, so it is not in the list above).
    ds_to_confirm = (
        Declaration.objects.visible_to(request.user, roles=AGENCY_READERS)
        .awaiting_ds_confirmation()
        .filter(ds_dossier_number__isnull=False)
        .select_related("protocol__structure")
        .order_by("ds_deposited_on", "pk")
    )
    return render(
        request,
        "protocols/agency/declarations.html",
        {
            "page": page,
            "query": query,
            "kind": kind,
            "counts": counts,
            "tab": "declarations",
            "ds_to_confirm": ds_to_confirm[:DS_TO_CONFIRM_SHOWN],
            "administered_regions": Region.objects.visible_to(request.user, roles=[Role.REGION_ADMIN]).order_by(
                "name"
            ),
        },
    )


@role_required(*PERSONAL_FILE_AGENCY_ROLES, Role.SUPERADMIN)
@require_GET
def agency_documents(request):
    """Documents of declared teams waiting for the instructor's review (or all of them, by status)."""
    status = request.GET.get("etat", DocumentStatus.PROVIDED)
    documents = (
        MemberDocument.objects.visible_to(request.user, roles=[*PERSONAL_FILE_AGENCY_ROLES, Role.SUPERADMIN])
        .exclude(membership__protocol__status=ProtocolStatus.DRAFT)
        .select_related("membership__professional__user", "membership__protocol__structure")
        .order_by("uploaded_at", "pk")
    )
    if status in DocumentStatus.values:
        documents = documents.filter(status=status)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "protocols/agency/documents.html",
        {"page": page, "status": status, "statuses": DocumentStatus.choices, "tab": "documents"},
    )


@role_required(*INSTRUCTORS)
@require_http_methods(["GET", "POST"])
def member_document_review(request, member_document_id):
    document = get_object_or_404(
        MemberDocument.objects.visible_to(request.user, roles=INSTRUCTORS).select_related(
            "membership__professional__user", "membership__protocol__structure", "reviewed_by"
        ),
        pk=member_document_id,
    )
    form = DocumentReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team_services.member_document_review(
                document=document,
                by=request.user,
                validated=form.cleaned_data["decision"] == "validate",
                reason=form.cleaned_data["reason"],
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                f"{document.get_kind_display()} de {document.membership.professional.user} : décision enregistrée.",
            )
            next_url = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect("protocols:agency_documents")
    return render_form(request, "protocols/agency/document_review.html", {"document": document, "form": form})


@role_required(*AGENCY_READERS)
@require_GET
def agency_adverse_events(request):
    events = (
        AdverseEvent.objects.visible_to(request.user, roles=AGENCY_READERS)
        .select_related("protocol__structure", "reported_by")
        .order_by("closed_at", "-occurred_on", "-pk")
    )
    state = request.GET.get("etat", "ouverts")
    if state == "ouverts":
        events = events.open()
    severity = request.GET.get("gravite", "")
    if severity in AdverseEvent.Severity.values:
        events = events.filter(severity=severity)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "protocols/agency/adverse_events.html",
        {
            "page": page,
            "state": state,
            "severity": severity,
            "severities": AdverseEvent.Severity.choices,
            "tab": "events",
        },
    )


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def protocol_adverse_events(request, protocol_id):
    """The protocol's adverse events, and the report form for its team and coordinators."""
    protocol = get_protocol_for_user(request.user, protocol_id)
    context = protocol_page_context(request.user, protocol, "evenements")
    form = AdverseEventForm(request.POST if request.method == "POST" else None, initial={"occurred_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.adverse_event_report(protocol=protocol, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"{event.get_severity_display()} signalé à l'ARS.")
            return redirect("protocols:protocol_adverse_events", protocol_id=protocol.pk)
    context["events"] = (
        AdverseEvent.objects.visible_to(request.user)
        .filter(protocol=protocol)
        .select_related("reported_by", "closed_by")
    )
    context["form"] = form
    context["can_report"] = protocol.status != ProtocolStatus.DRAFT and (
        context["is_coordinator"]
        or protocol.team.filter(professional__user=request.user, status="accepted", left_on__isnull=True).exists()
    )
    return render_form(request, "protocols/adverse_events.html", context, form=form)


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def adverse_event_detail(request, adverse_event_id):
    event = get_object_or_404(
        AdverseEvent.objects.visible_to(request.user).select_related(
            "protocol__structure__region", "reported_by", "closed_by"
        ),
        pk=adverse_event_id,
    )
    context = protocol_page_context(request.user, event.protocol, "evenements")
    form = AdverseEventCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        event = get_object_or_404(AdverseEvent.objects.visible_to(request.user, roles=INSTRUCTORS), pk=event.pk)
        if form.is_valid():
            try:
                services.adverse_event_close(event=event, by=request.user, comment=form.cleaned_data["ars_comment"])
            except SERVICE_ERRORS as error:
                add_form_error(form, error)
            else:
                messages.success(request, "Le suivi de l'événement est clos.")
                return redirect("protocols:adverse_event_detail", adverse_event_id=event.pk)
    context.update(event=event, form=form)
    return render_form(request, "protocols/adverse_event_detail.html", context, form=form)


@role_required(*INSTRUCTORS)
@require_http_methods(["GET", "POST"])
def protocol_suspend(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id, roles=INSTRUCTORS)
    form = SuspendForm(request.POST if request.method == "POST" else None, initial={"starts_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.protocol_suspend(protocol=protocol, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le protocole {protocol.code} est suspendu à {protocol.structure.name}.")
            return redirect("protocols:declaration_list", protocol_id=protocol.pk)
    context = protocol_page_context(request.user, protocol, "declarations")
    context["form"] = form
    context["open_events"] = protocol.adverse_events.filter(closed_at__isnull=True).order_by("-occurred_on")
    return render_form(request, "protocols/suspend.html", context, form=form)


@role_required(*INSTRUCTORS)
@require_http_methods(["GET", "POST"])
def suspension_lift(request, suspension_id):
    suspension = get_object_or_404(
        Suspension.objects.visible_to(request.user, roles=INSTRUCTORS).select_related("protocol__structure__region"),
        pk=suspension_id,
    )
    form = LiftForm(request.POST if request.method == "POST" else None, initial={"lifted_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.suspension_lift(suspension=suspension, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La suspension est levée.")
            return redirect("protocols:declaration_list", protocol_id=suspension.protocol_id)
    context = protocol_page_context(request.user, suspension.protocol, "declarations")
    context.update(form=form, suspension=suspension)
    return render_form(request, "protocols/suspension_lift.html", context, form=form)


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def protocol_indicators(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id)
    context = protocol_page_context(request.user, protocol, "indicateurs")
    suggestions = [line.strip("-• ").strip() for line in protocol.indicators.splitlines() if line.strip()]
    form = IndicatorForm(request.POST if request.method == "POST" else None, initial={"year": today().year - 1})
    if request.method == "POST":
        protocol = get_protocol_for_user(request.user, protocol_id, roles=[Role.COORDINATOR])
        if form.is_valid():
            try:
                services.indicator_value_save(protocol=protocol, by=request.user, **form.cleaned_data)
            except SERVICE_ERRORS as error:
                add_form_error(form, error)
            else:
                messages.success(request, "La valeur de l'indicateur est enregistrée.")
                return redirect("protocols:protocol_indicators", protocol_id=protocol.pk)
    context.update(
        form=form,
        suggestions=suggestions,
        values=IndicatorValue.objects.visible_to(request.user)
        .filter(protocol=protocol)
        .select_related("entered_by")
        .order_by("-year", "label"),
    )
    return render_form(request, "protocols/indicators.html", context, form=form)
