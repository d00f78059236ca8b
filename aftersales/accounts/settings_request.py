"""The admin and organization a settings page acts for, typed (``settings_admin_required`` has
checked that the user is an organization admin with an organization)."""

from __future__ import annotations

from django.http import HttpRequest

from aftersales.accounts.models import Organization, User


def settings_actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User) and user.organization_id is not None
    return user


def settings_org(request: HttpRequest) -> Organization:
    org = settings_actor(request).organization
    assert org is not None
    return org


def settings_org_id(request: HttpRequest) -> int:
    org_id = settings_actor(request).organization_id
    assert org_id is not None
    return org_id
