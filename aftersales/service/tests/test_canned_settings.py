"""Canned replies on the settings pages: list, create, edit, delete; placeholders checked; audited;
another organization's replies are 404."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import SettingsChange
from aftersales.service import services
from aftersales.service.models import CannedReply
from aftersales.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db

BASE = "/console/settings/canned-replies/"


def test_create_edit_delete(client_for, olga):
    client = client_for(olga)
    created = client.post(
        f"{BASE}new/", {"title": "上门确认", "body": "{customer_name}您好，{number} 的工程师已出发。"}
    )
    assert created.status_code == 302
    reply = CannedReply.objects.get()
    assert reply.organization == olga.organization
    assert "上门确认" in client.get(BASE).content.decode()

    edited = client.post(
        f"{BASE}{reply.pk}/", {"title": "上门确认", "body": "{customer_name}您好，工程师{agent_name}已出发。"}
    )
    assert edited.status_code == 302
    reply.refresh_from_db()
    assert "{agent_name}" in reply.body

    deleted = client.post(f"{BASE}{reply.pk}/delete/")
    assert deleted.status_code == 302
    assert CannedReply.objects.count() == 0
    assert [c.action for c in SettingsChange.objects.filter(area="canned_replies").order_by("at", "id")] == [
        "created",
        "changed",
        "deleted",
    ]
    change = SettingsChange.objects.get(action="changed")
    assert list(change.detail) == ["body"] and change.detail["body"][1].endswith("已出发。")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "body": "x"}, "title"),
        ({"title": "t", "body": ""}, "body"),
        ({"title": "t", "body": "您好 {customer}"}, "body"),
        ({"title": "t", "body": "您好 {customer_name"}, "body"),
    ],
)
def test_bad_input_is_a_form_error_that_keeps_it(client_for, olga, data, field):
    response = client_for(olga).post(f"{BASE}new/", data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    if data["body"]:
        assert data["body"] in response.content.decode()
    assert CannedReply.objects.count() == 0 and SettingsChange.objects.count() == 0


def test_a_duplicate_title_is_refused(client_for, olga, org_b):
    CannedReply.objects.create(organization=olga.organization, title="受理确认", body="a")
    CannedReply.objects.create(organization=org_b, title="别家", body="b")
    client = client_for(olga)
    assert client.post(f"{BASE}new/", {"title": "受理确认", "body": "c"}).status_code == 422
    # another organization's title is not in the way
    assert client.post(f"{BASE}new/", {"title": "别家", "body": "c"}).status_code == 302


def test_another_organizations_reply_is_404(client_for, olga, org_b):
    theirs = CannedReply.objects.create(organization=org_b, title="别家话术", body="x")
    client = client_for(olga)
    assert "别家话术" not in client.get(BASE).content.decode()
    assert client.get(f"{BASE}{theirs.pk}/").status_code == 404
    assert client.post(f"{BASE}{theirs.pk}/", {"title": "改", "body": "y"}).status_code == 404
    assert client.post(f"{BASE}{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "别家话术"


def test_a_reply_made_in_settings_is_offered_to_agents(client_for, olga, alice, org_a):
    unit = UnitFactory(organization=org_a)
    sr = services.request_create(
        organization=org_a,
        customer=unit.customer,
        by=None,
        kind="repair",
        channel="web",
        description="不制冷",
        unit=unit,
        allow_duplicate=True,
        notify=False,
    )
    client_for(olga).post(f"{BASE}new/", {"title": "新话术", "body": "{customer_name}您好"})
    reply = CannedReply.objects.get()
    filled = client_for(alice).get(
        f"/console/requests/{sr.number}/canned/?canned={reply.pk}", HTTP_HX_REQUEST="true"
    )
    assert filled.status_code == 200
    assert "您好" in filled.content.decode()
