"""What a request's changes send out: queued in the same transaction, delivered later."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

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
def customer(org_a):  # type: ignore[no-untyped-def]
    return CustomerFactory(organization=org_a, name="王芳", phone=PHONE, email="wangfang@example.com")


@pytest.fixture
def repair(org_a, customer, alice):  # type: ignore[no-untyped-def]
    unit = UnitFactory(organization=org_a, customer=customer)
    sr = services.request_create(organization=org_a, customer=customer, by=alice, kind="repair", channel="phone",
                                 description="空调不制冷", unit=unit)
    OutboxMessage.objects.all().delete()  # start each test from the "created" notices being sent
    return sr


def _queued(channel: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel=channel).order_by("id"))


def test_creating_a_request_tells_the_customer(org_a, customer, alice):  # type: ignore[no-untyped-def]
    sr = services.request_create(organization=org_a, customer=customer, by=alice, kind="consultation",
                                 channel="phone", description="怎么清洗滤网")
    [mail] = _queued("email")
    assert mail.recipient == "wangfang@example.com" and sr.number in mail.subject and "咨询" in mail.body
    [sms] = _queued("sms")
    assert sms.recipient_phone == PHONE and sms.recipient == "139****5678" and sr.number in sms.body


def test_every_status_change_queues_an_email_and_an_sms(repair, alice):  # type: ignore[no-untyped-def]
    for name in ("accept", "assign", "start", "resolve"):
        services.request_transition(request=repair, name=name, by=alice)
    emails, texts = _queued("email"), _queued("sms")
    assert len(emails) == len(texts) == 4
    assert {m.recipient for m in emails} == {"wangfang@example.com"} and {m.recipient_phone for m in texts} == {PHONE}
    for mail, text, said in zip(emails, texts, ["已受理", "已安排工程师", "正在处理", "请验收"], strict=True):
        assert said in mail.subject and said in text.body
        assert repair.number in mail.body and repair.number in text.body
    # the same change notified again (a retried job, say) is not queued twice
    notify.notify_status(ServiceRequest.objects.get(pk=repair.pk), "in_progress")
    assert OutboxMessage.objects.count() == 8


def test_a_rolled_back_transition_queues_nothing(repair, alice):  # type: ignore[no-untyped-def]
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.request_transition(request=repair, name="accept", by=alice)
        assert OutboxMessage.objects.count() == 2  # visible inside the transaction …
        raise Abort
    # … and gone with it: no email, no SMS, no event, no status change
    assert OutboxMessage.objects.count() == 0
    assert not RequestEvent.objects.filter(request=repair, kind="status").exists()
    assert ServiceRequest.objects.get(pk=repair.pk).status == "new"


def test_a_refused_transition_queues_nothing(repair, alice):  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict):
        services.request_transition(request=repair, name="resolve", by=alice)
    assert OutboxMessage.objects.count() == 0


def test_back_dated_history_can_be_written_without_notifications(repair, alice):  # type: ignore[no-untyped-def]
    services.request_transition(request=repair, name="accept", by=alice, notify=False)
    services.message_add(request=repair, by=alice, body="已安排", notify=False)
    assert OutboxMessage.objects.count() == 0


def test_a_customer_without_email_gets_the_sms_only(org_a, alice):  # type: ignore[no-untyped-def]
    quiet = CustomerFactory(organization=org_a, email="")
    sr = services.request_create(organization=org_a, customer=quiet, by=alice, kind="consultation", channel="phone",
                                 description="问")
    services.request_transition(request=sr, name="accept", by=alice)
    assert _queued("email") == [] and len(_queued("sms")) == 2


def test_staff_replies_are_emailed_and_internal_notes_are_not(repair, alice):  # type: ignore[no-untyped-def]
    services.message_add(request=repair, by=alice, body="工程师明天上午到。")
    services.message_add(request=repair, by=alice, body="客户脾气急，注意沟通", internal=True)
    [mail] = _queued("email")
    assert "工程师明天上午到" in mail.body and repair.number in mail.subject
    assert "脾气" not in "".join(m.body for m in OutboxMessage.objects.all())


def test_delivery_sends_the_queued_email_and_sms(repair, alice, mailoutbox, sms_log):  # type: ignore[no-untyped-def]  # noqa: F811
    services.request_transition(request=repair, name="accept", by=alice)
    assert mailoutbox == [] and sms_log == []  # nothing leaves inside the request
    assert outbox.deliver_due() == 2
    [mail] = mailoutbox
    assert mail.to == ["wangfang@example.com"] and repair.number in mail.subject and "已受理" in mail.body
    assert sms_log == [(PHONE, OutboxMessage.objects.get(channel="sms").body)]


def test_integrators_hear_status_changes_by_webhook(client_for, alice, repair, receiver):  # type: ignore[no-untyped-def]  # noqa: F811
    # given an integrator subscribed to status changes only
    WebhookSubscription.objects.create(organization=repair.organization, url=receiver.url, secret="s",
                                       events=["request.status_changed"])
    # when an agent accepts the request through the API and the outbox is delivered
    agent = client_for(alice)
    r = agent.post(f"/api/v1/requests/{repair.number}/transitions", data=json.dumps({"name": "accept"}),
                   content_type="application/json")
    assert r.status_code == 200
    agent.post(f"/api/v1/requests/{repair.number}/messages", data=json.dumps({"body": "好的"}),
               content_type="application/json")
    outbox.deliver_due()
    # then the receiver got one event, for the status change, naming both states
    [got] = receiver.received
    event = json.loads(got.body)
    assert event["event"] == "request.status_changed"
    assert event["data"]["number"] == repair.number
    assert (event["data"]["from_status"], event["data"]["status"]) == ("new", "accepted")
    assert event["data"]["version"] == r.json()["version"]


def test_the_sms_phone_is_not_stored_in_clear(org_a, alice, customer):  # type: ignore[no-untyped-def]
    from django.db import connection

    services.request_create(organization=org_a, customer=customer, by=alice, kind="consultation", channel="phone",
                            description="咨询")
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, recipient_phone FROM notifications_outboxmessage WHERE channel = 'sms'")
        rows = cursor.fetchall()
    assert rows and all(PHONE not in (r[0] + r[1]) for r in rows)
