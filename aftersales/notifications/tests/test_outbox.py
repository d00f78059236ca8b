"""The outbox: queued once, delivered at least once, claimed by one worker, kept across restarts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.jobs import runner
from aftersales.jobs.registry import enqueue
from aftersales.notifications import outbox
from aftersales.notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription

pytestmark = pytest.mark.django_db


def _email(org, n: int = 1) -> OutboxMessage:
    message = outbox.queue_email(
        organization=org, key=f"test:{n}", to=f"c{n}@example.com", subject=f"主题{n}", body=f"正文{n}"
    )
    assert message is not None
    return message


def _make_due(message: OutboxMessage) -> None:
    """Stands in for the clock moving past the backoff, instead of sleeping through it."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_the_same_event_is_queued_once(org_a):
    first = outbox.queue_email(
        organization=org_a, key="request:1:created", to="a@example.com", subject="s", body="b"
    )
    again = outbox.queue_email(
        organization=org_a, key="request:1:created", to="a@example.com", subject="s", body="b"
    )
    assert first is not None and again is None
    assert OutboxMessage.objects.count() == 1


def test_a_duplicate_inside_a_transaction_does_not_break_it(org_a):
    # The duplicate's IntegrityError must stay inside its savepoint, or the caller's transaction
    # (a status change) could not commit.
    with transaction.atomic():
        outbox.queue_sms(organization=org_a, key="k", phone="13800000001", text="t")
        assert outbox.queue_sms(organization=org_a, key="k", phone="13800000001", text="t") is None
        outbox.queue_email(organization=org_a, key="k", to="a@example.com", subject="s", body="b")
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["email", "sms"]


def test_one_insert_queues_an_events_messages_and_skips_those_queued_already(org_a):
    sub = WebhookSubscription.objects.create(
        organization=org_a, url="https://hooks.example.com/a", secret="s"
    )
    WebhookSubscription.objects.create(
        organization=org_a, url="https://hooks.example.com/b", secret="s", events=["request.status_changed"]
    )

    def event() -> list[OutboxMessage | None]:
        return [
            outbox.email_message(
                organization=org_a, key="request:9:created", to="a@example.com", subject="s", body="b"
            ),
            outbox.sms_message(organization=org_a, key="request:9:created", phone="13800000009", text="t"),
            outbox.email_message(
                organization=org_a, key="request:9:created", to="", subject="s", body="b"
            ),  # None
            *outbox.webhook_messages(
                organization=org_a,
                event="request.created",
                key="request:9:created",
                data={"number": "SR-2026-000009"},
            ),
        ]

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        outbox.put_all(event())
        outbox.put_all(event())  # the same event again: nothing new, and the transaction lives on
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and not any("SAVEPOINT" in q["sql"] for q in queries.captured_queries)
    rows = OutboxMessage.objects.order_by("channel")
    assert [(m.channel, m.subscription_id) for m in rows] == [
        ("email", None),
        ("sms", None),
        ("webhook", sub.pk),
    ]
    sms = rows.get(channel="sms")
    assert (
        sms.recipient_phone == "13800000009" and sms.recipient != "13800000009"
    )  # kept encrypted, shown masked
    assert all(m.next_attempt_at is not None for m in rows)


def test_no_address_no_message(org_a):
    assert outbox.queue_email(organization=org_a, key="k", to="", subject="s", body="b") is None
    assert outbox.queue_sms(organization=org_a, key="k", phone="", text="t") is None
    assert not OutboxMessage.objects.exists()


def test_deliver_due_sends_email_and_sms(org_a, mailoutbox, sms_log):
    _email(org_a)
    outbox.queue_sms(organization=org_a, key="s1", phone="13912345678", text="【Acme】您的服务单已受理")
    assert outbox.deliver_due() == 2
    assert len(mailoutbox) == 1
    assert (mailoutbox[0].to, mailoutbox[0].subject, mailoutbox[0].body) == (
        ["c1@example.com"],
        "主题1",
        "正文1",
    )
    assert sms_log == [("13912345678", "【Acme】您的服务单已受理")]
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert all(m.sent_at is not None for m in OutboxMessage.objects.all())
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2
    # sent is sent: nothing goes out twice
    assert outbox.deliver_due() == 0 and len(mailoutbox) == 1


def test_the_periodic_job_delivers(org_a, mailoutbox):
    _email(org_a)
    enqueue("notifications.deliver")
    assert runner.run_pending() == 1
    assert len(mailoutbox) == 1


def test_a_failing_mail_server_is_retried_later(org_a, mailoutbox, monkeypatch):
    message = _email(org_a)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("aftersales.notifications.channels.send_mail", refuse)
    before = timezone.now()
    assert outbox.deliver_due() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "SMTP server down" in message.last_error
    assert message.next_attempt_at >= before + outbox.backoff(1)
    monkeypatch.undo()
    assert outbox.deliver_due() == 0  # not due yet
    _make_due(message)
    assert outbox.deliver_due() == 1 and len(mailoutbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_a_pending_row_survives_a_restart(org_a, mailoutbox, monkeypatch):
    # given a worker that died in the middle of sending (after claiming the row)
    message = _email(org_a)

    class Killed(BaseException):
        pass

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(outbox, "_send", die)
    with pytest.raises(Killed):
        outbox.deliver_due()
    monkeypatch.undo()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert not DeliveryAttempt.objects.exists() and mailoutbox == []
    # when a new process runs later, after the claim's backoff has passed
    assert outbox.deliver_due() == 0
    _make_due(message)
    assert outbox.deliver_due() == 1
    # then the message goes out (at least once), and is not sent again
    assert [m.to for m in mailoutbox] == [["c1@example.com"]]
    assert outbox.deliver_due() == 0


def test_one_broken_send_does_not_stop_the_batch(org_a, mailoutbox, monkeypatch):
    first = _email(org_a, 1)
    _email(org_a, 2)
    real_send = outbox._send

    def flaky(message):
        if message.pk == first.pk:
            raise RuntimeError("gateway bug")
        return real_send(message)

    monkeypatch.setattr(outbox, "_send", flaky)
    assert outbox.deliver_due() == 1
    assert [m.to for m in mailoutbox] == [["c2@example.com"]]
    first.refresh_from_db()
    assert first.status == "pending" and "RuntimeError: gateway bug" in first.last_error
    assert DeliveryAttempt.objects.get(message=first).ok is False


def test_two_workers_racing_for_the_same_rows_send_each_once(org_a, mailoutbox, monkeypatch):
    """Worker B runs to the end between worker A's read of the due rows and A's claim of them."""
    for n in range(1, 4):
        _email(org_a, n)
    real_backoff = outbox.backoff
    state = {"interleaved": False, "b_sent": None}

    def backoff_then_let_b_in(attempts: int) -> timedelta:
        # A computes the claim's backoff right before its UPDATE: the narrowest window there is.
        if not state["interleaved"]:
            state["interleaved"] = True
            state["b_sent"] = outbox.deliver_due()
        return real_backoff(attempts)

    monkeypatch.setattr(outbox, "backoff", backoff_then_let_b_in)
    a_sent = outbox.deliver_due()
    assert state["b_sent"] == 3 and a_sent == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["c1@example.com", "c2@example.com", "c3@example.com"]
    assert DeliveryAttempt.objects.count() == 3
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_in_threads_deliver_each_webhook_once(org_a, receiver):
    if connection.vendor == "sqlite":
        pytest.skip(
            "the in-memory SQLite test database locks whole tables between threads; run on PostgreSQL"
        )
    sub = WebhookSubscription.objects.create(organization=org_a, url=receiver.url, secret="s3cret")
    for n in range(40):
        outbox.queue_webhooks(
            organization=org_a, event="request.created", key=f"request:{n}:created", data={"n": n}
        )
    assert OutboxMessage.objects.filter(subscription=sub).count() == 40
    start = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        start.wait()
        try:
            results.append(outbox.deliver_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(results) == 40
    ids = [r.headers["X-Aftersales-Event-Id"] for r in receiver.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert DeliveryAttempt.objects.count() == 40
