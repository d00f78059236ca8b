"""The settings area's own pages: the index of sections and the settings log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.models import SettingsChange
from aftersales.accounts.settings_area import settings_context


@settings_admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings/index.html", settings_context(None))


@settings_admin_required
def settings_log(request: HttpRequest) -> HttpResponse:
    org_id: int = request.user.organization_id  # type: ignore[union-attr,assignment]
    changes = SettingsChange.objects.filter(organization_id=org_id).select_related("actor")
    area = request.GET.get("area", "").strip()
    if area:
        changes = changes.filter(area=area)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    context = settings_context("log") | {"page": page, "area": area}
    return render(request, "accounts/settings/log.html", context)
