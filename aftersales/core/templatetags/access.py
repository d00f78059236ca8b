"""Template filters asking the same questions as the views' permission checks, so a page shows
only the buttons and links the user can use: ``{% if user|can:"export_data" %}`` (accounts.roles)
and ``{% if user|may:"decide_returns" %}`` (entitlement.permissions)."""

from __future__ import annotations

from typing import Any

from django import template

from aftersales.accounts.roles import Cap
from aftersales.accounts.roles import can as role_can
from aftersales.dispatch import selectors
from aftersales.entitlement.permissions import Act
from aftersales.entitlement.permissions import may as act_may

register = template.Library()


@register.filter
def can(user: Any, cap: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False  # a template rendered for no one (an e-mail, a test) offers no actions
    return role_can(user, Cap(cap))


@register.filter
def may(user: Any, act: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return act_may(user, Act(act))


@register.filter
def dispatch_role(user: Any, roles: str) -> bool:
    """``user|dispatch_role:"BOARD_ROLES"``: the dispatch views' role check (dispatch.selectors)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return selectors.role_in(user, getattr(selectors, roles))
