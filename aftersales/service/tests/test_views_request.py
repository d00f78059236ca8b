"""The actions on a request's console page and its attachments, through Django's test client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.service import services
from aftersales.service.models import Attachment, CannedReply, Message, ServiceRequest
from aftersales.service.tests.support import EXE, HTMX, open_request, png, services_attach

pytestmark = pytest.mark.django_db


# --- request page actions --------------------------------------------------------------------


def test_transition_needing_a_reason_asks_for_it(client_for, alice, sr):
    client = client_for(alice)

    missing = client.post(f"/console/requests/{sr.number}/transition/", {"name": "cancel", "reason": ""})
    sr.refresh_from_db()
    assert missing.status_code == 422 and "请填写原因" in missing.content.decode() and sr.status == "new"

    done = client.post(
        f"/console/requests/{sr.number}/transition/", {"name": "cancel", "reason": "客户重复报修"}
    )
    sr.refresh_from_db()
    assert done.status_code == 302 and sr.status == "cancelled"
    assert "客户重复报修" in client.get(f"/console/requests/{sr.number}/").content.decode()


def test_a_transition_the_table_forbids_is_refused(client_for, alice, sr):
    response = client_for(alice).post(f"/console/requests/{sr.number}/transition/", {"name": "resolve"})

    sr.refresh_from_db()
    assert response.status_code == 422 and "不能执行" in response.content.decode() and sr.status == "new"


def test_assign_moves_an_accepted_request_and_names_the_person(client_for, alice, tina, bob, sr):
    client = client_for(alice)
    services.request_transition(request=sr, name="accept", by=alice, notify=False)

    stranger = client.post(f"/console/requests/{sr.number}/assign/", {"assignee": bob.pk})
    ok = client.post(f"/console/requests/{sr.number}/assign/", {"assignee": tina.pk})

    assert stranger.status_code == 422
    sr.refresh_from_db()
    assert ok.status_code == 302 and (sr.status, sr.assignee_id) == ("assigned", tina.pk)
    page = client.get(f"/console/requests/{sr.number}/").content.decode()
    assert f"派单给 {tina.get_full_name() or tina.username}" in page


def test_stale_edit_is_refused_and_keeps_the_typed_values(client_for, alice, dave, sr):
    client = client_for(alice)
    seen = sr.version
    services.request_update(request=sr, by=dave, version=seen, priority="high")  # someone else saves first

    response = client.post(
        f"/console/requests/{sr.number}/edit/",
        {
            "version": seen,
            "priority": "low",
            "kind": "repair",
            "description": "我写的新描述",
        },
    )

    sr.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 422
    assert "已被他人修改" in body and "我写的新描述" in body and '<option value="low" selected>' in body
    assert f'name="version" value="{sr.version}"' in body  # saving again is now a deliberate overwrite
    assert (sr.priority, sr.description) == ("high", "空调不制冷")


def test_edit_with_the_current_version_saves_and_shows_on_the_timeline(client_for, alice, sr):
    client = client_for(alice)

    response = client.post(
        f"/console/requests/{sr.number}/edit/",
        {
            "version": sr.version,
            "priority": "urgent",
            "kind": "repair",
            "description": "空调不制冷，有异味",
        },
    )

    sr.refresh_from_db()
    assert response.status_code == 302 and (sr.priority, sr.description) == ("urgent", "空调不制冷，有异味")
    page = client.get(f"/console/requests/{sr.number}/").content.decode()
    assert "普通 → <strong>紧急</strong>" in page


def test_public_reply_and_internal_note_reach_the_right_people(client_for, alice, carol, sr):
    staff = client_for(alice)
    staff.post(f"/console/requests/{sr.number}/reply/", {"body": "师傅明天上午到", "visibility": "public"})
    staff.post(
        f"/console/requests/{sr.number}/reply/",
        {"body": "客户脾气急，注意沟通", "visibility": "internal", "uploads": [png("internal.png")]},
    )
    staff.logout()

    portal = client_for(carol).get(f"/portal/requests/{sr.number}/").content.decode()

    assert "师傅明天上午到" in portal
    assert "客户脾气急" not in portal and "internal.png" not in portal
    assert Message.objects.filter(request=sr, internal=True).count() == 1
    assert Attachment.objects.get().public is False


def test_reply_without_text_or_file_is_an_error(client_for, alice, sr):
    response = client_for(alice).post(
        f"/console/requests/{sr.number}/reply/", {"body": " ", "visibility": "public"}
    )

    assert response.status_code == 422 and "请填写内容或选择附件" in response.content.decode()


def test_renamed_exe_is_refused_naming_the_file_and_storing_nothing(client_for, alice, sr):
    evil = SimpleUploadedFile("invoice-photo.jpg", EXE, content_type="image/jpeg")

    response = client_for(alice).post(
        f"/console/requests/{sr.number}/reply/",
        {
            "body": "附上照片",
            "visibility": "public",
            "uploads": [png("ok.png"), evil],
        },
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "invoice-photo.jpg" in body and "内容与扩展名不符" in body
    assert "附上照片" in body  # the text is kept
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_unsupported_extension_error_names_the_file(client_for, alice, sr):
    response = client_for(alice).post(
        f"/console/requests/{sr.number}/reply/",
        {
            "visibility": "public",
            "uploads": [SimpleUploadedFile("setup.exe", EXE)],
        },
    )

    assert response.status_code == 422 and "setup.exe" in response.content.decode()


def test_canned_reply_is_filled_in_for_this_request(client_for, alice, org_b, sr):
    mine = CannedReply.objects.create(
        organization=sr.organization, title="上门确认", body="{customer_name}您好，{number} 已安排。"
    )
    theirs = CannedReply.objects.create(organization=org_b, title="别家", body="x")
    client = client_for(alice)

    filled = client.get(f"/console/requests/{sr.number}/canned/?canned={mine.pk}", **HTMX)
    other = client.get(f"/console/requests/{sr.number}/canned/?canned={theirs.pk}", **HTMX)

    assert filled.status_code == 200 and f"王卡罗您好，{sr.number} 已安排。" in filled.content.decode()
    assert other.status_code == 404
    assert "上门确认" in client.get(f"/console/requests/{sr.number}/").content.decode()


def test_merge_and_split(client_for, alice, carols_unit, sr):
    client = client_for(alice)
    twin = open_request(carols_unit, description="同一个问题又报了一次")
    services.message_add(request=twin, by=carols_unit.customer.user, body="请快点", notify=False)

    merged = client.post(f"/console/requests/{twin.number}/merge/", {"target": sr.number})
    missing = client.post(f"/console/requests/{sr.number}/merge/", {"target": "SR-1999-000001"})
    split = client.post(
        f"/console/requests/{sr.number}/split/", {"description": "另外遥控器也坏了", "kind": ""}
    )

    twin.refresh_from_db()
    assert merged.status_code == 302 and (twin.status, twin.merged_into_id) == ("closed", sr.pk)
    assert missing.status_code == 422 and "没有这张服务单" in missing.content.decode()
    new = ServiceRequest.objects.get(description="另外遥控器也坏了")
    assert split.status_code == 302 and new.linked_to_id == sr.pk
    page = client.get(f"/console/requests/{sr.number}/").content.decode()
    assert "请快点" in page and twin.number in page and new.number in page


# --- attachments -----------------------------------------------------------------------------


def test_attachment_download_checks_who_is_asking(client_for, alice, bob, carol, cody, sr):
    public = services_attach(sr, alice, "public.png", public=True)
    internal = services_attach(sr, alice, "internal.png", public=False)

    assert client_for(alice).get(f"/requests/attachments/{internal.pk}").status_code == 200
    response = client_for(carol).get(f"/requests/attachments/{public.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client_for(carol).get(f"/requests/attachments/{internal.pk}").status_code == 404
    assert client_for(cody).get(f"/requests/attachments/{public.pk}").status_code == 404
    assert client_for(bob).get(f"/requests/attachments/{public.pk}").status_code == 404
    assert client_for(alice).get("/requests/attachments/999999").status_code == 404
