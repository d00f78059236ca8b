"""Webhooks delivered over real HTTP to a local receiver: signed, identified, retried, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.notifications import channels, outbox
from aftersales.notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription

pytestmark = pytest.mark.django_db

SECRET = "whsec-test-123"


@pytest.fixture
def subscription(org_a, receiver):
    return WebhookSubscription.objects.create(organization=org_a, url=receiver.url, secret=SECRET)


def _queue(org, key: str = "request:7:v2:status", event: str = "request.status_changed") -> OutboxMessage:
    assert (
        outbox.queue_webhooks(
            organization=org,
            event=event,
            key=key,
            data={"number": "SR-2026-000007", "status": "accepted", "备注": "已受理"},
        )
        == 1
    )
    return OutboxMessage.objects.get(channel="webhook", dedupe_key__contains=key)


def _make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_is_signed_over_timestamp_and_body(org_a, receiver, subscription):
    message = _queue(org_a)
    assert outbox.deliver_due() == 1
    [got] = receiver.received
    assert got.path == "/hooks/aftersales"
    assert got.headers["Content-Type"] == "application/json"
    # the body is the event, as JSON (UTF-8, not escaped)
    event = json.loads(got.body)
    assert event["event"] == "request.status_changed"
    assert event["data"] == {"number": "SR-2026-000007", "status": "accepted", "备注": "已受理"}
    assert "已受理".encode() in got.body
    # the event id header is the event's id, stable for the receiver to deduplicate on
    assert got.headers["X-Aftersales-Event-Id"] == event["id"] == message.payload["id"]
    # the signature is HMAC-SHA256 with the subscription's secret over "timestamp.body"
    timestamp = got.headers["X-Aftersales-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = (
        "sha256="
        + hmac.new(SECRET.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256).hexdigest()
    )
    assert got.headers["X-Aftersales-Signature"] == expected == channels.sign(SECRET, timestamp, got.body)
    # a receiver checking with another secret, or another timestamp, would refuse it
    assert channels.sign("other", timestamp, got.body) != expected
    assert channels.sign(SECRET, str(int(timestamp) + 1), got.body) != expected
    # and the try is logged
    attempt = DeliveryAttempt.objects.get(message=message)
    assert (attempt.ok, attempt.status_code) == (True, 200)
    assert '"ok": true' in attempt.response_excerpt
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at is not None


def test_a_receiver_answering_500_is_retried_with_backoff_then_given_up(org_a, receiver, subscription):
    receiver.default = 500
    message = _queue(org_a)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        before = timezone.now()
        assert outbox.deliver_due() == 0
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == "HTTP 500"
        assert len(receiver.received) == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert message.status == "pending"
            # the wait doubles: 30 s, 1 min, 2 min …
            assert outbox.backoff(attempt) == timedelta(seconds=30 * 2 ** (attempt - 1))
            wait = message.next_attempt_at - before
            assert outbox.backoff(attempt) <= wait < outbox.backoff(attempt) + timedelta(seconds=5)
            # not again before the wait is over
            assert outbox.deliver_due() == 0 and len(receiver.received) == attempt
            _make_due(message)
    assert message.status == "failed"
    # every try is in the log, with what the receiver said
    attempts = DeliveryAttempt.objects.filter(message=message)
    assert attempts.count() == outbox.MAX_ATTEMPTS
    assert set(attempts.values_list("ok", "status_code")) == {(False, 500)}
    assert "receiver is down" in attempts.first().response_excerpt
    # the same event id every time, so a receiver that did process one can drop the rest
    assert len({r.headers["X-Aftersales-Event-Id"] for r in receiver.received}) == 1
    # a failed message is not tried again
    _make_due(message)
    assert outbox.deliver_due() == 0 and len(receiver.received) == outbox.MAX_ATTEMPTS


def test_a_receiver_that_recovers_gets_the_event(org_a, receiver, subscription):
    receiver.answers = [500, 503]
    message = _queue(org_a)
    assert outbox.deliver_due() == 0
    _make_due(message)
    assert outbox.deliver_due() == 0
    _make_due(message)
    assert outbox.deliver_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 3)
    assert list(
        DeliveryAttempt.objects.filter(message=message).order_by("id").values_list("status_code", flat=True)
    ) == [500, 503, 200]


def test_a_receiver_answering_garbage_is_a_failed_try(org_a, receiver, subscription, mailoutbox):
    receiver.answers = ["garbage"]
    message = _queue(org_a)
    outbox.queue_email(organization=org_a, key="k", to="a@example.com", subject="s", body="b")
    assert outbox.deliver_due() == 1  # the email still goes out
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 1
    assert "BadStatusLine" in message.last_error
    assert len(mailoutbox) == 1


def test_an_unreachable_receiver_is_a_failed_try(org_a):
    # a port nothing listens on (the receiver fixture's server is not started here)
    WebhookSubscription.objects.create(organization=org_a, url="http://127.0.0.1:9/hook", secret=SECRET)
    message = _queue(org_a)
    assert outbox.deliver_due() == 0
    attempt = DeliveryAttempt.objects.get(message=message)
    assert attempt.ok is False and attempt.status_code is None and attempt.error


def test_subscriptions_get_only_the_events_they_asked_for(org_a, org_b, receiver):
    WebhookSubscription.objects.create(
        organization=org_a, url=receiver.url, secret=SECRET, events=["request.created"]
    )
    WebhookSubscription.objects.create(
        organization=org_a, url=receiver.url + "/off", secret=SECRET, is_active=False
    )
    WebhookSubscription.objects.create(organization=org_b, url=receiver.url + "/b", secret=SECRET)
    assert outbox.queue_webhooks(organization=org_a, event="request.status_changed", key="x", data={}) == 0
    assert outbox.queue_webhooks(organization=org_a, event="request.created", key="y", data={}) == 1
    outbox.deliver_due()
    assert [r.path for r in receiver.received] == ["/hooks/aftersales"]


def test_a_subscription_disabled_after_queueing_is_not_called(org_a, receiver, subscription):
    message = _queue(org_a)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    assert outbox.deliver_due() == 0
    assert receiver.received == []
    message.refresh_from_db()
    assert "disabled" in message.last_error
