"""A real browser: the organization admin sets up a webhook with two events, sends a test and sees
it delivered in the log; makes a narrowed API token and copies it; reads the settings log."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import ApiToken
from aftersales.notifications.models import WebhookSubscription
from aftersales.notifications.tasks import deliver
from aftersales.service.models import CannedReply
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_creates_a_webhook_sends_a_test_and_sees_the_delivery(page, screenshot, olga, receiver):
    browser_login(page, "olga")
    page.locator("#mainnav").get_by_role("link", name="设置", exact=True).click()
    page.locator(".settings-nav").get_by_role("link", name="Webhook", exact=True).click()
    page.click("#webhook-new")
    # a URL that is not http(s) is refused with the events kept
    page.fill("#id_url", "ftp://erp.example.com/hooks")
    page.check("#event-requestcreated")
    page.check("#event-requeststatus_changed")
    page.click("#webhook-save")
    assert page.locator(".invalid-feedback").first.is_visible()
    assert page.is_checked("#event-requestcreated") and page.is_checked("#event-requeststatus_changed")
    screenshot(page, "1-bad-url")
    # when: a real receiver's address
    page.fill("#id_url", receiver.url)
    page.click("#webhook-save")
    # then: the secret is shown once, with a copy button
    secret = page.locator("#webhook-secret").inner_text().strip()
    sub = WebhookSubscription.objects.get()
    assert secret == sub.secret
    assert sub.events == ["request.created", "request.status_changed"]
    page.click("#webhook-secret-copy")
    page.wait_for_function("document.querySelector('#webhook-secret-copy').dataset.copied !== undefined")
    screenshot(page, "2-created")
    # test send: queued, then delivered by the job while the page watches the log
    page.click("#webhook-test")
    page.wait_for_selector('tr.delivery[data-event="ping"]')
    screenshot(page, "3-queued")
    assert deliver() == 1
    page.wait_for_selector('tr.delivery[data-event="ping"][data-status="sent"]', timeout=15_000)
    assert page.locator('tr.delivery[data-status="sent"] .delivery-code').inner_text().strip() == "200"
    assert len(receiver.received) == 1
    assert secret not in page.content(), "the secret is not shown again"
    screenshot(page, "4-delivered")


def test_admin_makes_a_narrowed_token_copies_it_and_reads_the_log(page, screenshot, olga):
    CannedReply.objects.create(organization=olga.organization, title="受理确认", body="{customer_name}您好")
    browser_login(page, "olga")
    page.goto("/console/settings/tokens/")
    page.fill("#id_name", "天猫店铺")
    page.check("#id_access_0")  # read-only
    page.check("input[name=resources][value=requests]")
    page.check("input[name=resources][value=customers]")
    page.click("#token-create")
    raw = page.locator("#new-token").inner_text().strip()
    assert raw.startswith("as_")
    token = ApiToken.objects.get()
    assert (token.access, token.all_resources, sorted(token.resources)) == (
        "read",
        False,
        ["customers", "requests"],
    )
    page.click("#new-token-copy")
    page.wait_for_function("document.querySelector('#new-token-copy').dataset.copied !== undefined")
    screenshot(page, "1-token-created")
    page.goto("/console/settings/users/")
    screenshot(page, "2-users")
    page.goto("/console/settings/canned-replies/")
    screenshot(page, "3-canned")
    page.goto("/console/settings/log/")
    assert page.locator("#settings-log tbody tr[data-area=tokens]").count() == 1
    screenshot(page, "4-log")
    page.goto("/accounts/password_change/")
    assert page.locator("#mainnav").is_visible()
    screenshot(page, "5-password-change")
