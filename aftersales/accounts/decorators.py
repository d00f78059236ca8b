"""View decorators for the organization's settings area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from aftersales.accounts.roles import Cap, can


def may_manage_settings(user: Any) -> bool:
    return can(user, Cap.MANAGE_SETTINGS) and getattr(user, "organization_id", None) is not None


def settings_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, an admin of an organization (``Cap.MANAGE_SETTINGS``); anyone else gets 404,
    so the settings area's pages do not even exist for other roles."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_manage_settings(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
