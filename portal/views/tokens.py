from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.forms import ApiTokenForm
from portal.models import ApiToken
from portal.tokens import api_token_create, api_token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """My API tokens: create one (its key is shown once, on this response only), see and revoke the others."""
    form = ApiTokenForm(request.POST or None)
    raw_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw_key = api_token_create(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Le jeton « {token.name} » est créé. Copiez sa clé maintenant.")
            form = ApiTokenForm()
    tokens = ApiToken.objects.visible_to(request.user).order_by("-created_at")
    return render(
        request,
        "portal/api_tokens.html",
        {"form": form, "tokens": tokens, "raw_key": raw_key},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request, api_token_id):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=api_token_id)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Le jeton « {token.name} » est révoqué.")
    return redirect("portal:api_tokens")
