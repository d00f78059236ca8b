"""Writing to the outbox (inside the caller's transaction) and delivering from it."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from aftersales.accounts.models import Organization
from aftersales.core.masking import mask_phone
from aftersales.notifications import channels
from aftersales.notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 h: a receiver that is down for a day still gets it."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _put(**fields: Any) -> OutboxMessage | None:
    try:
        with transaction.atomic():
            return OutboxMessage.objects.create(next_attempt_at=timezone.now(), **fields)
    except IntegrityError:
        return None  # the same event was queued already


def queue_email(*, organization: Organization, key: str, to: str, subject: str, body: str) -> OutboxMessage | None:
    if not to:
        return None
    return _put(organization=organization, channel=OutboxMessage.Channel.EMAIL, dedupe_key=f"email:{key}",
                recipient=to, subject=subject, body=body)


def queue_sms(*, organization: Organization, key: str, phone: str, text: str) -> OutboxMessage | None:
    if not phone:
        return None
    return _put(organization=organization, channel=OutboxMessage.Channel.SMS, dedupe_key=f"sms:{key}",
                recipient=mask_phone(phone), recipient_phone=phone, body=text)


def queue_webhooks(*, organization: Organization, event: str, key: str, data: dict[str, Any]) -> int:
    queued = 0
    for sub in WebhookSubscription.objects.filter(organization=organization, is_active=True):
        if not sub.wants(event):
            continue
        event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}:{sub.pk}"))
        payload = {"id": event_id, "event": event, "created_at": timezone.now().isoformat(), "data": data}
        if _put(organization=organization, channel=OutboxMessage.Channel.WEBHOOK, dedupe_key=f"webhook:{key}:{sub.pk}",
                recipient=sub.url, subscription=sub, payload=payload):
            queued += 1
    return queued


def _send(message: OutboxMessage) -> channels.SendResult:
    if message.channel == OutboxMessage.Channel.EMAIL:
        return channels.send_email(to=message.recipient, subject=message.subject, body=message.body)
    if message.channel == OutboxMessage.Channel.SMS:
        return channels.sms_gateway().send(phone=message.recipient_phone, text=message.body)
    sub = message.subscription
    if sub is None or not sub.is_active:
        return channels.SendResult(ok=False, error="subscription removed or disabled")
    return channels.post_webhook(url=sub.url, secret=sub.secret, event_id=message.payload.get("id", ""),
                                 payload=message.payload)


def deliver_due(*, limit: int = 200) -> int:
    """Deliver what is due; returns how many were sent. Safe to run in several workers at once."""
    now = timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .select_related("subscription").order_by("next_attempt_at", "id")[:limit]
    )
    sent = 0
    for message in due:
        # Claim by pushing the next attempt out; a concurrent worker's update then matches nothing.
        claimed = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxMessage.Status.PENDING, attempts=message.attempts
        ).update(attempts=message.attempts + 1, next_attempt_at=now + backoff(message.attempts + 1))
        if not claimed:
            continue
        message.attempts += 1
        try:
            result = _send(message)
        except Exception as exc:
            # A receiver answering garbage (http.client.BadStatusLine) or a gateway bug: a failed
            # try like any other, not the end of this batch with the rest left unsent.
            log.exception("outbox send raised", extra={"outbox_id": message.pk, "channel": message.channel})
            result = channels.SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        DeliveryAttempt.objects.create(
            message=message, ok=result.ok, status_code=result.status_code,
            response_excerpt=result.response[:500], error=result.error, duration_ms=result.duration_ms,
        )
        if result.ok:
            OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.SENT, sent_at=timezone.now(), last_error="")
            sent += 1
        elif message.attempts >= MAX_ATTEMPTS:
            OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.FAILED, last_error=result.error)
            log.warning("outbox message gave up", extra={"outbox_id": message.pk, "channel": message.channel})
        else:
            OutboxMessage.objects.filter(pk=message.pk).update(last_error=result.error)
    return sent
