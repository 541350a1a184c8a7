from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import services
from portal.access import get_scope
from portal.decorators import role_required
from portal.errors import ApplicationError, add_form_error
from portal.forms import StructureAgreementsForm, StructureCpamForm, StructureForm, StructureInvitationForm
from portal.models import Invitation, Region, Structure, StructureKind, StructureMembership
from portal.roles import AGENCY_ROLES, STRUCTURE_ROLES, Role
from portal.uploads import serve_private_file

PAGE_SIZE = 25


def _get_structure_for_user(user, structure_id, roles=None) -> Structure:
    return get_object_or_404(Structure.objects.visible_to(user, roles).select_related("region"), pk=structure_id)


@role_required(*(STRUCTURE_ROLES | AGENCY_ROLES | {Role.SUPERADMIN}))
@require_GET
def structure_list(request):
    structures = Structure.objects.visible_to(request.user).select_related("region").order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        structures = structures.filter(
            Q(name__icontains=query) | Q(finess__startswith=query) | Q(commune__icontains=query)
        )
    kind = request.GET.get("type", "")
    if kind:
        structures = structures.filter(kind=kind)
    page = Paginator(structures, PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = bool(get_scope(request.user).region_ids([Role.REGION_ADMIN]))
    return render(
        request,
        "portal/structure_list.html",
        {"page": page, "query": query, "kind": kind, "kinds": StructureKind.choices, "can_create": can_create},
    )


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def structure_create(request):
    regions = Region.objects.visible_to(request.user, roles=[Role.REGION_ADMIN])
    form = StructureForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            structure = services.structure_create(by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            form.add_error(None, getattr(error, "message", None) or " ".join(error.messages))
        else:
            messages.success(
                request, f"La structure « {structure.name} » est créée. Invitez maintenant son coordinateur."
            )
            return redirect("portal:structure_detail", structure_id=structure.pk)
    return render(request, "portal/structure_form.html", {"form": form}, status=400 if form.errors else 200)


def _can_manage(user, structure) -> bool:
    scope = get_scope(user)
    return (
        structure.pk in scope.structure_ids([Role.COORDINATOR])
        or structure.region_id in scope.region_ids([Role.REGION_ADMIN])
        or scope.is_superadmin
    )


@role_required(*(STRUCTURE_ROLES | AGENCY_ROLES | {Role.SUPERADMIN}))
@require_GET
def structure_detail(request, structure_id):
    return _render_detail(request, _get_structure_for_user(request.user, structure_id))


def _render_detail(request, structure, *, cpam_form=None, status=200):
    can_manage = _can_manage(request.user, structure)
    memberships = (
        StructureMembership.objects.filter(structure=structure)
        .select_related("user", "user__professional")
        .order_by("role", "user__last_name", "user__first_name")
    )
    invitations = (
        Invitation.objects.visible_to(request.user).filter(structure=structure).pending().select_related("invited_by")
        if can_manage
        else Invitation.objects.none()
    )
    return render(
        request,
        "portal/structure_detail.html",
        {
            "structure": structure,
            "memberships": memberships,
            "invitations": invitations,
            "can_manage": can_manage,
            "invite_form": StructureInvitationForm() if can_manage else None,
            "cpam_form": (cpam_form or StructureCpamForm(instance=structure)) if can_manage else None,
        },
        status=status,
    )


@role_required(Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN)
@require_http_methods(["GET", "POST"])
def structure_agreements(request, structure_id):
    """The structure's ACI and projet de santé, recorded by its coordinator or the ARS admin."""
    structure = _get_structure_for_user(request.user, structure_id, roles=[Role.COORDINATOR, Role.REGION_ADMIN])
    posted = request.method == "POST"  # an empty POST (every field cleared) is still a POST
    form = StructureAgreementsForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={
            "aci_signed_on": structure.aci_signed_on,
            "health_project_validated_on": structure.health_project_validated_on,
        },
    )
    if posted and form.is_valid():
        try:
            services.structure_agreements_update(structure=structure, by=request.user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            add_form_error(form, error)
        else:
            messages.success(request, "L'ACI et le projet de santé de la structure sont enregistrés.")
            return redirect("portal:structure_detail", structure_id=structure.pk)
    return render(
        request,
        "portal/structure_agreements.html",
        {"structure": structure, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(*(STRUCTURE_ROLES | AGENCY_ROLES | {Role.SUPERADMIN}))
@require_GET
def structure_health_project(request, structure_id):
    """The projet de santé's document, for whoever sees the structure."""
    structure = _get_structure_for_user(request.user, structure_id)
    if not structure.health_project:
        raise Http404("Aucun projet de santé déposé.")
    return serve_private_file(structure.health_project, f"projet-de-sante-{structure.finess or structure.pk}.pdf")


@role_required(Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN)
@require_POST
def structure_cpam(request, structure_id):
    structure = _get_structure_for_user(
        request.user, structure_id, roles=[Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN]
    )
    form = StructureCpamForm(request.POST, instance=Structure.objects.get(pk=structure.pk))
    if form.is_valid():
        try:
            services.structure_cpam_set(structure=structure, by=request.user, cpam=form.cleaned_data["cpam"])
        except (ApplicationError, ValidationError) as error:
            form.add_error(None, getattr(error, "message", None) or " ".join(error.messages))
        else:
            messages.success(request, "La CPAM de rattachement est enregistrée.")
            return redirect("portal:structure_detail", structure_id=structure.pk)
    return _render_detail(request, structure, cpam_form=form, status=400)


@role_required(Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN)
@require_POST
def structure_invite(request, structure_id):
    structure = _get_structure_for_user(request.user, structure_id, roles=[Role.COORDINATOR, Role.REGION_ADMIN])
    form = StructureInvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(by=request.user, structure=structure, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect("portal:structure_detail", structure_id=structure.pk)
    return render(
        request,
        "portal/structure_detail.html",
        {
            "structure": structure,
            "memberships": StructureMembership.objects.filter(structure=structure).select_related("user"),
            "invitations": Invitation.objects.filter(structure=structure).pending(),
            "can_manage": True,
            "invite_form": form,
        },
        status=400,
    )


@role_required(Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN)
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.user, roles=[Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN]),
        pk=invitation_id,
    )
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
        messages.success(request, f"L'invitation de {invitation.email} est retirée.")
    except ApplicationError as error:
        messages.error(request, error.message)
    if invitation.structure_id:
        return redirect("portal:structure_detail", structure_id=invitation.structure_id)
    if invitation.region_id is None:
        return redirect("portal:national_pilots")
    return redirect("portal:region_staff", region_id=invitation.region_id)


@role_required(Role.COORDINATOR, Role.REGION_ADMIN, Role.SUPERADMIN)
@require_POST
def structure_membership_remove(request, structure_membership_id):
    membership = get_object_or_404(
        StructureMembership.objects.visible_to(request.user, roles=[Role.COORDINATOR, Role.REGION_ADMIN]),
        pk=structure_membership_id,
    )
    try:
        services.membership_remove(membership=membership, by=request.user)
        messages.success(request, f"Le rôle de {membership.user} est retiré.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("portal:structure_detail", structure_id=membership.structure_id)
