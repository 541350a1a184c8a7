"""Grants (ARS and coordinators), decisions and their notification letters (coordinators and ARS)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.forms.committee import ReasonForm
from funding.forms.grants import GrantOpenForm
from funding.models import Decision, DossierState, Grant, GrantState
from funding.services import grants as grant_services
from funding.views.common import get_dossier_for_admin
from portal.access import get_scope
from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import AGENCY_ROLES, Role
from portal.uploads import serve_private_file

PAGE_SIZE = 25
GRANT_READERS = (*AGENCY_ROLES, Role.COORDINATOR)


def _get_grant_for_user(user, grant_id, roles=None) -> Grant:
    return get_object_or_404(
        Grant.objects.visible_to(user, roles)
        .with_state_on(timezone.localdate())
        .select_related("structure__region", "protocol", "dossier__campaign", "dossier__decision__meeting"),
        pk=grant_id,
    )


@role_required(*GRANT_READERS)
@require_GET
def grant_list(request):
    grants = (
        Grant.objects.visible_to(request.user)
        .with_state_on(timezone.localdate())
        .select_related("structure__region", "protocol", "dossier__campaign")
        .order_by("-starts_on", "reference")
    )
    state = request.GET.get("etat", "")
    if state in GrantState.values:
        grants = grants.filter(state_on=state)
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funding/grants/list.html", {"page": page, "state": state, "states": GrantState.choices})


@role_required(*GRANT_READERS)
@require_GET
def grant_detail(request, grant_id):
    grant = _get_grant_for_user(request.user, grant_id)
    can_close = grant.structure.region_id in get_scope(request.user).region_ids([Role.REGION_ADMIN])
    return render(
        request,
        "funding/grants/detail.html",
        {
            "grant": grant,
            "decision": getattr(grant.dossier, "decision", None),
            "suspensions": grant.protocol.suspensions.order_by("-starts_on"),
            "can_close": can_close and grant.state != GrantState.CLOSED,
            "close_form": ReasonForm(),
        },
    )


@role_required(Role.REGION_ADMIN)
@require_POST
def grant_close(request, grant_id):
    grant = _get_grant_for_user(request.user, grant_id, roles=[Role.REGION_ADMIN])
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            grant_services.grant_close(grant=grant, by=request.user, reason=form.cleaned_data["reason"])
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"La subvention {grant.reference} est close.")
            return redirect("funding:grant_detail", grant_id=grant.pk)
    return render(
        request,
        "funding/grants/detail.html",
        {
            "grant": grant,
            "decision": getattr(grant.dossier, "decision", None),
            "suspensions": grant.protocol.suspensions.order_by("-starts_on"),
            "can_close": True,
            "close_form": form,
        },
        status=400,
    )


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def grant_open(request, dossier_id):
    """Open by hand the grant of a selected dossier (its protocol now declared), with other dates if needed."""
    dossier = get_dossier_for_admin(request.user, dossier_id)
    existing = Grant.objects.filter(dossier=dossier).first()
    if existing is not None:
        return redirect("funding:grant_detail", grant_id=existing.pk)
    form = GrantOpenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = grant_services.grant_open(dossier=dossier, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"La subvention {grant.reference} est ouverte.")
            return redirect("funding:grant_detail", grant_id=grant.pk)
    return render(
        request,
        "funding/grants/open.html",
        {"dossier": dossier, "form": form, "selected": dossier.state == DossierState.SELECTED},
        status=400 if form.errors else 200,
    )


@role_required(Role.COORDINATOR, *AGENCY_ROLES)
@require_GET
def decision_list(request):
    """The committee's decisions the user may read: a coordinator's own dossiers, the ARS's region."""
    decisions = (
        Decision.objects.visible_to(request.user)
        .select_related("dossier__structure", "dossier__campaign", "meeting")
        .order_by("-decided_at", "pk")
    )
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funding/committee/decision_list.html", {"page": page})


@role_required(Role.COORDINATOR, *AGENCY_ROLES)
@require_GET
def decision_letter(request, decision_id):
    decision = get_object_or_404(Decision.objects.visible_to(request.user).select_related("dossier"), pk=decision_id)
    if not decision.letter:
        messages.info(request, "Le courrier est en cours de préparation : revenez dans quelques instants.")
        return redirect("funding:decision_list")
    return serve_private_file(decision.letter, f"Décision {decision.dossier.reference}.pdf", inline=True)
