"""Settings pages for webhook subscriptions: list, create, edit, disable, rotate the secret, test
send and the delivery log. Thin: forms in, services out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
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
from aftersales.core.htmx import htmx_partial
from aftersales.notifications import events, services
from aftersales.notifications.forms import WebhookForm
from aftersales.notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription

LOG_PAGE = 20


def _org_subscriptions(request: AuthedRequest) -> Any:
    return WebhookSubscription.objects.filter(organization_id=settings_org_id(request))


def _form_data(form: WebhookForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {"url": data["url"], "all_events": data["all_events"], "events_": list(data["events"])}


@settings_admin_required
def webhook_list(request: AuthedRequest) -> HttpResponse:
    subs = (
        _org_subscriptions(request)
        .order_by("-is_active", "url")
        .annotate(
            sent=Count("outbox", filter=Q(outbox__status=OutboxMessage.Status.SENT)),
            failed=Count("outbox", filter=Q(outbox__status=OutboxMessage.Status.FAILED)),
            pending=Count("outbox", filter=Q(outbox__status=OutboxMessage.Status.PENDING)),
            last_at=Max("outbox__created_at"),
        )
    )
    rows = [
        {"sub": s, "hint": services.secret_hint(s.secret), "events": [events.label_of(c) for c in s.events]}
        for s in subs
    ]
    return render(request, "notifications/settings/list.html", settings_context("webhooks") | {"rows": rows})


def _detail(
    request: AuthedRequest,
    sub: WebhookSubscription,
    *,
    secret: str | None = None,
    form: WebhookForm | None = None,
    status: int = 200,
) -> HttpResponse:
    qs = (
        OutboxMessage.objects.filter(subscription=sub)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("deliveries", queryset=DeliveryAttempt.objects.order_by("-attempted_at")))
    )
    page = Paginator(qs, LOG_PAGE).get_page(request.GET.get("page"))
    log = [
        {
            "message": m,
            "event": m.payload.get("event", ""),
            "event_label": events.label_of(m.payload.get("event", "")),
            "attempts": list(m.deliveries.all()),
        }
        for m in page
    ]
    context = settings_context("webhooks") | {
        "sub": sub,
        "hint": services.secret_hint(sub.secret),
        "secret": secret,
        "form": form
        or WebhookForm(
            editing=True,
            initial={
                "url": sub.url,
                "all_events": not sub.events,
                "events": sub.events,
                "is_active": sub.is_active,
            },
        ),
        "page": page,
        "log": log,
        "pending": any(m.status == OutboxMessage.Status.PENDING for m in page),
    }
    if htmx_partial(request) and request.GET.get("part") == "log":
        return render(request, "notifications/settings/_log.html", context)
    return render(request, "notifications/settings/detail.html", context, status=status)


@settings_admin_required
def webhook_create(request: AuthedRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sub, secret = services.webhook_create(
                organization=settings_org(request), actor=settings_actor(request), **_form_data(form)
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            # The secret is shown on this answer only: it is stored for signing, never shown again.
            messages.success(request, _("订阅已创建。"))
            return _detail(request, sub, secret=secret, status=201)
    return render(
        request,
        "notifications/settings/create.html",
        settings_context("webhooks") | {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@settings_admin_required
def webhook_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    sub = get_or_404(_org_subscriptions(request), pk=pk)
    if request.method != "POST":
        return _detail(request, sub)
    form = WebhookForm(request.POST, editing=True)
    if form.is_valid():
        try:
            services.webhook_update(
                subscription=sub,
                actor=settings_actor(request),
                is_active=form.cleaned_data["is_active"],
                **_form_data(form),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("订阅已保存。"))
            return redirect("webhooks:detail", pk=sub.pk)
    return _detail(request, sub, form=form, status=422)


@settings_admin_required
@require_POST
def webhook_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    sub = get_or_404(_org_subscriptions(request), pk=pk)
    active = request.POST.get("active") == "1"
    services.webhook_set_active(subscription=sub, actor=settings_actor(request), active=active)
    messages.success(request, _("订阅已启用。") if active else _("订阅已停用，不再推送。"))
    return redirect("webhooks:detail", pk=sub.pk)


@settings_admin_required
@require_POST
def webhook_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    sub = get_or_404(_org_subscriptions(request), pk=pk)
    sub, secret = services.webhook_rotate_secret(subscription=sub, actor=settings_actor(request))
    messages.success(request, _("已生成新密钥，旧密钥立即失效。"))
    return _detail(request, sub, secret=secret)


@settings_admin_required
@require_POST
def webhook_test(request: AuthedRequest, pk: int) -> HttpResponse:
    sub = get_or_404(_org_subscriptions(request), pk=pk)
    try:
        services.webhook_test(subscription=sub, actor=settings_actor(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("测试消息已排队，后台任务会在几秒内发送，结果见下方投递记录。"))
    return redirect("webhooks:detail", pk=sub.pk)
