from django.shortcuts import render

from funding.models import Campaign, Dossier
from portal.access import get_scope
from portal.models import Invitation, Professional, Region, Structure
from portal.roles import Role

# The dashboards linked from the home page, by the roles that open them (see reporting.views.dashboards).
DASHBOARDS = [
    ("Mon tableau de bord", "reporting:dashboard", (Role.COORDINATOR, Role.PROFESSIONAL)),
    ("Tableau de bord de l'ARS", "reporting:agency_dashboard", (Role.INSTRUCTOR, Role.FINANCE_OFFICER)),
    ("Vue nationale", "reporting:national_dashboard", (Role.NATIONAL_PILOT, Role.SUPERADMIN)),
]


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
    context["dashboard_links"] = [(label, url_name) for label, url_name, roles in DASHBOARDS if scope.has_role(*roles)]
    if scope.has_role(Role.COORDINATOR):
        context.update(_coordinator_blocks(request.user))
    return render(request, "reporting/home.html", context)


def _coordinator_blocks(user) -> dict:
    """Published AMI campaigns of the coordinator's regions, and the latest dossiers of their structures."""
    coordinator = [Role.COORDINATOR]
    return {
        "published_campaigns": Campaign.objects.visible_to(user, roles=coordinator)
        .published()
        .select_related("region")
        .prefetch_related("waves")
        .order_by("-published_at")[:6],
        "recent_dossiers": Dossier.objects.visible_to(user, roles=coordinator)
        .select_related("structure", "campaign")
        .order_by("-created_at")[:5],
    }
