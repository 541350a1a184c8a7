from django.shortcuts import render

from portal.access import get_scope
from portal.models import Invitation, Professional, Region, Structure


def home(request):
    """One home page; each role the user holds adds its block of "what to do next"."""
    if not request.user.is_authenticated:
        return render(request, "reporting/home_public.html", {"regions": Region.objects.order_by("name")})
    scope = get_scope(request.user)
    context = {
        "scope": scope,
        "invitations": Invitation.objects.pending()
        .filter(email__iexact=request.user.email)
        .select_related("structure", "region"),
        "structures": Structure.objects.filter(pk__in=scope.structure_ids()).order_by("name"),
        "regions": Region.objects.filter(pk__in=scope.region_ids()).order_by("name"),
        "missing_identity": scope.has_role("professional")
        and not Professional.objects.filter(user=request.user).exists(),
    }
    return render(request, "reporting/home.html", context)
