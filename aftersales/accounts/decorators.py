"""The view decorators: every console, portal and settings page says here who may open it.

A page outside a user's work answers 404, like an object outside their reach, so nobody learns
that it exists. The rules read ``accounts.roles``; templates ask the same table with
``user|can:"…"`` so they offer only the pages these decorators let through.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can

V = TypeVar("V", bound=Callable[..., Any])


def _only(allowed: Callable[[Any], bool]) -> Callable[[V], V]:
    def decorator(view: V) -> V:
        @wraps(view)
        @login_required
        def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> Any:
            if not allowed(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require(cap: Cap) -> Callable[[V], V]:
    """Signed in and holding ``cap``."""
    return _only(lambda user: can(user, cap))


def is_customer(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.CUSTOMER)


def is_technician(user: Any) -> bool:
    """A technician with an active working profile (a deactivated one has no day to work)."""
    if not can(user, Cap.WORK_VISITS):
        return False
    profile = getattr(user, "technician_profile", None)  # reverse one-to-one of dispatch.Technician
    return profile is not None and profile.is_active


def may_manage_settings(user: Any) -> bool:
    return can(user, Cap.MANAGE_SETTINGS) and getattr(user, "organization_id", None) is not None


def customer_required(view: V) -> V:
    """Portal pages are for customers; staff get 404 like for anything outside their work."""
    return _only(is_customer)(view)


def technician_required(view: V) -> V:
    """The technician's phone pages. A technician account whose profile the admin has not made
    (or has taken off duty) is told so on a page of its own rather than shown 404."""

    @wraps(view)
    @login_required
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> Any:
        if is_technician(request.user):
            return view(request, *args, **kwargs)
        if can(request.user, Cap.WORK_VISITS):
            profile = getattr(request.user, "technician_profile", None)
            return render(request, "accounts/no_technician_profile.html", {"profile": profile})
        raise Http404

    return wrapped  # type: ignore[return-value]


def settings_admin_required(view: V) -> V:
    """Signed in, an admin of an organization (``Cap.MANAGE_SETTINGS``): the settings area's pages."""
    return _only(may_manage_settings)(view)
