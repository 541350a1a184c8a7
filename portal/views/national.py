"""The platform superadmin grants and withdraws national roles (``pilote_national``): by invitation, accepted by
the person in their own account, as every role of the portal."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal import services
from portal.decorators import role_required
from portal.errors import ApplicationError
from portal.forms import NationalInvitationForm
from portal.models import Invitation, RegionMembership
from portal.roles import NATIONAL_ROLES, Role


@role_required(Role.SUPERADMIN)
@require_http_methods(["GET", "POST"])
def national_pilots(request):
    form = NationalInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(by=request.user, role=Role.NATIONAL_PILOT, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect("portal:national_pilots")
    memberships = RegionMembership.objects.national().select_related("user").order_by("user__last_name", "pk")
    invitations = (
        Invitation.objects.filter(region__isnull=True, structure__isnull=True, role__in=sorted(NATIONAL_ROLES))
        .pending()
        .select_related("invited_by")
    )
    return render(
        request,
        "portal/national_pilots.html",
        {"memberships": memberships, "invitations": invitations, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.SUPERADMIN)
@require_POST
def national_pilot_remove(request, region_membership_id):
    membership = get_object_or_404(RegionMembership.objects.national(), pk=region_membership_id)
    try:
        services.membership_remove(membership=membership, by=request.user)
        messages.success(request, f"Le rôle national de {membership.user} est retiré.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("portal:national_pilots")
