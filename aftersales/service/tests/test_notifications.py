"""What a request's changes send out: a notice queued in the same transaction, expanded into an
email, an SMS and webhooks by the delivery job, delivered by it."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from aftersales.core.errors import Conflict
from aftersales.notifications import outbox
from aftersales.notifications.models import OutboxMessage, WebhookSubscription
from aftersales.notifications.tests.conftest import receiver, sms_log  # noqa: F401 - fixtures used below
from aftersales.service import notify, services
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.testing.factories import CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def customer(org_a):
    return CustomerFactory(organization=org_a, name="王芳", phone=PHONE, email="wangfang@example.com")


@pytest.fixture
def repair(org_a, customer, alice):
    unit = UnitFactory(organization=org_a, customer=customer)
    sr = services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="空调不制冷",
        unit=unit,
    )
    OutboxMessage.objects.all().delete()  # start each test from the "created" notices being sent
    return sr


def _queued(channel: str) -> list[OutboxMessage]:
    """The messages of ``channel`` once the delivery job has expanded the notices."""
    outbox.expand_notices()
    return list(OutboxMessage.objects.filter(channel=channel).order_by("id"))


def _notices() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="notice").order_by("id"))


def test_creating_a_request_tells_the_customer(org_a, customer, alice):
    sr = services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="consultation",
        channel="phone",
        description="怎么清洗滤网",
    )
    # the create writes one notice, naming the request and holding no contact details
    [queued] = OutboxMessage.objects.all()
    assert (queued.channel, queued.status, queued.recipient) == ("notice", "pending", sr.number)
    assert queued.payload["event"] == "request.created" and queued.payload["data"]["number"] == sr.number
    assert queued.recipient_phone == "" and PHONE not in json.dumps(queued.payload)
    # the delivery job turns it into the customer's email and SMS
    [mail] = _queued("email")
    assert mail.recipient == "wangfang@example.com" and sr.number in mail.subject and "咨询" in mail.body
    [sms] = _queued("sms")
    assert sms.recipient_phone == PHONE and sms.recipient == "139****5678" and sr.number in sms.body
    [done] = _notices()
    assert (done.status, done.attempts) == ("sent", 1) and done.sent_at is not None


def test_every_status_change_queues_an_email_and_an_sms(repair, alice):
    for name in ("accept", "assign", "start", "resolve"):
        services.request_transition(request=repair, name=name, by=alice)
    assert len(_notices()) == 4 and not OutboxMessage.objects.exclude(channel="notice").exists()
    emails, texts = _queued("email"), _queued("sms")
    assert len(emails) == len(texts) == 4
    assert {m.recipient for m in emails} == {"wangfang@example.com"} and {
        m.recipient_phone for m in texts
    } == {PHONE}
    # each says the state it changed to, though all four were expanded after the last change
    for mail, text, said in zip(emails, texts, ["已受理", "已安排工程师", "正在处理", "请验收"], strict=True):
        assert said in mail.subject and said in text.body
        assert repair.number in mail.body and repair.number in text.body
    # the same change notified again (a retried job, say) is not queued twice
    notify.notify_status(ServiceRequest.objects.get(pk=repair.pk), "in_progress")
    assert len(_notices()) == 4 and len(_queued("email")) == 4 and OutboxMessage.objects.count() == 12


def test_a_notice_expanded_twice_queues_each_message_once(repair, alice):
    # given a notice expanded once, then found pending again (its worker died before recording it)
    services.request_transition(request=repair, name="accept", by=alice)
    assert outbox.expand_notices() == 2
    OutboxMessage.objects.filter(channel="notice").update(status="pending")
    # when it is expanded again, nothing new is queued and it is recorded as done
    assert outbox.expand_notices() == 2  # the two it stands for, found queued already
    assert len(_queued("email")) == len(_queued("sms")) == 1
    assert [n.status for n in _notices()] == ["sent"]


def test_messages_go_to_the_contact_details_the_customer_has_when_they_are_sent(repair, alice, customer):
    services.request_transition(request=repair, name="accept", by=alice)
    customer.email, customer.phone = "fang.wang@example.com", "13700001111"
    customer.save()
    [mail], [sms] = _queued("email"), _queued("sms")
    assert mail.recipient == "fang.wang@example.com" and sms.recipient_phone == "13700001111"


def test_a_notice_that_cannot_be_expanded_is_retried_without_holding_up_the_others(
    repair, alice, monkeypatch
):
    services.request_transition(request=repair, name="accept", by=alice)
    services.request_transition(request=repair, name="assign", by=alice)
    first, second = _notices()
    real = notify.expand

    def broken_for_the_first(item):
        if item.pk == first.pk:
            raise RuntimeError("template bug")
        return real(item)

    monkeypatch.setitem(outbox._expanders, "request", broken_for_the_first)
    assert outbox.expand_notices() == 2  # the second's email and SMS
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 1) and "template bug" in first.last_error
    assert first.next_attempt_at > second.next_attempt_at
    assert [m.subject for m in OutboxMessage.objects.filter(channel="email")] == [
        f"【{repair.organization.name}】服务单 {repair.number}：已安排工程师"
    ]
    # fixed, and due again: it goes out
    monkeypatch.undo()
    OutboxMessage.objects.filter(pk=first.pk).update(next_attempt_at=second.next_attempt_at)
    assert outbox.expand_notices() == 2
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == ("sent", 2, "")
    # one that never can be gives up after the outbox's limit of tries
    monkeypatch.setitem(outbox._expanders, "request", broken_for_the_first)
    OutboxMessage.objects.filter(pk=first.pk).update(
        status="pending", attempts=outbox.MAX_ATTEMPTS - 1, next_attempt_at=second.next_attempt_at
    )
    assert outbox.expand_notices() == 0
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("failed", outbox.MAX_ATTEMPTS)


def test_a_notice_for_a_request_that_is_gone_sends_nothing(repair, alice):
    services.request_transition(request=repair, name="accept", by=alice)
    ServiceRequest.objects.filter(pk=repair.pk).delete()
    assert outbox.expand_notices() == 0
    assert [n.status for n in _notices()] == ["sent"] and OutboxMessage.objects.count() == 1


def test_a_rolled_back_transition_queues_nothing(repair, alice):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.request_transition(request=repair, name="accept", by=alice)
        assert OutboxMessage.objects.count() == 1  # the notice, visible inside the transaction …
        raise Abort
    # … and gone with it: no email, no SMS, no event, no status change
    assert OutboxMessage.objects.count() == 0 and outbox.expand_notices() == 0
    assert not RequestEvent.objects.filter(request=repair, kind="status").exists()
    assert ServiceRequest.objects.get(pk=repair.pk).status == "new"


def test_a_refused_transition_queues_nothing(repair, alice):
    with pytest.raises(Conflict):
        services.request_transition(request=repair, name="resolve", by=alice)
    assert OutboxMessage.objects.count() == 0


def test_back_dated_history_can_be_written_without_notifications(repair, alice):
    services.request_transition(request=repair, name="accept", by=alice, notify=False)
    services.message_add(request=repair, by=alice, body="已安排", notify=False)
    assert OutboxMessage.objects.count() == 0


def test_a_customer_without_email_gets_the_sms_only(org_a, alice):
    quiet = CustomerFactory(organization=org_a, email="")
    sr = services.request_create(
        organization=org_a, customer=quiet, by=alice, kind="consultation", channel="phone", description="问"
    )
    services.request_transition(request=sr, name="accept", by=alice)
    assert _queued("email") == [] and len(_queued("sms")) == 2


def test_staff_replies_are_emailed_and_internal_notes_are_not(repair, alice):
    services.message_add(request=repair, by=alice, body="工程师明天上午到。")
    services.message_add(request=repair, by=alice, body="客户脾气急，注意沟通", internal=True)
    [mail] = _queued("email")
    assert "工程师明天上午到" in mail.body and repair.number in mail.subject
    assert "脾气" not in "".join(m.body for m in OutboxMessage.objects.all())


def test_delivery_sends_the_queued_email_and_sms(repair, alice, mailoutbox, sms_log):  # noqa: F811
    services.request_transition(request=repair, name="accept", by=alice)
    assert mailoutbox == [] and sms_log == []  # nothing leaves inside the request
    assert outbox.deliver_due() == 2
    [mail] = mailoutbox
    assert mail.to == ["wangfang@example.com"] and repair.number in mail.subject and "已受理" in mail.body
    assert sms_log == [(PHONE, OutboxMessage.objects.get(channel="sms").body)]


def test_integrators_hear_status_changes_by_webhook(client_for, alice, repair, receiver):  # noqa: F811
    # given an integrator subscribed to status changes only
    WebhookSubscription.objects.create(
        organization=repair.organization, url=receiver.url, secret="s", events=["request.status_changed"]
    )
    # when an agent accepts the request through the API and the outbox is delivered
    agent = client_for(alice)
    r = agent.post(
        f"/api/v1/requests/{repair.number}/transitions",
        data=json.dumps({"name": "accept"}),
        content_type="application/json",
    )
    assert r.status_code == 200
    agent.post(
        f"/api/v1/requests/{repair.number}/messages",
        data=json.dumps({"body": "好的"}),
        content_type="application/json",
    )
    outbox.deliver_due()
    # then the receiver got one event, for the status change, naming both states
    [got] = receiver.received
    event = json.loads(got.body)
    assert event["event"] == "request.status_changed"
    assert event["data"]["number"] == repair.number
    assert (event["data"]["from_status"], event["data"]["status"]) == ("new", "accepted")
    assert event["data"]["version"] == r.json()["version"]


def test_the_sms_phone_is_not_stored_in_clear(org_a, alice, customer):
    services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="consultation",
        channel="phone",
        description="咨询",
    )
    outbox.expand_notices()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient, recipient_phone FROM notifications_outboxmessage WHERE channel = 'sms'"
        )
        rows = cursor.fetchall()
    assert rows and all(PHONE not in (r[0] + r[1]) for r in rows)


def test_a_webhook_tells_what_the_request_was_when_the_event_happened(org_a, customer, alice, receiver):  # noqa: F811
    # given an integrator subscribed to everything, and a request accepted before the job ran
    WebhookSubscription.objects.create(organization=org_a, url=receiver.url, secret="s")
    sr = services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="consultation",
        channel="api",
        description="保修期多久",
    )
    services.request_transition(request=sr, name="accept", by=alice)
    outbox.deliver_due()
    # then the created event still says "new", stamped when the request was created
    events = {e["event"]: e for e in (json.loads(got.body) for got in receiver.received)}
    assert set(events) == {"request.created", "request.status_changed"}
    created = events["request.created"]
    assert (created["data"]["number"], created["data"]["status"], created["data"]["version"]) == (
        sr.number,
        "new",
        1,
    )
    assert created["created_at"] == sr.created_at.isoformat()
    assert events["request.status_changed"]["data"]["status"] == "accepted"
