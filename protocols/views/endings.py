"""The ARS ends a protocol's implementation (form), and the letter sent to the coordinators (PDF)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods

from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.pdf import PdfUnavailable
from portal.roles import MONEY_AGENCY_ROLES, Role
from portal.uploads import serve_private_file
from protocols.forms.endings import EndForm
from protocols.models import ProtocolEnding, can_end
from protocols.models.ending import ENDING_ROLES
from protocols.services import endings as services
from protocols.services.common import today
from protocols.views.common import get_protocol_for_user, protocol_page_context, render_form

# The letter is addressed to the coordinators; the ARS staff who follow protocols and money read it too.
LETTER_READERS = (Role.COORDINATOR, *MONEY_AGENCY_ROLES, Role.SUPERADMIN)


@role_required(*ENDING_ROLES)
@require_http_methods(["GET", "POST"])
def protocol_end(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id, roles=ENDING_ROLES)
    if not can_end(request.user, protocol):
        # A stale tab or a second click: say why, never a 500.
        messages.error(request, services.end_refusal(protocol, request.user).message)
        return redirect("protocols:declaration_list", protocol_id=protocol.pk)
    form = EndForm(request.POST if request.method == "POST" else None, initial={"ended_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.protocol_end(protocol=protocol, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                f"La mise en œuvre du protocole {protocol.code} à {protocol.structure.name} prend fin après le "
                f"{form.cleaned_data['ended_on']:%d/%m/%Y}. Le courrier part aux coordinateurs de la structure.",
            )
            return redirect("protocols:declaration_list", protocol_id=protocol.pk)
    context = protocol_page_context(request.user, protocol, "declarations")
    context["form"] = form
    context["open_events"] = protocol.adverse_events.filter(closed_at__isnull=True).order_by("-occurred_on")
    return render_form(request, "protocols/protocol_end.html", context, form=form)


@role_required(*LETTER_READERS)
@require_GET
def protocol_end_letter(request, ending_id):
    ending = get_object_or_404(
        ProtocolEnding.objects.visible_to(request.user, roles=LETTER_READERS).select_related("protocol"),
        pk=ending_id,
    )
    try:
        ending = services.protocol_end_letter_ensure(ending=ending)
    except PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect("protocols:declaration_list", protocol_id=ending.protocol_id)
    return serve_private_file(ending.letter, ending.letter_name, inline=True)
