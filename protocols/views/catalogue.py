"""The national catalogue: read-only, the same for every region."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portal.access import get_scope
from portal.roles import Role
from protocols.models import NationalProtocol


@login_required
@require_GET
def national_protocol_list(request):
    protocols = NationalProtocol.objects.visible_to(request.user).order_by("short_title")
    return render(request, "protocols/catalogue/list.html", {"protocols": protocols})


@login_required
@require_GET
def national_protocol_detail(request, national_protocol_id):
    national = get_object_or_404(NationalProtocol.objects.visible_to(request.user), pk=national_protocol_id)
    return render(
        request,
        "protocols/catalogue/detail.html",
        {
            "national": national,
            "can_adhere": get_scope(request.user).has_role(Role.COORDINATOR),
        },
    )
