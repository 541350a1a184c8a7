from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from portal import services
from portal.errors import ApplicationError
from portal.forms import ProfessionalForm
from portal.models import Invitation, Professional
from portal.models.invitation import hash_token
from portal.roles import Role


def _get_invitation_for_invitee(user, invitation_id) -> Invitation:
    """Only the invited person answers an invitation: anyone else gets a 404."""
    return get_object_or_404(
        Invitation.objects.filter(email__iexact=user.email).select_related("structure", "region", "invited_by"),
        pk=invitation_id,
    )


@login_required
def invitation_link(request, token):
    """The link of the invitation e-mail; after log-in or sign-up it leads to the answer page."""
    invitation = Invitation.objects.filter(token_hash=hash_token(token), email__iexact=request.user.email).first()
    if invitation is None:
        raise Http404("Invitation inconnue, ou adressée à une autre adresse e-mail que celle de votre compte.")
    return redirect("portal:invitation_respond", invitation_id=invitation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_respond(request, invitation_id):
    invitation = _get_invitation_for_invitee(request.user, invitation_id)
    needs_identity = (
        invitation.role == Role.PROFESSIONAL and not Professional.objects.filter(user=request.user).exists()
    )
    form = ProfessionalForm(request.POST or None, prefix="pro") if needs_identity else None
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "decline":
                services.invitation_decline(invitation=invitation, user=request.user)
                messages.info(request, "Vous avez décliné l'invitation.")
                return redirect("reporting:home")
            if form is not None and not form.is_valid():
                raise ApplicationError("Corrigez votre identité professionnelle ci-dessous.")
            services.invitation_accept(
                invitation=invitation,
                user=request.user,
                professional=form.cleaned_data if form is not None else None,
            )
            messages.success(
                request, f"Vous êtes désormais {invitation.get_role_display().lower()} : {invitation.target}."
            )
            return redirect("reporting:home")
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(
        request,
        "portal/invitation_respond.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )
