"""Messages between the ARS and the coordinator: the threads of a dossier, posting, attachments."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from funding.forms.dossiers import MessageForm
from funding.models import DossierMessage
from funding.services.messages import dossier_message_post, message_side
from funding.views.common import dossier_queryset
from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error
from portal.roles import AGENCY_ROLES, Role
from portal.uploads import serve_private_file

WRITERS = [Role.COORDINATOR, Role.INSTRUCTOR, Role.REGION_ADMIN]


@dataclass
class Thread:
    root: DossierMessage
    replies: list = field(default_factory=list)


def message_threads(dossier) -> list[Thread]:
    """Threads oldest first, replies in order under their first message (one query)."""
    threads: dict[int, Thread] = {}
    for message in dossier.messages.select_related("author").order_by("created_at", "pk"):
        if message.parent_id and message.parent_id in threads:
            threads[message.parent_id].replies.append(message)
        else:
            threads[message.pk] = Thread(message)
    return list(threads.values())


@role_required(*WRITERS)
@require_POST
def dossier_message_post_view(request, dossier_id):
    dossier = get_object_or_404(dossier_queryset(request.user, WRITERS), pk=dossier_id)
    form = MessageForm(request.POST, request.FILES)
    side = message_side(dossier, request.user)
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = dossier.messages.filter(pk=form.cleaned_data["parent"]).first()
        try:
            dossier_message_post(
                dossier=dossier,
                by=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                attachment=form.cleaned_data["attachment"],
            )
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Votre message est envoyé.")
            page = "funding:instruction_dossier" if side == "agency" else "funding:dossier_detail"
            return redirect(reverse(page, kwargs={"dossier_id": dossier.pk}) + "#messages")
    if side == "agency":
        from funding.views.instruction import render_instruction_dossier

        return render_instruction_dossier(request, dossier, message_form=form, status=400)
    from funding.views.dossiers import render_dossier_detail

    return render_dossier_detail(request, dossier, message_form=form, status=400)


@role_required(Role.COORDINATOR, *AGENCY_ROLES)
@require_GET
def dossier_message_attachment(request, dossier_message_id):
    message = get_object_or_404(
        DossierMessage.objects.visible_to(request.user).exclude(attachment=""), pk=dossier_message_id
    )
    return serve_private_file(message.attachment, message.attachment_name or "piece-jointe")
