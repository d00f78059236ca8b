"""Every settings page this area adds answers 404 to anyone but the organization's admin, for
reads and writes alike, and changes nothing; the settings log filters by area, user and date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from aftersales.accounts.models import ApiToken, SettingsChange, User
from aftersales.accounts.settings_log import settings_change_log
from aftersales.accounts.tokens import token_create
from aftersales.notifications.models import OutboxMessage, WebhookSubscription
from aftersales.service.models import CannedReply

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(olga, alice):
    org = olga.organization
    token, _ = token_create(user=olga, name="erp")
    sub = WebhookSubscription.objects.create(
        organization=org, url="https://erp.example.com/h", secret="whsec_x" * 6
    )
    reply = CannedReply.objects.create(organization=org, title="受理确认", body="您好")
    return {"token": token.pk, "sub": sub.pk, "reply": reply.pk, "user": alice.pk}


def _urls(o: dict[str, int]) -> list[tuple[str, str]]:
    s = "/console/settings"
    return [
        ("get", f"{s}/tokens/"),
        ("post", f"{s}/tokens/"),
        ("get", f"{s}/tokens/{o['token']}/"),
        ("post", f"{s}/tokens/{o['token']}/"),
        ("post", f"{s}/tokens/{o['token']}/revoke/"),
        ("get", f"{s}/users/"),
        ("get", f"{s}/users/invite/"),
        ("post", f"{s}/users/invite/"),
        ("get", f"{s}/users/{o['user']}/"),
        ("post", f"{s}/users/{o['user']}/"),
        ("post", f"{s}/users/{o['user']}/deactivate/"),
        ("post", f"{s}/users/{o['user']}/reactivate/"),
        ("post", f"{s}/users/{o['user']}/reset-password/"),
        ("get", f"{s}/webhooks/"),
        ("get", f"{s}/webhooks/new/"),
        ("post", f"{s}/webhooks/new/"),
        ("get", f"{s}/webhooks/{o['sub']}/"),
        ("post", f"{s}/webhooks/{o['sub']}/"),
        ("post", f"{s}/webhooks/{o['sub']}/toggle/"),
        ("post", f"{s}/webhooks/{o['sub']}/rotate/"),
        ("post", f"{s}/webhooks/{o['sub']}/test/"),
        ("get", f"{s}/canned-replies/"),
        ("get", f"{s}/canned-replies/new/"),
        ("post", f"{s}/canned-replies/new/"),
        ("get", f"{s}/canned-replies/{o['reply']}/"),
        ("post", f"{s}/canned-replies/{o['reply']}/"),
        ("post", f"{s}/canned-replies/{o['reply']}/delete/"),
        ("get", f"{s}/log/"),
    ]


DATA = {
    "name": "x",
    "access": "read_write",
    "all_resources": "on",
    "role": "org_admin",
    "username": "sneak",
    "email": "sneak@example.com",
    "url": "https://evil.example.com/",
    "all_events": "on",
    "active": "0",
    "title": "t",
    "body": "b",
}


@pytest.mark.parametrize("who", ["alice", "dave", "tina", "pam", "quinn", "carol", "pat", "oscar"])
def test_every_settings_url_is_404_for_anyone_but_this_organizations_admin(request, client_for, objects, who):
    client = client_for(request.getfixturevalue(who))
    for method, url in _urls(objects):
        if who == "oscar" and not any(str(pk) in url.rsplit("/settings", 1)[1] for pk in objects.values()):
            continue  # oscar administers his own organization: only objects of another one are 404
        response = getattr(client, method)(url, DATA)
        assert response.status_code == 404, (who, method, url, response.status_code)
    # nothing changed
    assert ApiToken.objects.get().revoked_at is None and ApiToken.objects.get().name == "erp"
    sub = WebhookSubscription.objects.get()
    assert sub.is_active and sub.url == "https://erp.example.com/h" and sub.secret == "whsec_x" * 6
    assert CannedReply.objects.get().title == "受理确认"
    assert not User.objects.filter(username="sneak").exists()
    assert User.objects.get(username="alice").is_active
    assert OutboxMessage.objects.count() == 0 and SettingsChange.objects.count() == 0


def test_every_settings_page_renders_for_the_admin(client_for, olga, objects):
    client = client_for(olga)
    for method, url in _urls(objects):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'class="list-group settings-nav"' in response.content.decode(), url
    index = client.get("/console/settings/").content.decode()
    for label in ("API 令牌", "用户与角色", "Webhook", "快捷回复"):
        assert label in index


def test_the_log_filters_by_area_user_and_date_and_shows_before_and_after(client_for, olga, org_a):
    other = User.objects.create_user(username="otto", role="org_admin", organization=org_a)
    settings_change_log(
        organization=org_a,
        actor=olga,
        area="webhooks",
        action="changed",
        target="https://a.example/",
        detail={"url": ["https://old.example/", "https://a.example/"]},
    )
    settings_change_log(
        organization=org_a, actor=other, area="tokens", action="revoked", target="erp (ab12…)"
    )
    old = settings_change_log(
        organization=org_a, actor=olga, area="canned_replies", action="deleted", target="旧话术"
    )
    SettingsChange.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=40))
    client = client_for(olga)

    def targets(**params: object) -> list[str]:
        response = client.get("/console/settings/log/", params)
        assert response.status_code == 200
        return [row["change"].target for row in response.context["rows"]]

    assert len(targets()) == 3
    assert targets(area="webhooks") == ["https://a.example/"]
    assert targets(actor=other.pk) == ["erp (ab12…)"]
    today = timezone.localdate()
    assert "旧话术" not in targets(date_from=(today - dt.timedelta(days=7)).isoformat())
    assert targets(date_to=(today - dt.timedelta(days=30)).isoformat()) == ["旧话术"]
    # before and after of a change
    body = client.get("/console/settings/log/", {"area": "webhooks"}).content.decode()
    assert "<del>https://old.example/</del>" in body and "https://a.example/" in body
    assert "修改" in body and "Webhook" in body
    # a bad filter is a form error that keeps the input, not a 500
    bad = client.get("/console/settings/log/", {"date_from": "2026-13-45", "area": "nonsense"})
    assert bad.status_code == 200
    assert "date_from" in bad.context["form"].errors and 'value="2026-13-45"' in bad.content.decode()
    reversed_range = client.get(
        "/console/settings/log/", {"date_from": "2026-12-07", "date_to": "2026-12-01"}
    )
    assert "date_to" in reversed_range.context["form"].errors


def test_the_settings_pages_speak_english(client_for, olga, objects):
    client = client_for(olga)
    client.cookies["django_language"] = "en"
    # the objects' own words, the organization's name, and the legal term English text glosses
    # in Chinese beside its translation (三包)
    data = {"受理确认", "您好", "家电", "三包"}
    for method, url in _urls(objects):
        if method != "get":
            continue
        body = client.get(url).content.decode()
        body = re.sub(r'<(script|option value="zh-hans").*?</\1>', "", body, flags=re.S)
        for word in data:
            body = body.replace(word, "")
        body = body.replace('lang="zh-hans">中文', "")
        left = sorted(set(re.findall(r"[\u4e00-\u9fff]+", body)))
        assert left == [], (url, left)
    assert "Send test" in client.get(f"/console/settings/webhooks/{objects['sub']}/").content.decode()
