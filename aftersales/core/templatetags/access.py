"""The template side of ``accounts.roles``: ``{% if user|can:"export_data" %}`` asks the same table as
the views' decorators, so a page shows only the buttons and links whose pages the user may open."""

from __future__ import annotations

from typing import Any

from django import template

from aftersales.accounts.roles import Cap
from aftersales.accounts.roles import can as role_can

register = template.Library()


@register.filter
def can(user: Any, cap: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False  # a template rendered for no one (an e-mail, a test) offers no actions
    return role_can(user, Cap(cap))
