"""What each role may do. The one table every permission check reads."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from aftersales.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User


class Cap(StrEnum):
    VIEW_CUSTOMERS = "view_customers"
    EDIT_CUSTOMERS = "edit_customers"
    DELETE_CUSTOMERS = "delete_customers"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"
    VIEW_CATALOG = "view_catalog"
    EDIT_CATALOG = "edit_catalog"
    IMPORT_DATA = "import_data"
    EXPORT_DATA = "export_data"
    MANAGE_TOKENS = "manage_tokens"
    MANAGE_SETTINGS = "manage_settings"


_STAFF_READ = {Cap.VIEW_CUSTOMERS, Cap.VIEW_CATALOG}

CAPABILITIES: dict[str, frozenset[Cap]] = {
    Role.CUSTOMER: frozenset(),
    Role.AGENT: frozenset(_STAFF_READ | {Cap.EDIT_CUSTOMERS, Cap.REVEAL_PERSONAL_DATA, Cap.EXPORT_DATA}),
    Role.DISPATCHER: frozenset(_STAFF_READ | {Cap.REVEAL_PERSONAL_DATA}),
    Role.TECHNICIAN: frozenset(_STAFF_READ),
    Role.PARTS_MANAGER: frozenset(_STAFF_READ | {Cap.EDIT_CATALOG, Cap.EXPORT_DATA}),
    Role.QUALITY_MANAGER: frozenset(_STAFF_READ | {Cap.EXPORT_DATA}),
    Role.ORG_ADMIN: frozenset(set(Cap)),
    Role.PLATFORM_ADMIN: frozenset(set(Cap)),
}


def can(user: User | AnonymousUser, cap: Cap) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return cap in CAPABILITIES.get(user.role, frozenset())  # type: ignore[union-attr]
