"""Pages of the démarches-simplifiées channel: the region's choice (regional admin), the DS dossier of a version
(coordinator), its confirmation by the ARS (instructor, regional admin) with what DS says of it."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods

from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.models import Region
from portal.roles import Role
from protocols.forms.ds import DeclarationChannelForm, DsDossierForm
from protocols.models import Declaration, DsCheck
from protocols.services import ds as services
from protocols.views.common import protocol_page_context, render_form

CONFIRMERS = (Role.INSTRUCTOR, Role.REGION_ADMIN)


def _get_declaration_for_user(user, declaration_id, roles) -> Declaration:
    queryset = Declaration.objects.visible_to(user, roles).select_related(
        "protocol__structure__region", "protocol__implementing_structure", "deposited_by", "ds_entered_by"
    )
    return get_object_or_404(queryset, pk=declaration_id)


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def region_declaration_channel(request, region_id):
    region = get_object_or_404(Region.objects.visible_to(request.user, roles=[Role.REGION_ADMIN]), pk=region_id)
    current = services.settings_for(region)
    initial = {"channel": current.channel, "ds_demarche_number": current.ds_demarche_number}
    form = DeclarationChannelForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_settings_update(
                region=region,
                by=request.user,
                channel=form.cleaned_data["channel"],
                demarche_number=form.cleaned_data["ds_demarche_number"],
                token=form.cleaned_data["ds_token"],
                clear_token=form.cleaned_data["clear_token"],
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le canal de déclaration de {region} est enregistré.")
            return redirect("protocols:region_declaration_channel", region_id=region.pk)
    context = {"region": region, "current": current, "form": form}
    return render_form(request, "protocols/ds/region_channel.html", context, form=form)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def declaration_ds_enter(request, declaration_id):
    declaration = _get_declaration_for_user(request.user, declaration_id, [Role.COORDINATOR])
    if not services.can_enter_ds(request.user, declaration):
        messages.info(request, "Le dossier démarches-simplifiées de cette version ne se renseigne pas (ou plus) ici.")
        return redirect("protocols:declaration_detail", declaration_id=declaration.pk)
    initial = {"ds_dossier_number": declaration.ds_dossier_number, "ds_deposited_on": declaration.ds_deposited_on}
    form = DsDossierForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_ds_enter(declaration=declaration, by=request.user, **_ds_fields(form))
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Le dossier démarches-simplifiées est enregistré : l'ARS va confirmer ce dépôt.")
            return redirect("protocols:declaration_detail", declaration_id=declaration.pk)
    context = protocol_page_context(request.user, declaration.protocol, "declarations")
    context.update(declaration=declaration, form=form)
    return render_form(request, "protocols/ds/declaration_enter.html", context, form=form)


@role_required(*CONFIRMERS)
@require_http_methods(["GET", "POST"])
def declaration_ds_confirm(request, declaration_id):
    declaration = _get_declaration_for_user(request.user, declaration_id, CONFIRMERS)
    if not services.can_confirm_ds(request.user, declaration):
        messages.info(request, "Cette version n'a pas de dépôt démarches-simplifiées à confirmer.")
        return redirect("protocols:declaration_detail", declaration_id=declaration.pk)
    initial = {"ds_dossier_number": declaration.ds_dossier_number, "ds_deposited_on": declaration.ds_deposited_on}
    form = DsDossierForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_ds_confirm(declaration=declaration, by=request.user, **_ds_fields(form))
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                f"Dépôt démarches-simplifiées confirmé : la version {declaration.version} est en vigueur depuis le "
                f"{declaration.in_force_on:%d/%m/%Y}.",
            )
            return redirect("protocols:declaration_detail", declaration_id=declaration.pk)
    context = protocol_page_context(request.user, declaration.protocol, "declarations")
    context.update(declaration=declaration, form=form, **_ds_reading(request.user, declaration))
    return render_form(request, "protocols/ds/declaration_confirm.html", context, form=form)


def _ds_fields(form) -> dict:
    return {
        "dossier_number": form.cleaned_data["ds_dossier_number"],
        "deposited_on": form.cleaned_data["ds_deposited_on"],
    }


def _ds_reading(user, declaration: Declaration) -> dict:
    """What DS said of the version's dossier, for the instructor (empty when the region has no API access)."""
    region_settings = services.settings_for(declaration.protocol.structure.region_id)
    check = DsCheck.objects.visible_to(user).filter(declaration=declaration).first()
    return {
        "ds_api": region_settings.api_configured,
        "ds_check": check,
        "ds_mismatches": services.ds_mismatches(declaration, check, region_settings.ds_demarche_number),
    }


def ds_reading_for_detail(user, declaration: Declaration) -> dict:
    if not declaration.is_ds:
        return {"ds_api": False, "ds_check": None, "ds_mismatches": []}
    return _ds_reading(user, declaration)
