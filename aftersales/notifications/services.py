"""Webhook subscriptions as the organization admin manages them: each write in one transaction
with its line on the settings log (never the secret)."""

from __future__ import annotations

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Organization, User
from aftersales.accounts.settings_log import settings_change_log
from aftersales.core.errors import Conflict, InvalidInput
from aftersales.notifications import events, outbox
from aftersales.notifications.models import OutboxMessage, WebhookSubscription

AREA = "webhooks"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret
URL_SCHEMES = ("http", "https")
_url_validator = URLValidator(schemes=list(URL_SCHEMES))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    """What the pages show of a secret: enough to tell two apart, never enough to sign."""
    return f"{SECRET_PREFIX}…{secret[-4:]}" if len(secret) > 12 else "…"


def _clean(*, url: str, all_events: bool, chosen: list[str]) -> tuple[str, list[str]]:
    errors: dict[str, str] = {}
    url = url.strip()
    try:
        _url_validator(url)
    except ValidationError:
        errors["url"] = _("请输入以 http:// 或 https:// 开头的完整地址。")
    if len(url) > 500:
        errors["url"] = _("地址不能超过 500 个字符。")
    wanted: list[str] = []
    if not all_events:
        unknown = set(chosen) - set(events.CODES)
        if unknown:
            errors["events"] = _("未知事件：%(names)s") % {"names": ", ".join(sorted(unknown))}
        elif not chosen:
            errors["events"] = _("请至少勾选一个事件，或选择全部事件。")
        wanted = [code for code in events.CODES if code in chosen]  # in the catalogue's order
    if errors:
        raise InvalidInput(errors)
    return url, wanted


def _detail(sub: WebhookSubscription) -> dict[str, object]:
    return {"url": sub.url, "events": list(sub.events) or "*", "is_active": sub.is_active}


def webhook_create(
    *, organization: Organization, actor: User, url: str, all_events: bool, events_: list[str]
) -> tuple[WebhookSubscription, str]:
    """A new active subscription with a generated secret; returns it and the secret, shown once."""
    url, wanted = _clean(url=url, all_events=all_events, chosen=events_)
    secret = new_secret()
    with transaction.atomic():
        sub = WebhookSubscription.objects.create(
            organization=organization, url=url, secret=secret, events=wanted
        )
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA,
            action="created",
            target=sub.url,
            detail={k: [None, v] for k, v in _detail(sub).items()},
        )
    return sub, secret


def webhook_update(
    *,
    subscription: WebhookSubscription,
    actor: User,
    url: str,
    all_events: bool,
    events_: list[str],
    is_active: bool,
) -> WebhookSubscription:
    url, wanted = _clean(url=url, all_events=all_events, chosen=events_)
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        before = _detail(locked)
        locked.url, locked.events, locked.is_active = url, wanted, is_active
        locked.save(update_fields=["url", "events", "is_active"])
        after = _detail(locked)
        if before != after:
            settings_change_log(
                organization=locked.organization,
                actor=actor,
                area=AREA,
                action="changed",
                target=locked.url,
                detail={k: [before[k], after[k]] for k in after if before[k] != after[k]},
            )
    return locked


def webhook_set_active(
    *, subscription: WebhookSubscription, actor: User, active: bool
) -> WebhookSubscription:
    """Disable (nothing more is queued for it, and what is queued is not sent) or enable again."""
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            settings_change_log(
                organization=locked.organization,
                actor=actor,
                area=AREA,
                action="enabled" if active else "disabled",
                target=locked.url,
                detail={"is_active": [not active, active]},
            )
    return locked


def webhook_rotate_secret(
    *, subscription: WebhookSubscription, actor: User
) -> tuple[WebhookSubscription, str]:
    """A new secret, effective for every delivery from now on (retries of queued ones included);
    returns it, shown once."""
    secret = new_secret()
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.secret = secret
        locked.save(update_fields=["secret"])
        settings_change_log(
            organization=locked.organization,
            actor=actor,
            area=AREA,
            action="secret_rotated",
            target=locked.url,
            detail=None,
        )
    return locked, secret


def webhook_test(*, subscription: WebhookSubscription, actor: User) -> OutboxMessage:
    """Queue a signed ``ping`` to this subscription through the outbox; the delivery job sends it
    like any event, and its attempts show in the subscription's log."""
    if not subscription.is_active:
        raise Conflict(_("订阅已停用：请先启用再测试。"))
    sent_at = timezone.now()
    key = f"ping:{uuid.uuid4().hex}"
    with transaction.atomic():
        message = outbox.queue_webhook(
            subscription=subscription,
            event=events.PING,
            key=key,
            data={"subscription": subscription.pk, "sent_by": actor.username, "sent_at": sent_at.isoformat()},
        )
        assert message is not None  # a fresh key
        settings_change_log(
            organization=subscription.organization,
            actor=actor,
            area=AREA,
            action="sent",
            target=subscription.url,
            detail={"event": [None, events.PING]},
        )
    return message
