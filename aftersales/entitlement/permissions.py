"""Who may do what with entitlements and returns: one table, read by services and views."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from aftersales.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User


class Act(StrEnum):
    CHECK = "check"  # look up what a unit is entitled to
    DECIDE_RETURNS = "decide_returns"  # approve, reject, refund, exchange
    HANDLE_GOODS = "handle_goods"  # receive and inspect returned goods
    QUOTE = "quote"  # build and send repair quotes
    SELL_WARRANTY = "sell_warranty"  # extended-warranty contracts and claims
    RECORD_FACTS = "record_facts"  # a unit's voucher and use, a repair's 三包 facts


_ALL = frozenset(Act)
ACTS: dict[str, frozenset[Act]] = {
    Role.AGENT: _ALL,
    Role.ORG_ADMIN: _ALL,
    Role.PLATFORM_ADMIN: _ALL,
    Role.TECHNICIAN: frozenset({Act.CHECK, Act.HANDLE_GOODS, Act.QUOTE, Act.RECORD_FACTS}),
    Role.PARTS_MANAGER: frozenset({Act.CHECK, Act.HANDLE_GOODS}),
    Role.DISPATCHER: frozenset({Act.CHECK}),
    Role.QUALITY_MANAGER: frozenset({Act.CHECK}),
    Role.CUSTOMER: frozenset(),
}


def may(user: User | AnonymousUser | None, act: Act) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return act in ACTS.get(user.role, frozenset())  # type: ignore[union-attr]
