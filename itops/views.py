from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from itops import selectors, services
from itops.errors import DomainError
from itops.forms import ApiTokenForm
from itops.health import readiness
from itops.models import ApiToken
from itops.roles import is_staff_member


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    report = readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@login_required
def home(request):
    if is_staff_member(request.user):
        return redirect("servicedesk:desk")
    return redirect("servicedesk:portal")


@login_required
def account(request):
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_secret = services.create_api_token(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Token {token.name} created. Copy it now: it is shown once.")
            form = ApiTokenForm()
    return render(
        request,
        "itops/account.html",
        {
            "form": form,
            "new_secret": new_secret,
            "tokens": selectors.api_tokens_of(user=request.user),
        },
    )


@login_required
@require_POST
def revoke_token(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token=token, by=request.user)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("account")
