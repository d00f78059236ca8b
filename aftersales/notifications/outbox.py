"""Writing to the outbox (inside the caller's transaction) and delivering from it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftersales.accounts import config
from aftersales.accounts.models import Organization
from aftersales.core.fastpath import reads
from aftersales.core.fastpath.rows import new as rows_new
from aftersales.core.fastpath.unit import current_unit
from aftersales.core.masking import mask_phone
from aftersales.notifications import channels
from aftersales.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    OutboxSettings,
    WebhookSubscription,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 h: a receiver that is down for a day still gets it."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


class _Sending:
    """Each organization's sending settings (``OutboxSettings``), read once per delivery run."""

    def __init__(self) -> None:
        self._found: dict[int, OutboxSettings | None] = {}

    def of(self, organization_id: int) -> OutboxSettings | None:
        if organization_id not in self._found:
            self._found[organization_id] = OutboxSettings.objects.filter(
                organization_id=organization_id
            ).first()
        return self._found[organization_id]

    def max_attempts(self, organization_id: int) -> int:
        found = self.of(organization_id)
        return found.max_attempts if found is not None else MAX_ATTEMPTS

    def backoff(self, organization_id: int, attempts: int) -> timedelta:
        found = self.of(organization_id)
        if found is None:
            return backoff(attempts)
        return timedelta(
            seconds=min(found.retry_first_seconds * 2 ** max(attempts - 1, 0), found.retry_max_hours * 3600)
        )


def _put(message: OutboxMessage) -> OutboxMessage | None:
    """Queue one message in its own savepoint; None when its dedupe key is queued already."""
    message.next_attempt_at = timezone.now()
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return None  # the same event was queued already
    return message


# Building messages without saving them, so that everything one event sends (an email, an SMS,
# a webhook per subscription) is written in one INSERT by ``put_all``: request intake does this on
# every create, and a savepoint and insert per message was a third of its SQL.


def email_message(
    *, organization: Organization, key: str, to: str, subject: str, body: str
) -> OutboxMessage | None:
    if not to:
        return None
    return rows_new(
        OutboxMessage,
        organization=organization,
        channel=OutboxMessage.Channel.EMAIL,
        dedupe_key=f"email:{key}",
        recipient=to,
        subject=subject,
        body=body,
    )


def sms_message(*, organization: Organization, key: str, phone: str, text: str) -> OutboxMessage | None:
    if not phone:
        return None
    return rows_new(
        OutboxMessage,
        organization=organization,
        channel=OutboxMessage.Channel.SMS,
        dedupe_key=f"sms:{key}",
        recipient=mask_phone(phone),
        recipient_phone=phone,
        body=text,
    )


@lru_cache(maxsize=1)
def _subscriptions_sql() -> str:
    table = connection.ops.quote_name(WebhookSubscription._meta.db_table)
    return (
        f"SELECT {reads.columns(WebhookSubscription, 'w')} FROM {table} w "  # noqa: S608
        "WHERE w.organization_id = %s AND w.is_active = %s ORDER BY w.id"
    )


def active_subscriptions(organization_id: int) -> list[WebhookSubscription]:
    """The organization's active webhook subscriptions. Every create and status change asks, so
    the SQL is written once (see ``aftersales.core.fastpath.reads``) rather than compiled each time."""
    with connection.cursor() as cursor:
        cursor.execute(_subscriptions_sql(), [organization_id, True])
        found = [reads.instance(WebhookSubscription, row) for row in cursor.fetchall()]
    return [sub for sub in found if sub is not None]


def webhook_messages(
    *, organization: Organization, event: str, key: str, data: dict[str, Any], at: str | None = None
) -> list[OutboxMessage]:
    """One message per active subscription of the organization that wants ``event``; ``at``: when
    it happened (ISO 8601), if not now."""
    subscriptions = config.cached(
        organization, "webhooks", lambda: (active_subscriptions(organization.pk), True)
    )
    return [
        webhook_message(organization=organization, subscription=sub, event=event, key=key, data=data, at=at)
        for sub in subscriptions
        if sub.wants(event)
    ]


def webhook_message(
    *,
    organization: Organization,
    subscription: WebhookSubscription,
    event: str,
    key: str,
    data: dict[str, Any],
    at: str | None = None,
) -> OutboxMessage:
    """The message delivering ``event`` to one subscription (not saved)."""
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}:{subscription.pk}"))
    payload = {"id": event_id, "event": event, "created_at": at or timezone.now().isoformat(), "data": data}
    return rows_new(
        OutboxMessage,
        organization=organization,
        channel=OutboxMessage.Channel.WEBHOOK,
        dedupe_key=f"webhook:{key}:{subscription.pk}",
        recipient=subscription.url,
        subscription=subscription,
        payload=payload,
    )


def queue_webhook(
    *, subscription: WebhookSubscription, event: str, key: str, data: dict[str, Any]
) -> OutboxMessage | None:
    """Queue ``event`` for this one subscription, whatever events it asked for (a test send);
    None when this key was queued already."""
    return _put(
        webhook_message(
            organization=subscription.organization, subscription=subscription, event=event, key=key, data=data
        )
    )


# Notices: one row standing for everything an event sends, written by the event's own
# transaction and turned into its messages (an email, an SMS, a webhook per subscription) by the
# delivery job. Creating a request writes one row instead of one per channel, and renders,
# encrypts and masks nothing: the job does, reading the customer's contact details as they are
# then. The messages keep the dedupe keys they had when written directly, so a notice expanded
# twice (a worker killed between the two) still queues each message once.

Expander = Callable[[OutboxMessage], Iterable["OutboxMessage | None"]]
_expanders: dict[str, Expander] = {}


def expands(source: str) -> Callable[[Expander], Expander]:
    """Register the function that turns notices from ``source`` (``payload["source"]``) into messages."""

    def register(expand: Expander) -> Expander:
        _expanders[source] = expand
        return expand

    return register


def notice(*, organization: Organization, source: str, key: str, label: str, **payload: Any) -> OutboxMessage:
    """A notice to expand later; ``label`` shows in the admin's recipient column (a request number)."""
    return rows_new(
        OutboxMessage,
        organization=organization,
        channel=OutboxMessage.Channel.NOTICE,
        dedupe_key=f"notice:{key}",
        recipient=label,
        payload={"source": source, "key": key, **payload},
    )


def expand_notices(*, limit: int = 200) -> int:
    """Turn the due notices into their messages; returns how many messages they stood for (those
    queued already, by an earlier try, are counted and skipped).

    Each notice is expanded in its own savepoint, together with marking it done, so a crash
    leaves it pending as a whole; one whose expansion fails is retried with the messages' backoff.
    """
    queued = 0
    now = timezone.now()
    sending = _Sending()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                channel=OutboxMessage.Channel.NOTICE,
                status=OutboxMessage.Status.PENDING,
                next_attempt_at__lte=now,
            )
            .select_related("organization")
            .order_by("next_attempt_at", "id")[:limit]
        )
        for item in due:
            item.attempts += 1
            try:
                with transaction.atomic():
                    expand = _expanders[item.payload.get("source", "")]
                    messages = [m for m in expand(item) if m is not None]
                    put_all(messages)
            except Exception as exc:
                log.exception("outbox notice failed to expand", extra={"outbox_id": item.pk})
                failed = item.attempts >= sending.max_attempts(item.organization_id)
                OutboxMessage.objects.filter(pk=item.pk).update(
                    attempts=item.attempts,
                    next_attempt_at=now + sending.backoff(item.organization_id, item.attempts),
                    status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
                    last_error=f"{type(exc).__name__}: {exc}",
                )
                continue
            OutboxMessage.objects.filter(pk=item.pk).update(
                attempts=item.attempts,
                status=OutboxMessage.Status.SENT,
                sent_at=now,
                last_error="",
            )
            queued += len(messages)
    return queued


def put_all(messages: Iterable[OutboxMessage | None]) -> None:
    """Queue the messages in one INSERT; one whose dedupe key is queued already is skipped.

    Inside a unit of work (``core.fastpath.unit``) they are added to it instead, written with
    its other new rows.
    """
    found = [m for m in messages if m is not None]
    if not found:
        return
    now = timezone.now()
    for message in found:
        message.next_attempt_at = now
    rows = current_unit()
    if rows is not None:
        rows.add(*found, ignore_conflicts=True)
    else:
        OutboxMessage.objects.bulk_create(found, ignore_conflicts=True)


def queue_email(
    *, organization: Organization, key: str, to: str, subject: str, body: str
) -> OutboxMessage | None:
    """Queue one email; None when there is no address or this key was queued already."""
    message = email_message(organization=organization, key=key, to=to, subject=subject, body=body)
    return None if message is None else _put(message)


def queue_sms(*, organization: Organization, key: str, phone: str, text: str) -> OutboxMessage | None:
    message = sms_message(organization=organization, key=key, phone=phone, text=text)
    return None if message is None else _put(message)


def queue_webhooks(*, organization: Organization, event: str, key: str, data: dict[str, Any]) -> int:
    """Queue ``event`` for every subscription that wants it; returns how many that is."""
    messages = webhook_messages(organization=organization, event=event, key=key, data=data)
    put_all(messages)
    return len(messages)


def _send(message: OutboxMessage, sending: OutboxSettings | None = None) -> channels.SendResult:
    if message.channel == OutboxMessage.Channel.EMAIL:
        if sending is not None and (sending.email_sender_name or sending.email_reply_to):
            return channels.send_email(
                to=message.recipient,
                subject=message.subject,
                body=message.body,
                sender_name=sending.email_sender_name,
                reply_to=sending.email_reply_to,
            )
        return channels.send_email(to=message.recipient, subject=message.subject, body=message.body)
    if message.channel == OutboxMessage.Channel.SMS:
        text = sending.signed(message.body) if sending is not None else message.body
        return channels.sms_gateway().send(phone=message.recipient_phone, text=text)
    sub = message.subscription
    if sub is None or not sub.is_active:
        return channels.SendResult(ok=False, error="subscription removed or disabled")
    return channels.post_webhook(
        url=sub.url, secret=sub.secret, event_id=message.payload.get("id", ""), payload=message.payload
    )


def deliver_due(*, limit: int = 200) -> int:
    """Expand the due notices, then deliver what is due (their messages included); returns how
    many were sent. Safe to run in several workers at once."""
    expand_notices(limit=limit)
    now = timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .exclude(channel=OutboxMessage.Channel.NOTICE)
        .select_related("subscription")
        .order_by("next_attempt_at", "id")[:limit]
    )
    sent = 0
    sending = _Sending()
    for message in due:
        # Claim by pushing the next attempt out; a concurrent worker's update then matches nothing.
        claimed = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxMessage.Status.PENDING, attempts=message.attempts
        ).update(
            attempts=message.attempts + 1,
            next_attempt_at=now + sending.backoff(message.organization_id, message.attempts + 1),
        )
        if not claimed:
            continue
        message.attempts += 1
        try:
            found = sending.of(message.organization_id)
            result = _send(message) if found is None else _send(message, found)
        except Exception as exc:
            # A receiver answering garbage (http.client.BadStatusLine) or a gateway bug: a failed
            # try like any other, not the end of this batch with the rest left unsent.
            log.exception("outbox send raised", extra={"outbox_id": message.pk, "channel": message.channel})
            result = channels.SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        DeliveryAttempt.objects.create(
            message=message,
            ok=result.ok,
            status_code=result.status_code,
            response_excerpt=result.response[:500],
            error=result.error,
            duration_ms=result.duration_ms,
        )
        if result.ok:
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
        elif message.attempts >= sending.max_attempts(message.organization_id):
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.FAILED, last_error=result.error
            )
            log.warning("outbox message gave up", extra={"outbox_id": message.pk, "channel": message.channel})
        else:
            OutboxMessage.objects.filter(pk=message.pk).update(last_error=result.error)
    return sent
