"""The menu each role sees. Links only: every view checks permissions on its own.

The staff menu is a few groups (dropdowns) so that the top bar fits on one line at 1366 px in
Chinese and in English, for the organization admin who sees the most. To add a page, add one
``_link(...)`` to the group it belongs to in ``menu_for`` (with the check that decides who sees
it); a new group is one more ``_group(key, label, icon, [links])``. A group left with one link
is shown as that link, and a group with none is dropped, so a role's menu holds only what it
can open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.accounts.decorators import may_manage_settings
from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str  # empty for a group
    icon: str
    active: bool = False
    children: tuple[NavItem, ...] = ()
    key: str = ""  # a group's name for tests and styles ("service", "customers", …)

    @property
    def is_group(self) -> bool:
        return bool(self.children)


def _link(label: str | Promise, url_name: str, icon: str) -> NavItem:
    return NavItem(label=label, url=reverse(url_name), icon=icon)


def _group(key: str, label: str | Promise, icon: str, children: list[NavItem]) -> NavItem | None:
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return NavItem(label=label, url="", icon=icon, children=tuple(children), key=key)


def _staff_menu(user: Any) -> list[NavItem | None]:
    service: list[NavItem] = []
    customers: list[NavItem] = []
    products: list[NavItem] = []
    reports: list[NavItem] = []
    settings: list[NavItem] = []
    top: list[NavItem | None] = [_link(_("工作台"), "home", "bi-speedometer2")]
    if can(user, Cap.WORK_VISITS):
        top.append(_link(_("今日任务"), "dispatch:tech-today", "bi-signpost-2"))
    if can(user, Cap.VIEW_CUSTOMERS):
        service.append(_link(_("服务单"), "service:queue", "bi-card-checklist"))
        customers += [
            _link(_("客户"), "customers:list", "bi-people"),
            _link(_("机器"), "customers:units", "bi-upc-scan"),
        ]
    if can(user, Cap.CHECK_ENTITLEMENT):
        service += [
            _link(_("退换货"), "entitlement:rma-list", "bi-arrow-left-right"),
            _link(_("权益查询"), "entitlement:check", "bi-shield-check"),
        ]
    if can(user, Cap.IMPORT_DATA):
        customers.append(_link(_("导入"), "customers:imports", "bi-upload"))
    if can(user, Cap.VIEW_CATALOG):
        products += [
            _link(_("产品型号"), "catalog:models", "bi-grid"),
            _link(_("备件"), "catalog:parts", "bi-gear"),
        ]
    if can(user, Cap.ASSIGN_JOBS):
        top.append(_link(pgettext_lazy("navigation", "派单"), "dispatch:board", "bi-kanban"))
    if can(user, Cap.VIEW_SLA_REPORTS):
        reports.append(_link(_("服务时效"), "sla:report", "bi-stopwatch"))
    if may_manage_settings(user):
        # API tokens, users, webhooks… are sections of the settings area.
        settings.append(_link(_("设置"), "settings:index", "bi-sliders"))
    top[1:1] = [
        _group("service", pgettext_lazy("navigation", "服务"), "bi-card-checklist", service),
        _group("customers", pgettext_lazy("navigation", "客户"), "bi-people", customers),
        _group("products", pgettext_lazy("navigation", "产品"), "bi-grid", products),
    ]
    top += [
        _group("reports", pgettext_lazy("navigation", "报表"), "bi-bar-chart", reports),
        _group("settings", pgettext_lazy("navigation", "设置"), "bi-sliders", settings),
    ]
    return top


def _customer_menu() -> list[NavItem | None]:
    return [
        _link(_("我的产品"), "portal:home", "bi-box-seam"),
        _link(_("退换货与保修"), "entitlement_portal:returns", "bi-arrow-left-right"),
        _link(_("我的服务单"), "portal_requests:list", "bi-card-checklist"),
        _link(_("报修"), "portal_requests:new", "bi-wrench-adjustable"),
    ]


def _mark_active(items: list[NavItem], current: str | None) -> list[NavItem]:
    out = []
    for item in items:
        if item.children:
            children = tuple(_mark_active(list(item.children), current))
            out.append(
                NavItem(
                    label=item.label,
                    url="",
                    icon=item.icon,
                    children=children,
                    key=item.key,
                    active=any(c.active for c in children),
                )
            )
        else:
            out.append(NavItem(label=item.label, url=item.url, icon=item.icon, active=item.url == current))
    return out


def _urls(items: list[NavItem]) -> list[str]:
    return [u for item in items for u in ([c.url for c in item.children] if item.children else [item.url])]


def menu_for(user: Any, path: str) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    entries = _customer_menu() if user.role == Role.CUSTOMER else _staff_menu(user)
    items = [item for item in entries if item is not None]
    # The longest matching link is the active one: /portal/requests/new/ is 报修, not 我的产品.
    matches = [url for url in _urls(items) if path == url or (url != "/" and path.startswith(url))]
    return _mark_active(items, max(matches, key=len, default=None))
