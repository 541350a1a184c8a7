"""Pages of a professional's interventions: "Mes interventions", logging one in a few seconds, editing, cancelling."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, ApplicationError, add_form_error
from portal.models import Professional
from portal.roles import Role
from protocols.forms.interventions import InterventionForm
from protocols.models import Intervention, Protocol, ProtocolKind
from protocols.selectors import interventions as selectors
from protocols.services import interventions as services

PAGE_SIZE = 25
FIELDS_TEMPLATE = "protocols/interventions/includes/intervention_fields.html"


def _get_intervention_for_user(user, intervention_id) -> Intervention:
    return get_object_or_404(
        Intervention.objects.visible_to(user, roles=[Role.PROFESSIONAL, Role.COORDINATOR])
        .active()
        .select_related("protocol", "structure", "delegate__user", "delegant__user"),
        pk=intervention_id,
    )


def _parse_day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@role_required(Role.PROFESSIONAL)
@require_GET
def my_interventions(request):
    interventions = (
        selectors.professional_interventions(request.user)
        .with_lock()
        .select_related("protocol", "delegate__user", "delegant__user", "second_contact_delegate__user")
        .order_by("-performed_on", "-pk")
    )
    filters = {
        "protocole": request.GET.get("protocole", ""),
        "role": request.GET.get("role", ""),
        "du": _parse_day(request.GET.get("du", "")),
        "au": _parse_day(request.GET.get("au", "")),
    }
    if filters["protocole"].isdigit():
        interventions = interventions.filter(protocol_id=int(filters["protocole"]))
    if filters["role"] == "delegue":
        interventions = interventions.filter(delegate__user=request.user)
    elif filters["role"] == "delegant":
        interventions = interventions.filter(delegant__user=request.user)
    if filters["du"]:
        interventions = interventions.filter(performed_on__gte=filters["du"])
    if filters["au"]:
        interventions = interventions.filter(performed_on__lte=filters["au"])
    page = Paginator(interventions, PAGE_SIZE).get_page(request.GET.get("page"))
    services.mark_changeable(page.object_list, request.user)
    protocols = Protocol.objects.filter(
        Exists(selectors.professional_interventions(request.user).filter(protocol_id=OuterRef("pk")))
    ).order_by("code")
    professional = Professional.objects.filter(user=request.user).first()
    can_log = professional is not None and selectors.delegate_protocols(professional, timezone.localdate()).exists()
    return render(
        request,
        "protocols/interventions/my_interventions.html",
        {"page": page, "filters": filters, "protocols": protocols, "can_log": can_log},
    )


@role_required(Role.PROFESSIONAL)
@require_http_methods(["GET", "POST"])
def intervention_create(request):
    professional = Professional.objects.filter(user=request.user).select_related("user").first()
    if professional is None:
        messages.error(request, "Renseignez d'abord votre profession et votre numéro RPPS ou ADELI.")
        return redirect("portal:account")
    if request.method == "POST" and request.htmx and request.GET.get("verifier"):
        form = InterventionForm(_checked_data(request), delegate=professional)
        form.is_valid()
        form.drop_errors_of_empty_fields()
        return render(request, FIELDS_TEMPLATE, {"form": form})
    form = InterventionForm(request.POST or None, delegate=professional)
    if not form.fields["protocol"].queryset.exists():
        messages.error(
            request, "Vous n'êtes délégué actif d'aucun protocole aujourd'hui : aucune intervention à saisir."
        )
        return redirect("protocols:my_interventions")
    if request.method == "POST" and form.is_valid():
        try:
            intervention = services.intervention_log(
                by=request.user, protocol=form.cleaned_data["protocol"], **form.service_arguments()
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            _announce(request, intervention, "enregistrée")
            if "encore" in request.POST:
                return redirect("protocols:intervention_create")
            return redirect("protocols:my_interventions")
    return render(
        request,
        "protocols/interventions/intervention_form.html",
        {"form": form, "intervention": None, "back": reverse("protocols:my_interventions")},
        status=400 if form.errors else 200,
    )


def _checked_data(request):
    """The form's data for the htmx check; a new protocol has another team, so its people are chosen again."""
    data = request.POST.copy()
    if request.headers.get("HX-Trigger-Name") == "protocol":
        for name in ("delegant", "second_contact_delegate"):
            data.pop(name, None)
    return data


def _announce(request, intervention: Intervention, verb: str) -> None:
    messages.success(
        request,
        f"Intervention du {intervention.performed_on:%d/%m/%Y} ({intervention.protocol.code}, épisode "
        f"{intervention.episode_reference}) {verb}.",
    )
    # A local protocol's AMI grant pays every intervention (seed 000): another date of the episode is paid. A national
    # protocol's forfait is per patient (seed 003): only the episode's first contact is.
    if intervention.protocol.kind != ProtocolKind.NATIONAL:
        return
    earlier = selectors.episode_other_interventions(intervention).first()
    if earlier is not None and (earlier.performed_on, earlier.pk) < (intervention.performed_on, intervention.pk):
        messages.warning(
            request,
            f"Cet épisode a déjà une intervention le {earlier.performed_on:%d/%m/%Y} : un forfait par patient "
            "n'en paie que le premier contact (épisode déjà compté). Pour un second contact, renseignez plutôt sa "
            "date sur l'intervention initiale.",
        )


@role_required(Role.PROFESSIONAL, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def intervention_edit(request, intervention_id):
    intervention = _get_intervention_for_user(request.user, intervention_id)
    back = _next_url(request, reverse("protocols:my_interventions"))
    if not services.can_change(intervention, request.user):
        messages.error(request, "Seuls le délégué qui l'a réalisée et les coordinateurs modifient cette intervention.")
        return redirect(back)
    if request.method == "POST" and request.htmx and request.GET.get("verifier"):
        form = InterventionForm(_checked_data(request), delegate=intervention.delegate, intervention=intervention)
        form.is_valid()
        form.drop_errors_of_empty_fields()
        return render(request, FIELDS_TEMPLATE, {"form": form, "intervention": intervention})
    form = InterventionForm(request.POST or None, delegate=intervention.delegate, intervention=intervention)
    if request.method == "POST" and form.is_valid():
        try:
            intervention = services.intervention_update(
                intervention=intervention, by=request.user, **form.service_arguments()
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            _announce(request, intervention, "corrigée")
            return redirect(back)
    return render(
        request,
        "protocols/interventions/intervention_form.html",
        {"form": form, "intervention": intervention, "next": back, "back": back},
        status=400 if form.errors else 200,
    )


@role_required(Role.PROFESSIONAL, Role.COORDINATOR)
@require_POST
def intervention_cancel(request, intervention_id):
    intervention = _get_intervention_for_user(request.user, intervention_id)
    back = _next_url(request, reverse("protocols:my_interventions"))
    try:
        services.intervention_cancel(intervention=intervention, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Intervention du {intervention.performed_on:%d/%m/%Y} (épisode {intervention.episode_reference}) "
            "annulée.",
        )
    return redirect(back)
