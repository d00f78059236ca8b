"""The menu each role sees. Links only: every view checks permissions on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.decorators import may_manage_settings
from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can
from aftersales.sla.reports import can_view_reports as can_view_sla_reports


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    icon: str
    active: bool


def menu_for(user: Any, path: str) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    entries: list[tuple[Promise, str, str]] = []
    if user.role == Role.CUSTOMER:
        entries.append((_("我的产品"), reverse("portal:home"), "bi-box-seam"))
        entries.append((_("退换货与保修"), reverse("entitlement_portal:returns"), "bi-arrow-left-right"))
        entries.append((_("我的服务单"), reverse("portal_requests:list"), "bi-card-checklist"))
        entries.append((_("报修"), reverse("portal_requests:new"), "bi-wrench-adjustable"))
    else:
        entries.append((_("工作台"), reverse("home"), "bi-speedometer2"))
        if user.role == Role.TECHNICIAN:
            entries.append((_("今日任务"), reverse("dispatch:tech-today"), "bi-signpost-2"))
        if user.role in (Role.DISPATCHER, Role.ORG_ADMIN):
            entries.append((_("派单看板"), reverse("dispatch:board"), "bi-kanban"))
        if can(user, Cap.VIEW_CUSTOMERS):
            entries.append((_("服务单"), reverse("service:queue"), "bi-card-checklist"))
            entries.append((_("客户"), reverse("customers:list"), "bi-people"))
            entries.append((_("机器"), reverse("customers:units"), "bi-upc-scan"))
            entries.append((_("权益查询"), reverse("entitlement:check"), "bi-shield-check"))
            entries.append((_("退换货"), reverse("entitlement:rma-list"), "bi-arrow-left-right"))
        if can(user, Cap.VIEW_CATALOG):
            entries.append((_("产品型号"), reverse("catalog:models"), "bi-grid"))
            entries.append((_("备件"), reverse("catalog:parts"), "bi-gear"))
        if can_view_sla_reports(user):
            entries.append((_("服务时效"), reverse("sla:report"), "bi-stopwatch"))
        if can(user, Cap.IMPORT_DATA):
            entries.append((_("导入"), reverse("customers:imports"), "bi-upload"))
        if can(user, Cap.MANAGE_TOKENS) and user.organization_id is not None:  # tokens are an organization's
            entries.append((_("API 令牌"), reverse("accounts:tokens"), "bi-key"))
        if may_manage_settings(user):
            entries.append((_("设置"), reverse("settings:index"), "bi-sliders"))
    # The longest matching link is the active one: /portal/requests/new/ is 报修, not 我的产品.
    matches = [url for _label, url, _icon in entries if path == url or (url != "/" and path.startswith(url))]
    current = max(matches, key=len, default=None)
    items = []
    for label, url, icon in entries:
        active = url == current
        items.append(NavItem(label=label, url=url, icon=icon, active=active))
    return items
