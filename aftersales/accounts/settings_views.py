"""The settings area's own pages: the index of sections and the settings log."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.forms import SettingsLogFilterForm
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import SettingsChange
from aftersales.accounts.settings_area import sections, settings_context
from aftersales.accounts.settings_request import settings_org

# How the log names what was done; an action not listed here shows as written.
ACTIONS = {
    "created": _("新建"),
    "changed": _("修改"),
    "deleted": _("删除"),
    "sent": _("测试发送"),
    "revoked": _("吊销"),
    "invited": _("邀请"),
    "deactivated": _("停用"),
    "reactivated": _("恢复"),
    "enabled": _("启用"),
    "disabled": _("停用"),
    "secret_rotated": _("更换密钥"),
    "password_reset_sent": _("发送重置密码链接"),
}


@settings_admin_required
def settings_index(request: AuthedRequest) -> HttpResponse:
    return render(request, "accounts/settings/index.html", settings_context(None))


def _detail_rows(detail: Any) -> list[dict[str, Any]]:
    """A change's detail as rows: ``{"field": [before, after]}`` shows both sides, anything
    else its value."""
    if not isinstance(detail, dict):
        return [{"field": "", "value": detail}] if detail else []
    rows = []
    for field, value in detail.items():
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": field, "pair": True, "before": value[0], "after": value[1]})
        else:
            rows.append({"field": field, "pair": False, "value": value})
    return rows


@settings_admin_required
def settings_log(request: AuthedRequest) -> HttpResponse:
    org = settings_org(request)
    changes = SettingsChange.objects.filter(organization_id=org.pk).select_related("actor")
    labels = {s.key: s.label for s in sections()}
    # Areas the log holds that no section names (an app's sub-area) are offered too, as written.
    logged = (
        SettingsChange.objects.filter(organization_id=org.pk)
        .values_list("area", flat=True)
        .order_by()
        .distinct()
    )
    areas: list[tuple[str, object]] = list(labels.items())
    areas += [(key, key) for key in sorted(set(logged) - set(labels))]
    form = SettingsLogFilterForm(request.GET or None, organization=org, areas=areas)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["area"]:
            changes = changes.filter(area=data["area"])
        if data["actor"]:
            changes = changes.filter(actor=data["actor"])
        start, end = form.bounds()
        if start:
            changes = changes.filter(at__gte=start)
        if end:
            changes = changes.filter(at__lt=end)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "change": c,
            "area": labels.get(c.area, c.area),
            "action": ACTIONS.get(c.action, c.action),
            "detail": _detail_rows(c.detail),
        }
        for c in page
    ]
    context = settings_context("log") | {"page": page, "rows": rows, "form": form}
    return render(request, "accounts/settings/log.html", context)
