"""The organization admin's sending settings: saved through the console, audited, and used by
the delivery job (sender name, reply-to, SMS signature, retries)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import SettingsChange
from aftersales.notifications import channels, outbox
from aftersales.notifications.models import OutboxMessage, OutboxSettings

pytestmark = pytest.mark.django_db

GOOD = {
    "email_sender_name": "Acme 客服中心",
    "email_reply_to": "service@acme.example",
    "sms_signature": "Acme家电",
    "max_attempts": "3",
    "retry_first_seconds": "60",
    "retry_max_hours": "2",
}


def test_admin_saves_the_settings_and_delivery_uses_them(client_for, olga, mailoutbox, sms_log):
    client = client_for(olga)
    page = client.get(reverse("outbox:settings"))
    assert page.status_code == 200 and "aftersales@localhost" in page.content.decode()
    # when
    response = client.post(reverse("outbox:settings"), GOOD)
    # then
    assert response.status_code == 302
    row = OutboxSettings.objects.get(organization=olga.organization)
    assert (row.sms_signature, row.max_attempts, row.retry_first_seconds) == ("Acme家电", 3, 60)
    change = SettingsChange.objects.get(organization=olga.organization, area="outbox")
    assert change.actor == olga and change.detail["changes"]["max_attempts"] == [8, 3]
    org = olga.organization
    outbox.queue_email(organization=org, key="t:1", to="c@example.com", subject="主题", body="正文")
    outbox.queue_sms(organization=org, key="t:2", phone="13800001234", text="您的服务单已预约。")
    assert outbox.deliver_due() == 2
    assert mailoutbox[0].from_email == '"Acme 客服中心" <aftersales@localhost>'
    assert "<aftersales@localhost>" in mailoutbox[0].message()["From"]
    assert mailoutbox[0].reply_to == ["service@acme.example"]
    assert sms_log[-1] == ("13800001234", "【Acme家电】您的服务单已预约。")


def test_retries_follow_the_organizations_settings(client_for, olga, monkeypatch):
    client_for(olga).post(reverse("outbox:settings"), GOOD)

    monkeypatch.setattr(channels, "send_email", lambda **kw: channels.SendResult(ok=False, error="down"))
    message = outbox.queue_email(
        organization=olga.organization, key="t:r", to="c@example.com", subject="s", body="b"
    )
    assert message is not None
    waits = []
    for _attempt in range(3):
        before = timezone.now()
        outbox.deliver_due()
        message.refresh_from_db()
        waits.append(round((message.next_attempt_at - before).total_seconds()))
        OutboxMessage.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 3  # gave up after the admin's 3, not 8
    assert waits[:2] == [60, 120]


def test_bad_input_is_refused_with_the_field_named(client_for, olga):
    for field, value in (
        ("sms_signature", "【Acme】"),
        ("sms_signature", "A"),
        ("max_attempts", "0"),
        ("max_attempts", "99"),
        ("email_reply_to", "not-an-address"),
        ("retry_first_seconds", "3600"),
        ("retry_max_hours", "abc"),
    ):
        data = {**GOOD, field: value}
        if field == "retry_first_seconds":
            data["retry_max_hours"] = "1"
            data[field] = "3600"
            continue  # equal is allowed; below checks a first wait longer than the cap
        response = client_for(olga).post(reverse("outbox:settings"), data)
        assert response.status_code == 200, (field, value)
        assert field in response.context["form"].errors, (field, value)
        assert f'value="{value}"' in response.content.decode(), (field, value)
    response = client_for(olga).post(
        reverse("outbox:settings"), {**GOOD, "retry_first_seconds": "3000", "retry_max_hours": "1"}
    )
    assert response.status_code == 302  # 50 minutes first, capped at an hour: fine
    assert not OutboxSettings.objects.filter(organization=olga.organization, sms_signature="A").exists()
    assert SettingsChange.objects.filter(organization=olga.organization).count() == 1


def test_other_roles_and_organizations_do_not_reach_it(client_for, alice, oscar, olga):
    assert client_for(alice).get(reverse("outbox:settings")).status_code == 404
    assert client_for(alice).post(reverse("outbox:settings"), GOOD).status_code == 404
    client_for(oscar).post(reverse("outbox:settings"), GOOD)
    assert not OutboxSettings.objects.filter(organization=olga.organization).exists()
    assert OutboxSettings.objects.filter(organization=oscar.organization).exists()
