"""First enrollment of a TOTP authenticator: a mailbox proof first, then allauth's activation page."""

from allauth.mfa.base.internal.flows import post_authentication
from allauth.mfa.totp.internal import flows as totp_flows
from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods
from django.views.generic.edit import FormView

from portal import mfa
from portal.errors import ApplicationError
from portal.forms import EnrollmentCodeForm


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrollment(request):
    """Step 1 of a first enrollment: send a one-time code to the account's mailbox, then check it."""
    if mfa.has_totp(request.user):
        return redirect("mfa_index")
    if mfa.enrollment_proof_is_fresh(request):
        return redirect("mfa_activate_totp")
    form = EnrollmentCodeForm(request.POST if "verify" in request.POST else None)
    send_error = None
    if request.method == "POST":
        if "send" in request.POST:
            try:
                mfa.enrollment_code_send(request=request)
            except ApplicationError as error:
                send_error = error.message
            else:
                messages.success(request, f"Un code vient d'être envoyé à {request.user.email}.")
                return redirect("portal:totp_enrollment")
        elif form.is_valid():
            try:
                mfa.enrollment_code_verify(request=request, code=form.cleaned_data["code"])
            except ApplicationError as error:
                form.add_error("code", error.message)
            else:
                return redirect("mfa_activate_totp")
    return render(
        request,
        "portal/totp_enrollment.html",
        {
            "form": form,
            "send_error": send_error,
            "code_pending": mfa.enrollment_code_pending(request),
            "required": mfa.mfa_required_for(request.user),
        },
        status=400 if form.errors or send_error else 200,
    )


@method_decorator(login_required, name="dispatch")
class TotpActivateView(ActivateTOTPView):
    """Step 2: allauth's activation (password confirmed, QR code, first TOTP code), only after a fresh mailbox proof.

    The code typed to activate is a use of the new authenticator: it is recorded as this session's second factor,
    as allauth records a TOTP login, and the mailbox proof is spent.
    """

    def dispatch(self, request, *args, **kwargs):
        if not mfa.has_totp(request.user) and not mfa.enrollment_proof_is_fresh(request):
            return redirect("portal:totp_enrollment")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        totp_auth, recovery_codes = totp_flows.activate_totp(self.request, form)
        self.did_generate_recovery_codes = bool(recovery_codes)
        post_authentication(self.request, totp_auth)
        mfa.enrollment_proof_consume(self.request)
        return FormView.form_valid(self, form)


totp_activate = TotpActivateView.as_view()
