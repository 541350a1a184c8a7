from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal import services
from portal.decorators import role_required
from portal.errors import ApplicationError
from portal.forms import AgencyInvitationForm
from portal.models import Invitation, Region, RegionMembership
from portal.roles import Role


def _get_region_for_admin(user, region_id) -> Region:
    return get_object_or_404(Region.objects.visible_to(user, roles=[Role.REGION_ADMIN]), pk=region_id)


@role_required(Role.REGION_ADMIN)
def staff_home(request):
    """Region admins of a single ARS go straight to its staff page."""
    regions = Region.objects.visible_to(request.user, roles=[Role.REGION_ADMIN]).order_by("name")
    if len(regions) == 1:
        return redirect("portal:region_staff", region_id=regions[0].pk)
    return render(request, "portal/region_choice.html", {"regions": regions})


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def region_staff(request, region_id):
    region = _get_region_for_admin(request.user, region_id)
    form = AgencyInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(by=request.user, region=region, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect("portal:region_staff", region_id=region.pk)
    memberships = list(
        RegionMembership.objects.visible_to(request.user, roles=[Role.REGION_ADMIN])
        .filter(region=region)
        .with_second_factor()
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id", "role")
    )
    not_enrolled = list({m.user_id: m.user for m in memberships if not m.has_totp}.values())
    invitations = Invitation.objects.filter(region=region).pending().select_related("invited_by")
    return render(
        request,
        "portal/region_staff.html",
        {
            "region": region,
            "memberships": memberships,
            "not_enrolled": not_enrolled,
            "invitations": invitations,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.REGION_ADMIN)
@require_POST
def region_membership_remove(request, region_membership_id):
    membership = get_object_or_404(
        RegionMembership.objects.visible_to(request.user, roles=[Role.REGION_ADMIN]), pk=region_membership_id
    )
    try:
        services.membership_remove(membership=membership, by=request.user)
        messages.success(request, f"Le rôle de {membership.user} est retiré.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("portal:region_staff", region_id=membership.region_id)
