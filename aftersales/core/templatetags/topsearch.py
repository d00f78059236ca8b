"""``{% load topsearch %}``: whether the top bar offers the console search to this user.

The same rule as the search page's own check (``service.search_views``): staff who may see
customers. The page checks again on the server; this only decides whether the box is drawn.
"""

from __future__ import annotations

from typing import Any

from django import template

from aftersales.accounts.roles import Cap, can

register = template.Library()


@register.filter
def can_search(user: Any) -> bool:
    return bool(user and can(user, Cap.VIEW_CUSTOMERS))
