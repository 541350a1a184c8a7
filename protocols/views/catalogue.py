"""The national catalogue: read by everyone, the same for every region; its versions kept by the platform's
administrators (superadmin), each change a new version with its order and effective date (issue 17)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import get_scope
from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import Role
from protocols.forms.catalogue import NationalProtocolVersionForm
from protocols.models import NationalProtocol, NationalProtocolVersion
from protocols.models.catalogue import can_edit_catalogue
from protocols.services import catalogue as services
from protocols.views.common import PAGE_SIZE, render_form


def _get_national_protocol_for_user(user, national_protocol_id) -> NationalProtocol:
    return get_object_or_404(NationalProtocol.objects.visible_to(user), pk=national_protocol_id)


@login_required
@require_GET
def national_protocol_list(request):
    protocols = NationalProtocol.objects.visible_to(request.user).order_by("short_title")
    return render(request, "protocols/catalogue/list.html", {"protocols": protocols})


@login_required
@require_GET
def national_protocol_detail(request, national_protocol_id):
    national = _get_national_protocol_for_user(request.user, national_protocol_id)
    return render(
        request,
        "protocols/catalogue/detail.html",
        {
            "national": national,
            "version": national.current_version(),
            "can_adhere": get_scope(request.user).has_role(Role.COORDINATOR),
            "can_edit": can_edit_catalogue(request.user),
        },
    )


@login_required
@require_GET
def national_protocol_versions(request, national_protocol_id):
    """The history of a protocol in the catalogue, newest first, each version with what it changed."""
    national = _get_national_protocol_for_user(request.user, national_protocol_id)
    versions = list(
        NationalProtocolVersion.objects.visible_to(request.user)
        .filter(national_protocol=national)
        .select_related("recorded_by")
        .order_by("-number")
    )
    for version, previous in zip(versions, [*versions[1:], None], strict=True):
        version.changes = version.changes_from(previous)
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "protocols/catalogue/versions.html",
        {"national": national, "page": page, "can_edit": can_edit_catalogue(request.user)},
    )


@role_required(Role.SUPERADMIN)
@require_http_methods(["GET", "POST"])
def national_protocol_version_create(request, national_protocol_id):
    national = _get_national_protocol_for_user(request.user, national_protocol_id)
    # An empty POST is a POST (every field cleared): it answers with the form's errors, not a fresh form.
    form = NationalProtocolVersionForm(request.POST if request.method == "POST" else None, national=national)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.national_protocol_version_create(
                national_protocol=national, by=request.user, **form.service_kwargs()
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                f"Version {version.number} enregistrée : le catalogue la montre ; les déclarations déjà déposées "
                "gardent la version à laquelle leur équipe a adhéré.",
            )
            return redirect("protocols:national_protocol_versions", national_protocol_id=national.pk)
    return render_form(
        request,
        "protocols/catalogue/version_form.html",
        {"national": national, "form": form, "latest": national.current_version()},
    )
