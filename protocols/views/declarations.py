"""Declaring a protocol (pre-flight list, deposit), its version history with the diff between versions, the
receipt PDF and the documents as deposited."""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.decorators import role_required
from portal.downloads import file_response
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.pdf import PdfUnavailable
from portal.roles import Role
from portal.uploads import serve_private_file
from protocols.forms.declarations import DeclarationConfirmForm
from protocols.forms.ds import DsDeclarationConfirmForm
from protocols.models import Declaration, DeclarationChannel, MemberDocument, ProtocolEnding
from protocols.selectors import declaration_diff, team_rows
from protocols.services import declarations as services
from protocols.services import ds as ds_services
from protocols.services.declaration_problems import declaration_problems
from protocols.views.common import READERS, get_protocol_for_user, protocol_page_context, render_form
from protocols.views.ds import ds_reading_for_detail


def _get_declaration_for_user(user, declaration_id) -> Declaration:
    queryset = Declaration.objects.visible_to(user).select_related(
        "protocol__structure__region",
        "protocol__implementing_structure",
        "deposited_by",
        "catalogue_version",
        "ds_entered_by",
        "ds_confirmed_by",
    )
    return get_object_or_404(queryset, pk=declaration_id)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def declaration_new(request, protocol_id):
    """The declare button: what is missing first, then the deposit."""
    protocol = get_protocol_for_user(request.user, protocol_id, roles=[Role.COORDINATOR])
    on_ds = ds_services.channel_of(protocol.structure.region_id) == DeclarationChannel.DS
    form_class = DsDeclarationConfirmForm if on_ds else DeclarationConfirmForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_deposit(
                protocol=protocol,
                by=request.user,
                ds_dossier_number=form.cleaned_data.get("ds_dossier_number"),
                ds_deposited_on=form.cleaned_data.get("ds_deposited_on"),
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            if declaration.is_ds:
                messages.success(
                    request,
                    f"La version {declaration.version} est enregistrée avec le dossier démarches-simplifiées "
                    f"n° {declaration.ds_dossier_number} : elle prendra effet au "
                    f"{declaration.ds_deposited_on:%d/%m/%Y} quand l'ARS aura confirmé ce dépôt.",
                )
            elif declaration.version == 1:
                messages.success(
                    request,
                    "Le protocole est déclaré à l'ARS : il est en vigueur depuis le "
                    f"{declaration.deposited_on:%d/%m/%Y}.",
                )
            else:
                messages.success(request, f"La version {declaration.version} de la déclaration est déposée.")
            return redirect("protocols:declaration_detail", declaration_id=declaration.pk)
    problems = declaration_problems(protocol=protocol)
    context = protocol_page_context(request.user, protocol, "declarations")
    context.update(
        form=form,
        blocking=[problem for problem in problems if problem.blocking],
        warnings=[problem for problem in problems if not problem.blocking],
        first=not protocol.declarations.exists(),
        on_ds=on_ds,
    )
    return render_form(request, "protocols/declaration_new.html", context, form=form)


@role_required(*READERS)
@require_GET
def declaration_list(request, protocol_id):
    protocol = get_protocol_for_user(request.user, protocol_id)
    context = protocol_page_context(request.user, protocol, "declarations")
    context["declarations"] = (
        Declaration.objects.visible_to(request.user)
        .filter(protocol=protocol)
        .select_related("deposited_by")
        .order_by("-version")
    )
    context["suspensions"] = protocol.suspensions.select_related("suspended_by", "lifted_by").order_by("-starts_on")
    context["ending"] = (
        ProtocolEnding.objects.visible_to(request.user).filter(protocol=protocol).select_related("decided_by").first()
    )
    return render(request, "protocols/declaration_list.html", context)


@role_required(*READERS)
@require_GET
def declaration_detail(request, declaration_id):
    declaration = _get_declaration_for_user(request.user, declaration_id)
    protocol = declaration.protocol
    versions = list(protocol.declarations.order_by("version").values_list("version", flat=True))
    compare_to = request.GET.get("comparer", "")
    older_version = int(compare_to) if compare_to.isdigit() else declaration.version - 1
    older = (
        protocol.declarations.filter(version=older_version).first() if older_version != declaration.version else None
    )
    context = protocol_page_context(request.user, protocol, "declarations")
    context.update(
        declaration=declaration,
        older=older,
        diff=declaration_diff(older, declaration),
        versions=versions,
        snapshot=declaration.protocol_snapshot,
        can_enter_ds=ds_services.can_enter_ds(request.user, declaration),
        can_confirm_ds=ds_services.can_confirm_ds(request.user, declaration),
        **ds_reading_for_detail(request.user, declaration),
        team=team_rows(declaration),
        readable_documents=set(
            MemberDocument.objects.visible_to(request.user)
            .filter(membership__protocol=protocol)
            .values_list("pk", flat=True)
        ),
    )
    return render(request, "protocols/declaration_detail.html", context)


@role_required(*READERS)
@require_GET
def declaration_receipt(request, declaration_id):
    declaration = _get_declaration_for_user(request.user, declaration_id)
    try:
        declaration = services.declaration_receipt_ensure(declaration=declaration)
    except PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect("protocols:declaration_detail", declaration_id=declaration.pk)
    return serve_private_file(declaration.receipt, f"recepisse-{declaration.number}.pdf", inline=True)


@role_required(*READERS)
@require_GET
def declaration_document_file(request, declaration_id, member_document_id):
    """A document as it was deposited in this version (the member may have replaced it since). Whoever reads the
    version does not read every file: a file is served only to who may read the member's personal files now."""
    declaration = _get_declaration_for_user(request.user, declaration_id)
    get_object_or_404(MemberDocument.objects.visible_to(request.user), pk=member_document_id)
    entry = services.document_in_version(declaration=declaration, member_document_id=member_document_id)
    if entry is None or not default_storage.exists(entry["file"]):
        raise Http404("Cette pièce ne fait pas partie de cette version.")
    response = file_response(default_storage.open(entry["file"], "rb"), entry["original_name"] or entry["kind_label"])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
