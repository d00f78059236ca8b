"""Settings pages for canned replies (快捷回复). Thin: forms in, services out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.settings_area import settings_context
from aftersales.accounts.settings_request import settings_actor, settings_org, settings_org_id
from aftersales.core.errors import ServiceError
from aftersales.service import canned
from aftersales.service.forms import CannedReplyForm
from aftersales.service.models import CannedReply


def _org_replies(request: AuthedRequest) -> Any:
    return CannedReply.objects.filter(organization_id=settings_org_id(request))


@settings_admin_required
def canned_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = _org_replies(request).order_by("title")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return render(
        request,
        "service/settings/canned_list.html",
        settings_context("canned_replies") | {"replies": qs, "q": q},
    )


@settings_admin_required
def canned_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    reply = get_or_404(_org_replies(request), pk=pk) if pk is not None else None
    initial = {"title": reply.title, "body": reply.body} if reply else {}
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if reply is None:
                canned.canned_create(
                    organization=settings_org(request),
                    actor=settings_actor(request),
                    title=data["title"],
                    body=data["body"],
                )
            else:
                canned.canned_update(
                    reply=reply, actor=settings_actor(request), title=data["title"], body=data["body"]
                )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("快捷回复已保存。"))
            return redirect("canned:list")
    return render(
        request,
        "service/settings/canned_edit.html",
        settings_context("canned_replies")
        | {
            "reply": reply,
            "form": form,
            "placeholders": canned.PLACEHOLDERS,
        },
        status=422 if request.method == "POST" else 200,
    )


@settings_admin_required
@require_POST
def canned_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    reply = get_or_404(_org_replies(request), pk=pk)
    canned.canned_delete(reply=reply, actor=settings_actor(request))
    messages.success(request, _("快捷回复已删除。"))
    return redirect("canned:list")
