"""The coordinator's pages: my applications, open a dossier, fill it (autosave), attachments, submit, receipt,
withdraw, answer a complement request."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.dossier_sections import SECTIONS
from funding.forms.dossiers import (
    AttachmentForm,
    ComplementAnswerForm,
    DossierForm,
    DossierStartForm,
    MessageForm,
    SubmitForm,
    WithdrawForm,
)
from funding.models import Campaign, DossierAttachment, DossierState
from funding.services import dossiers as services
from funding.services.completeness import active_team, dossier_completeness
from funding.services.documents import dossier_receipt_issue
from funding.services.instruction import complement_provide
from funding.services.snapshots import section_content
from funding.views.common import dossier_queryset, optional_url
from funding.views.threads import message_threads
from funding.workflows import WITHDRAWABLE
from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error, error_text
from portal.models import Structure
from portal.roles import AGENCY_ROLES, Role
from portal.uploads import serve_private_file

COORDINATOR = [Role.COORDINATOR]
FORM_MARKER = "dossier_form"


def _get_dossier_for_user(user, dossier_id, roles=COORDINATOR):
    return get_object_or_404(dossier_queryset(user, roles), pk=dossier_id)


@role_required(Role.COORDINATOR)
@require_GET
def my_dossiers(request):
    dossiers = dossier_queryset(request.user, COORDINATOR).order_by("-created_at", "-pk")
    campaigns = (
        Campaign.objects.visible_to(request.user, roles=COORDINATOR)
        .published()
        .open_at(timezone.now())
        .select_related("region")
        .prefetch_related("waves")
        .order_by("title")
    )
    return render(
        request, "funding/dossiers/my_list.html", {"dossiers": dossiers, "campaigns": campaigns, "now": timezone.now()}
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def dossier_start(request, campaign_id):
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user, roles=COORDINATOR).published().prefetch_related("waves"),
        pk=campaign_id,
    )
    structures = (
        Structure.objects.visible_to(request.user, roles=COORDINATOR)
        .filter(region_id=campaign.region_id, kind__in=campaign.eligible_structure_kinds)
        .order_by("name")
    )
    form = DossierStartForm(request.POST if request.method == "POST" else None, structures=structures)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(
                campaign=campaign, structure=form.cleaned_data["structure"], by=request.user
            )
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(
                request, f"Le dossier {dossier.reference} est ouvert : il s'enregistre au fil de la saisie."
            )
            return redirect("funding:dossier_edit", dossier_id=dossier.pk)
    return render(
        request,
        "funding/dossiers/start.html",
        {"campaign": campaign, "form": form, "structures": structures, "wave": campaign.wave_open_at(timezone.now())},
        status=400 if form.errors else 200,
    )


def _detail_context(request, dossier, **forms):
    open_request = (
        dossier.complement_requests.filter(answered_at__isnull=True).select_related("requested_by").first()
        if dossier.state == DossierState.COMPLEMENT_REQUESTED
        else None
    )
    return {
        "dossier": dossier,
        "sections": section_content(dossier, [section.key for section in SECTIONS]),
        "team": list(active_team(dossier.protocol_id)) if dossier.protocol_id else [],
        "attachments": dossier.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"),
        "transitions": dossier.transitions.select_related("by").order_by("at", "pk"),
        "complements": dossier.complement_requests.select_related("requested_by", "answered_by").order_by(
            "-requested_at"
        ),
        "open_request": open_request,
        "threads": message_threads(dossier) if dossier.is_submitted else [],
        "completeness": dossier_completeness(dossier) if dossier.is_editable else None,
        "can_withdraw": dossier.state in WITHDRAWABLE,
        "answer_form": forms.get("answer_form") or (ComplementAnswerForm() if open_request else None),
        "message_form": forms.get("message_form") or MessageForm(),
    }


def render_dossier_detail(request, dossier, *, status=200, **forms):
    return render(request, "funding/dossiers/detail.html", _detail_context(request, dossier, **forms), status=status)


@role_required(Role.COORDINATOR)
@require_GET
def dossier_detail(request, dossier_id):
    return render_dossier_detail(request, _get_dossier_for_user(request.user, dossier_id))


def _render_edit(request, dossier, *, form=None, attachment_form=None, status=200):
    form = form or DossierForm(instance=dossier, user=request.user)
    completeness = dossier_completeness(dossier)
    return render(
        request,
        "funding/dossiers/edit.html",
        {
            "dossier": dossier,
            "form": form,
            "attachment_form": attachment_form or AttachmentForm(),
            "sections": SECTIONS,
            "completeness": completeness,
            "team": list(active_team(dossier.protocol_id)) if dossier.protocol_id else [],
            "attachments": dossier.attachments.order_by("uploaded_at", "pk"),
            "can_delete_attachments": dossier.state == DossierState.DRAFT,
            "editable": set(dossier.editable_sections),
            "form_marker": FORM_MARKER,
            "protocol_create_url": optional_url("protocols:protocol_create"),
        },
        status=status,
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def dossier_edit(request, dossier_id):
    """The dossier form. With JavaScript, every change is saved by ``dossier_autosave``; without it, the button
    saves the whole form (nothing is saved when an answer is invalid)."""
    dossier = _get_dossier_for_user(request.user, dossier_id)
    if not dossier.is_editable:
        messages.info(request, "Ce dossier n'est pas modifiable.")
        return redirect("funding:dossier_detail", dossier_id=dossier.pk)
    if request.method == "GET":
        return _render_edit(request, dossier)
    form = DossierForm(request.POST, instance=dossier, user=request.user)
    if FORM_MARKER not in request.POST:
        form.add_error(None, "Formulaire incomplet : rechargez la page.")
    elif form.is_valid():
        try:
            services.dossier_save_draft(dossier=dossier, by=request.user, data=form.changed_values())
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Le brouillon est enregistré.")
            return redirect("funding:dossier_edit", dossier_id=dossier.pk)
    dossier.refresh_from_db()
    return _render_edit(request, dossier, form=form, status=400)


@role_required(Role.COORDINATOR)
@require_POST
def dossier_autosave(request, dossier_id):
    """htmx: save what is valid of the form, answer with the completeness panel and the saving status (as
    out-of-band fragments). Invalid answers are reported and not saved; the others are."""
    dossier = _get_dossier_for_user(request.user, dossier_id)
    error, saved_at, invalid = "", None, []
    if FORM_MARKER not in request.POST:
        error = "Formulaire incomplet : rechargez la page."
    elif not dossier.is_editable:
        error = "Ce dossier n'est plus modifiable : rechargez la page."
    else:
        form = DossierForm(request.POST, instance=dossier, user=request.user)
        form.is_valid()
        invalid = [(form[name].label, " ".join(errors)) for name, errors in form.errors.items() if name in form.fields]
        try:
            services.dossier_save_draft(dossier=dossier, by=request.user, data=form.changed_values())
        except (ApplicationError, ValidationError) as exc:
            error = error_text(exc)
        else:
            saved_at = timezone.now()
    dossier.refresh_from_db()
    return render(
        request,
        "funding/includes/dossier_autosave.html",
        {
            "dossier": dossier,
            "completeness": dossier_completeness(dossier),
            "team": list(active_team(dossier.protocol_id)) if dossier.protocol_id else [],
            "saved_at": saved_at,
            "error": error,
            "invalid": invalid,
        },
        status=200 if request.htmx else (400 if error or invalid else 200),
    )


@role_required(Role.COORDINATOR)
@require_POST
def dossier_attachment_add(request, dossier_id):
    dossier = _get_dossier_for_user(request.user, dossier_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.dossier_attachment_add(dossier=dossier, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La pièce est jointe au dossier.")
            target = "funding:dossier_edit" if dossier.is_editable else "funding:dossier_detail"
            return redirect(f"{_url(target, dossier)}#section-attachments")
    if not dossier.is_editable:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()) or "Pièce refusée.")
        return redirect("funding:dossier_detail", dossier_id=dossier.pk)
    return _render_edit(request, dossier, attachment_form=form, status=400)


def _url(name, dossier):
    return reverse(name, kwargs={"dossier_id": dossier.pk})


@role_required(Role.COORDINATOR)
@require_POST
def dossier_attachment_delete(request, dossier_attachment_id):
    attachment = get_object_or_404(
        DossierAttachment.objects.visible_to(request.user, roles=COORDINATOR).select_related("dossier"),
        pk=dossier_attachment_id,
    )
    try:
        services.dossier_attachment_delete(attachment=attachment, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"La pièce « {attachment.label} » est retirée.")
    return redirect(f"{_url('funding:dossier_edit', attachment.dossier)}#section-attachments")


@role_required(Role.COORDINATOR, *AGENCY_ROLES)
@require_GET
def dossier_attachment_download(request, dossier_attachment_id):
    attachment = get_object_or_404(DossierAttachment.objects.visible_to(request.user), pk=dossier_attachment_id)
    return serve_private_file(attachment.file, attachment.original_name)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def dossier_submit(request, dossier_id):
    """The summary and the sworn statement, then the deposit. The deadline is checked by the server when the
    form is posted, whenever the page was opened."""
    dossier = _get_dossier_for_user(request.user, dossier_id)
    if dossier.state != DossierState.DRAFT:
        messages.info(request, "Ce dossier est déjà déposé.")
        return redirect("funding:dossier_detail", dossier_id=dossier.pk)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_submit(
                dossier=dossier, by=request.user, sworn_statement=form.cleaned_data["sworn_statement"]
            )
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                f"Votre dossier {dossier.reference} est déposé. Le récépissé vous est envoyé par e-mail ; "
                "vous pouvez aussi le télécharger ci-dessous.",
            )
            return redirect("funding:dossier_detail", dossier_id=dossier.pk)
        dossier.refresh_from_db()
    context = _detail_context(request, dossier)
    context.update(form=form, completeness=dossier_completeness(dossier))
    return render(request, "funding/dossiers/submit.html", context, status=400 if form.errors else 200)


def _get_submitted_dossier(user, dossier_id):
    dossier = get_object_or_404(dossier_queryset(user, None), pk=dossier_id)
    if dossier.state == DossierState.DRAFT:
        raise Http404("Ce dossier n'est pas déposé.")
    return dossier


@role_required(Role.COORDINATOR, *AGENCY_ROLES)
@require_GET
def dossier_receipt(request, dossier_id):
    dossier = _get_submitted_dossier(request.user, dossier_id)
    if not dossier.receipt_sha256:
        # The task has not run yet (worker busy, demo data): generate it now, the e-mail stays with the task.
        dossier = dossier_receipt_issue(dossier_id=dossier.pk, send_email=False)
    return serve_private_file(dossier.receipt, f"recepisse-{dossier.reference}.pdf")


@role_required(Role.COORDINATOR, *AGENCY_ROLES)
@require_GET
def dossier_receipt_status(request, dossier_id):
    """htmx: the receipt link once it is generated; until then the fragment polls itself."""
    dossier = _get_submitted_dossier(request.user, dossier_id)
    return render(request, "funding/includes/dossier_receipt.html", {"dossier": dossier})


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def dossier_withdraw(request, dossier_id):
    dossier = _get_dossier_for_user(request.user, dossier_id)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_withdraw(dossier=dossier, by=request.user, reason=form.cleaned_data["reason"])
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le dossier {dossier.reference} est retiré. Il reste consultable.")
            return redirect("funding:dossier_detail", dossier_id=dossier.pk)
    return render(
        request,
        "funding/dossiers/withdraw.html",
        {"dossier": dossier, "form": form, "can_withdraw": dossier.state in WITHDRAWABLE},
        status=400 if form.errors else 200,
    )


@role_required(Role.COORDINATOR)
@require_POST
def dossier_delete(request, dossier_id):
    dossier = _get_dossier_for_user(request.user, dossier_id)
    try:
        services.dossier_delete_draft(dossier=dossier, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("funding:dossier_detail", dossier_id=dossier.pk)
    messages.success(request, f"Le brouillon {dossier.reference} est supprimé.")
    return redirect("funding:my_dossiers")


@role_required(Role.COORDINATOR)
@require_POST
def dossier_complement_answer(request, dossier_id):
    dossier = _get_dossier_for_user(request.user, dossier_id)
    form = ComplementAnswerForm(request.POST)
    if form.is_valid():
        try:
            complement_provide(dossier=dossier, by=request.user, answer=form.cleaned_data["answer"])
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Vos compléments sont transmis à l'ARS.")
            return redirect("funding:dossier_detail", dossier_id=dossier.pk)
    dossier.refresh_from_db()
    return render_dossier_detail(request, dossier, answer_form=form, status=400)
