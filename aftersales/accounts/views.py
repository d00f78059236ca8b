from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.access import get_or_404, scope
from aftersales.accounts.forms import TokenCreateForm
from aftersales.accounts.models import ApiToken
from aftersales.accounts.roles import Cap, can
from aftersales.accounts.tokens import token_create, token_revoke
from aftersales.core.start import start_url


def _require_tokens(request: HttpRequest) -> None:
    if not can(request.user, Cap.MANAGE_TOKENS) or request.user.organization_id is None:  # type: ignore[union-attr]
        raise Http404


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    _require_tokens(request)
    created_raw = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, created_raw = token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        form = TokenCreateForm()
    tokens = scope(ApiToken.objects.select_related("user"), request.user)
    return render(
        request, "accounts/tokens.html", {"tokens": tokens, "form": form, "created_raw": created_raw}
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_tokens(request)
    token = get_or_404(scope(ApiToken.objects.all(), request.user), pk=pk)
    token_revoke(token=token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:tokens")


class LoginView(auth_views.LoginView):
    """The login form; without a page asked for, each role lands where its work is."""

    def get_default_redirect_url(self) -> str:
        return start_url(self.request.user)
