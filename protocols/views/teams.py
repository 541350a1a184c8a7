"""The team of a protocol: the coordinator invites, each professional answers in their own account, uploads their
documents and training; departures are recorded. Personal files are served only through these views."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import PERSONAL_FILE_AGENCY_ROLES, Role
from portal.uploads import serve_private_file
from protocols.forms.teams import (
    DocumentUploadForm,
    InvitationAnswerForm,
    LeaveForm,
    TeamInviteForm,
    TrainingForm,
)
from protocols.models import DocumentStatus, MemberDocument, MembershipStatus, TeamMembership, Training
from protocols.services import teams as services
from protocols.services.common import is_agent, is_coordinator, today
from protocols.views.common import READERS, get_protocol_for_user, protocol_page_context, render_form

MEMBER_ROLES = (Role.COORDINATOR, Role.PROFESSIONAL)


def _get_membership_for_user(user, team_membership_id, roles=None) -> TeamMembership:
    queryset = TeamMembership.objects.visible_to(user, roles).select_related(
        "protocol__structure__region", "protocol__national_protocol", "professional__user", "training"
    )
    return get_object_or_404(queryset, pk=team_membership_id)


def _get_own_membership(user, team_membership_id) -> TeamMembership:
    """A membership the user may edit personal files of: their own, or one of a structure they coordinate."""
    membership = _get_membership_for_user(user, team_membership_id, roles=MEMBER_ROLES)
    if membership.professional.user_id != user.pk and not is_coordinator(user, membership.protocol):
        raise Http404("Dossier d'un autre professionnel.")
    return membership


def _team_context(request, protocol, invite_form=None):
    context = protocol_page_context(request.user, protocol, "equipe")
    members = list(
        TeamMembership.objects.visible_to(request.user)
        .filter(protocol=protocol)
        .select_related("professional__user", "training")
        .prefetch_related("documents")
        .order_by("status", "role", "professional__user__last_name")
    )
    day = today()
    # Whose personal files the user may open (identity documents, certificates): the queryset says, not the page.
    context["readable_files"] = set(
        MemberDocument.objects.visible_to(request.user)
        .filter(membership__protocol=protocol)
        .values_list("membership_id", flat=True)
    )
    context["current"] = [m for m in members if m.is_current]
    context["pending"] = [m for m in members if m.is_pending]
    context["former"] = [m for m in members if m.status == MembershipStatus.ACCEPTED and m.left_on]
    context["day"] = day
    # A delegate whose training is not completed on the day is not active for acts (the rule eligibility applies).
    context["may_act"] = {member.pk for member in context["current"] if member.may_act_on(day)}
    if context["is_coordinator"]:
        context["invite_form"] = invite_form or TeamInviteForm(
            professionals=services.invitable_professionals(protocol)
        )
    return context


@role_required(*READERS)
@require_GET
def team_page(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id)
    return render(request, "protocols/team.html", _team_context(request, protocol))


@role_required(Role.COORDINATOR)
@require_POST
def team_invite(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id, roles=[Role.COORDINATOR])
    form = TeamInviteForm(request.POST, professionals=services.invitable_professionals(protocol))
    if form.is_valid():
        try:
            membership = services.team_invite(protocol=protocol, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {membership.professional.user} : elle rejoindra l'équipe en l'acceptant "
                "dans son compte.",
            )
            return redirect("protocols:team_page", protocol_id=protocol.pk)
    return render(request, "protocols/team.html", _team_context(request, protocol, form), status=400)


@role_required(Role.PROFESSIONAL)
@require_http_methods(["GET", "POST"])
def team_membership_respond(request, team_membership_id):
    """The invited professional, and only them, accepts or declines."""
    membership = _get_membership_for_user(request.user, team_membership_id, roles=[Role.PROFESSIONAL])
    if membership.professional.user_id != request.user.pk:
        raise Http404("Invitation adressée à un autre professionnel.")
    form = InvitationAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "decline":
                services.team_invitation_decline(membership=membership, by=request.user)
                messages.info(request, "Vous avez décliné l'invitation.")
                return redirect("protocols:my_protocols")
            if form.is_valid():
                services.team_invitation_accept(membership=membership, by=request.user)
                messages.success(
                    request, f"Vous faites désormais partie de l'équipe du protocole {membership.protocol.code}."
                )
                return redirect("protocols:member_documents", team_membership_id=membership.pk)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
    documents = membership.documents.order_by("pk")
    return render_form(
        request,
        "protocols/team_respond.html",
        {"membership": membership, "protocol": membership.protocol, "form": form, "documents": documents},
        form=form,
    )


@role_required(Role.COORDINATOR)
@require_POST
def team_invitation_withdraw(request, team_membership_id):
    membership = _get_membership_for_user(request.user, team_membership_id, roles=[Role.COORDINATOR])
    try:
        services.team_invitation_withdraw(membership=membership, by=request.user)
        messages.success(request, f"L'invitation de {membership.professional.user} est retirée.")
    except SERVICE_ERRORS as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    return redirect("protocols:team_page", protocol_id=membership.protocol_id)


@role_required(*MEMBER_ROLES)
@require_http_methods(["GET", "POST"])
def team_member_leave(request, team_membership_id):
    membership = _get_own_membership(request.user, team_membership_id)
    form = LeaveForm(request.POST if request.method == "POST" else None, initial={"left_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.team_member_leave(membership=membership, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le départ de {membership.professional.user} est enregistré.")
            return redirect("protocols:team_page", protocol_id=membership.protocol_id)
    return render_form(
        request, "protocols/team_leave.html", {"membership": membership, "protocol": membership.protocol, "form": form}
    )


@role_required(*MEMBER_ROLES)
@require_http_methods(["GET", "POST"])
def training_edit(request, team_membership_id):
    membership = _get_own_membership(request.user, team_membership_id)
    if not membership.is_delegate:
        raise Http404("La formation complémentaire concerne les délégués.")
    training = membership.training_or_none()
    initial = (
        {"hours": training.hours, "organisation": training.organisation, "completed_on": training.completed_on}
        if training
        else {"hours": membership.protocol.required_training_hours}
    )
    form = TrainingForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.training_save(membership=membership, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La formation est enregistrée.")
            return redirect("protocols:member_documents", team_membership_id=membership.pk)
    return render_form(
        request,
        "protocols/training_form.html",
        {"membership": membership, "protocol": membership.protocol, "training": training, "form": form},
    )


@role_required(*MEMBER_ROLES, *PERSONAL_FILE_AGENCY_ROLES, Role.SUPERADMIN)
@require_GET
def training_certificate(request, team_membership_id):
    training = get_object_or_404(
        Training.objects.visible_to(request.user).select_related("membership"), membership_id=team_membership_id
    )
    if not training.certificate:
        raise Http404("Aucune attestation.")
    return serve_private_file(training.certificate, training.certificate_name or "attestation.pdf")


def _documents_context(request, membership, upload_forms=None):
    documents = list(
        MemberDocument.objects.visible_to(request.user)
        .filter(membership=membership)
        .select_related("reviewed_by")
        .order_by("pk")
    )
    upload_forms = upload_forms or {}
    rows = [
        {"document": document, "form": upload_forms.get(document.pk) or DocumentUploadForm(prefix=f"doc{document.pk}")}
        for document in documents
    ]
    open_file = membership.status in (MembershipStatus.INVITED, MembershipStatus.ACCEPTED) and not membership.left_on
    may_edit = membership.professional.user_id == request.user.pk or is_coordinator(request.user, membership.protocol)
    return {
        "membership": membership,
        "protocol": membership.protocol,
        "rows": rows,
        "training": membership.training_or_none(),
        "can_edit": open_file and may_edit,
        "is_instructor": is_agent(request.user, membership.protocol, Role.INSTRUCTOR),
    }


@role_required(*MEMBER_ROLES, *PERSONAL_FILE_AGENCY_ROLES, Role.SUPERADMIN)
@require_GET
def member_documents(request, team_membership_id):
    membership = _get_membership_for_user(request.user, team_membership_id)
    if not MemberDocument.objects.visible_to(request.user).filter(membership=membership).exists():
        raise Http404("Pièces d'un autre professionnel.")
    return render(request, "protocols/member_documents.html", _documents_context(request, membership))


@role_required(*MEMBER_ROLES)
@require_POST
def member_document_upload(request, member_document_id):
    document = get_object_or_404(
        MemberDocument.objects.visible_to(request.user, roles=MEMBER_ROLES).select_related("membership"),
        pk=member_document_id,
    )
    membership = _get_own_membership(request.user, document.membership_id)
    form = DocumentUploadForm(request.POST, request.FILES, prefix=f"doc{document.pk}")
    if form.is_valid():
        try:
            services.member_document_upload(document=document, by=request.user, uploaded=form.cleaned_data["file"])
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"{document.get_kind_display()} : pièce déposée.")
            return redirect("protocols:member_documents", team_membership_id=membership.pk)
    context = _documents_context(request, membership, {document.pk: form})
    return render(request, "protocols/member_documents.html", context, status=400)


@role_required(*MEMBER_ROLES, *PERSONAL_FILE_AGENCY_ROLES, Role.SUPERADMIN)
@require_GET
def member_document_file(request, member_document_id):
    document = get_object_or_404(MemberDocument.objects.visible_to(request.user), pk=member_document_id)
    if document.status == DocumentStatus.MISSING or not document.file:
        raise Http404("Aucun fichier.")
    return serve_private_file(document.file, document.original_name or document.get_kind_display())
