"""Webhook subscriptions on the settings pages: created with a generated secret shown once, http(s)
only, events from the catalogue, a test send through the outbox delivered by the job to a real
receiver with a valid signature, and the delivery log."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import SettingsChange
from aftersales.notifications import events
from aftersales.notifications.models import DeliveryAttempt, OutboxMessage, WebhookSubscription
from aftersales.notifications.tasks import deliver

pytestmark = pytest.mark.django_db

BASE = "/console/settings/webhooks/"


def _create(client, url: str, *codes: str, all_events: bool = False):
    data: dict[str, object] = {"url": url, "events": list(codes)}
    if all_events:
        data["all_events"] = "on"
    return client.post(f"{BASE}new/", data)


def _secret_of(response) -> str:
    found = re.search(r'<code id="webhook-secret"[^>]*>([^<]+)</code>', response.content.decode())
    assert found, "the secret is shown once"
    return found.group(1).strip()


def test_create_shows_the_secret_once_and_never_again(client_for, olga):
    client = client_for(olga)
    response = _create(client, "https://erp.example.com/hooks", "request.created", "return.approved")
    assert response.status_code == 201
    secret = _secret_of(response)
    sub = WebhookSubscription.objects.get()
    assert sub.secret == secret and secret.startswith("whsec_") and len(secret) > 40
    assert sub.events == ["request.created", "return.approved"]
    assert sub.organization == olga.organization and sub.is_active
    # later pages show a hint only
    for page in (client.get(BASE), client.get(f"{BASE}{sub.pk}/")):
        body = page.content.decode()
        assert secret not in body
        assert f"…{secret[-4:]}" in body
    # the log has the change and not the secret
    change = SettingsChange.objects.get(area="webhooks", action="created")
    assert change.detail["url"] == [None, "https://erp.example.com/hooks"]
    assert secret not in json.dumps(change.detail)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://erp.example.com/hooks",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "erp.example.com/hooks",
        "https://",
        "gopher://x.example.com/",
    ],
)
def test_a_url_that_is_not_http_or_https_is_a_field_error_keeping_the_input(client_for, olga, url):
    response = _create(client_for(olga), url, "request.created", "quote.sent")
    assert response.status_code == 422
    assert "url" in response.context["form"].errors
    body = response.content.decode()
    assert 'value="request.created" checked' in body and 'value="quote.sent" checked' in body
    assert WebhookSubscription.objects.count() == 0
    assert SettingsChange.objects.count() == 0


def test_no_event_or_an_unknown_event_is_refused(client_for, olga):
    client = client_for(olga)
    assert "events" in _create(client, "https://a.example.com/").context["form"].errors
    assert "events" in _create(client, "https://a.example.com/", "request.deleted").context["form"].errors
    assert WebhookSubscription.objects.count() == 0
    # "all events" stores the empty list the outbox reads as everything
    assert _create(client, "https://a.example.com/", all_events=True).status_code == 201
    assert WebhookSubscription.objects.get().events == []


def test_every_event_the_code_emits_has_a_checkbox():
    """Read the emitters' sources: every event name they pass to the outbox is in the catalogue."""
    root = Path(__file__).resolve().parents[2]
    emitted: set[str] = set()
    sources = [
        "service/notify.py",
        "entitlement/notify.py",
        "entitlement/quotes.py",
        *(str(p.relative_to(root)) for p in sorted((root / "entitlement" / "rma").glob("*.py"))),
    ]
    for rel in sources:
        tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"(request|return|quote)\.[a-z_]+", node.value)
            ):
                emitted.add(node.value)
            if isinstance(node, ast.Call):
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                prefix = {"rma_step": "return", "quote_step": "quote"}.get(name)
                if prefix and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    emitted.add(f"{prefix}.{node.args[1].value}")
    assert emitted, "found the emitters"
    assert emitted <= set(events.CODES), sorted(emitted - set(events.CODES))


def test_test_send_is_queued_in_the_outbox_and_delivered_by_the_job_signed(client_for, olga, receiver):
    client = client_for(olga)
    _create(client, receiver.url, "request.created", "request.status_changed")
    sub = WebhookSubscription.objects.get()

    # when: the admin presses 测试发送
    response = client.post(f"{BASE}{sub.pk}/test/")

    # then: a ping is pending in the outbox, nothing sent yet
    assert response.status_code == 302
    message = OutboxMessage.objects.get(channel="webhook", subscription=sub)
    assert message.status == "pending" and message.payload["event"] == "ping"
    assert receiver.received == []
    assert SettingsChange.objects.filter(area="webhooks", action="sent").count() == 1
    # the delivery job sends it to the receiver, signed with the subscription's secret
    deliver()  # the delivery job, as the runner calls it
    [got] = receiver.received
    body = json.loads(got.body)
    assert body["event"] == "ping" and body["data"]["subscription"] == sub.pk
    timestamp = got.headers["X-Aftersales-Timestamp"]
    expected = (
        "sha256="
        + hmac.new(sub.secret.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256).hexdigest()
    )
    assert got.headers["X-Aftersales-Signature"] == expected
    message.refresh_from_db()
    assert message.status == "sent"
    # and the log on the page shows the delivery with its status code
    page = client.get(f"{BASE}{sub.pk}/").content.decode()
    row = re.search(r'<tr class="delivery" data-event="ping" data-status="sent">.*?</tr>', page, re.S)
    assert row and '<td class="delivery-code">200</td>' in row.group(0)


def test_a_failed_delivery_shows_its_code_error_and_next_retry(client_for, olga, receiver):
    receiver.default = 500
    client = client_for(olga)
    _create(client, receiver.url, all_events=True)
    sub = WebhookSubscription.objects.get()
    client.post(f"{BASE}{sub.pk}/test/")
    deliver()  # the delivery job, as the runner calls it
    message = OutboxMessage.objects.get(subscription=sub)
    assert message.status == "pending" and message.attempts == 1
    page = client.get(f"{BASE}{sub.pk}/").content.decode()
    row = re.search(r'<tr class="delivery" data-event="ping" data-status="pending">.*?</tr>', page, re.S)
    assert row, page[:3000]
    assert '<td class="delivery-code">500</td>' in row.group(0)
    assert "HTTP 500" in row.group(0)
    assert message.next_attempt_at.astimezone().strftime("%H:%M") in row.group(0) or "-" in row.group(0)
    # and the partial that the page polls while something is pending
    partial = client.get(f"{BASE}{sub.pk}/?part=log", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and 'id="delivery-log"' in partial.content.decode()
    assert "<html" not in partial.content.decode()


def test_the_delivery_log_is_paginated(client_for, olga, receiver):
    client = client_for(olga)
    _create(client, receiver.url, all_events=True)
    sub = WebhookSubscription.objects.get()
    for _ in range(25):
        client.post(f"{BASE}{sub.pk}/test/")
    first = client.get(f"{BASE}{sub.pk}/").content.decode()
    second = client.get(f"{BASE}{sub.pk}/?page=2").content.decode()
    assert first.count('class="delivery"') == 20
    assert second.count('class="delivery"') == 5


def test_edit_disable_and_rotate(client_for, olga, receiver):
    client = client_for(olga)
    secret = _secret_of(_create(client, receiver.url, "request.created"))
    sub = WebhookSubscription.objects.get()

    # edit: new events, and a bad URL keeps what was typed
    bad = client.post(
        f"{BASE}{sub.pk}/", {"url": "ftp://x.example.com", "events": ["quote.sent"], "is_active": "on"}
    )
    assert bad.status_code == 422 and 'value="ftp://x.example.com"' in bad.content.decode()
    ok = client.post(
        f"{BASE}{sub.pk}/",
        {"url": receiver.url, "events": ["quote.sent", "quote.declined"], "is_active": "on"},
    )
    assert ok.status_code == 302
    sub.refresh_from_db()
    assert sub.events == ["quote.sent", "quote.declined"]
    change = SettingsChange.objects.get(area="webhooks", action="changed")
    assert change.detail == {"events": [["request.created"], ["quote.sent", "quote.declined"]]}

    # rotate: a new secret shown once, the old one gone
    rotated = client.post(f"{BASE}{sub.pk}/rotate/")
    new_secret = _secret_of(rotated)
    sub.refresh_from_db()
    assert new_secret != secret and sub.secret == new_secret
    assert SettingsChange.objects.filter(action="secret_rotated").count() == 1

    # disable: no test send, nothing queued for it any more
    client.post(f"{BASE}{sub.pk}/toggle/", {"active": "0"})
    sub.refresh_from_db()
    assert not sub.is_active
    client.post(f"{BASE}{sub.pk}/test/")
    assert OutboxMessage.objects.count() == 0
    client.post(f"{BASE}{sub.pk}/toggle/", {"active": "1"})
    sub.refresh_from_db()
    assert sub.is_active


def test_another_organizations_subscription_is_404_everywhere(client_for, olga, oscar):
    theirs = WebhookSubscription.objects.create(
        organization=oscar.organization,
        url="https://bolt.example.com/h",
        secret="whsec_bolt_secret_value_123456",
    )
    client = client_for(olga)
    assert "bolt.example.com" not in client.get(BASE).content.decode()
    assert client.get(f"{BASE}{theirs.pk}/").status_code == 404
    for action in ("", "toggle/", "rotate/", "test/"):
        assert (
            client.post(
                f"{BASE}{theirs.pk}/{action}",
                {"url": "https://x.example.com", "all_events": "on", "active": "0"},
            ).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.url == "https://bolt.example.com/h" and theirs.is_active
    assert theirs.secret == "whsec_bolt_secret_value_123456"
    assert OutboxMessage.objects.count() == 0 and DeliveryAttempt.objects.count() == 0


def test_the_list_and_the_log_take_the_same_queries_however_long(client_for, olga, receiver):
    client = client_for(olga)
    _create(client, receiver.url, all_events=True)
    sub = WebhookSubscription.objects.get()

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    client.post(f"{BASE}{sub.pk}/test/")
    deliver()
    few = count(f"{BASE}{sub.pk}/"), count(BASE)
    for _ in range(15):
        client.post(f"{BASE}{sub.pk}/test/")
    _create(client, receiver.url + "/2", "quote.sent")
    deliver()
    assert (count(f"{BASE}{sub.pk}/"), count(BASE)) == few
