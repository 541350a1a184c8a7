from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal import services
from portal.federation.client import federated_connections, linkable_providers
from portal.forms import AccountForm, ProfessionalForm
from portal.mfa import has_totp
from portal.models import Invitation, Professional


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """My account: name and phone, professional identity, second factor, pending invitations."""
    professional = Professional.objects.filter(user=request.user).first()
    account_form = AccountForm(request.POST if "account" in request.POST else None, instance=request.user)
    professional_form = ProfessionalForm(
        request.POST if "professional" in request.POST else None, instance=professional, prefix="pro"
    )
    if request.method == "POST":
        if "account" in request.POST and account_form.is_valid():
            account_form.save()
            messages.success(request, "Vos coordonnées sont enregistrées.")
            return redirect("portal:account")
        if "professional" in request.POST and professional_form.is_valid():
            try:
                services.professional_save(user=request.user, **professional_form.cleaned_data)
            except ValidationError as error:
                professional_form.add_error(None, error)
            else:
                messages.success(request, "Votre identité professionnelle est enregistrée.")
                return redirect("portal:account")
    invitations = (
        Invitation.objects.pending()
        .filter(email__iexact=request.user.email)
        .select_related("structure", "region", "invited_by")
    )
    return render(
        request,
        "portal/account.html",
        {
            "account_form": account_form,
            "professional_form": professional_form,
            "professional": professional,
            "invitations": invitations,
            "has_totp": has_totp(request.user),
            "federated": federated_connections(request.user),
            "linkable_providers": linkable_providers(request),
        },
        status=400 if request.method == "POST" else 200,
    )


def accessibility(request):
    return render(request, "portal/accessibility.html")


def legal(request):
    return render(request, "portal/legal.html")
