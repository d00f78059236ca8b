"""The customer portal's request pages, through Django's test client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.service import services
from aftersales.service.models import Attachment, Message, Rating, ServiceRequest
from aftersales.service.tests.support import EXE, HTMX, png
from aftersales.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db


# --- portal ----------------------------------------------------------------------------------


def test_portal_submit_with_photos(client_for, carol, carols_unit):
    client = client_for(carol)

    response = client.post(
        "/portal/requests/new/",
        {
            "unit": carols_unit.pk,
            "kind": "repair",
            "description": "洗衣机不排水",
            "photos": [png("a.png"), png("b.png")],
        },
    )

    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/requests/{created.number}/"
    assert (created.channel, created.customer_id, created.created_by_id) == (
        "web",
        carols_unit.customer_id,
        carol.pk,
    )
    assert sorted(a.name for a in created.attachments.all()) == ["a.png", "b.png"]
    assert all(a.public for a in created.attachments.all())
    page = client.get(response["Location"]).content.decode()
    assert "a.png" in page and "洗衣机不排水" in page


def test_portal_serial_not_registered_to_me_is_a_field_error(client_for, carol, carols_unit, org_a):
    someone_elses = UnitFactory(organization=org_a, serial_number="SN-NOT-CAROL")

    response = client_for(carol).post(
        "/portal/requests/new/",
        {
            "serial": someone_elses.serial_number,
            "kind": "repair",
            "description": "冰箱不制冷",
        },
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "没有登记在您名下" in body and "冰箱不制冷" in body and 'value="SN-NOT-CAROL"' in body
    assert not ServiceRequest.objects.exists()


def test_portal_typed_serial_of_my_unit_works(client_for, carol, carols_unit):
    response = client_for(carol).post(
        "/portal/requests/new/",
        {
            "serial": "sn-carol-1",
            "kind": "maintenance",
            "description": "想做一次清洗",
            "preferred_start": "2030-05-01T09:00",
            "preferred_end": "2030-05-01T12:00",
        },
    )

    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and created.unit_id == carols_unit.pk and created.kind == "maintenance"
    assert created.preferred_start is not None and created.preferred_start.hour in (1, 9)


def test_portal_fake_photo_refuses_the_whole_request_and_keeps_the_text(client_for, carol, carols_unit):
    response = client_for(carol).post(
        "/portal/requests/new/",
        {
            "unit": carols_unit.pk,
            "kind": "repair",
            "description": "屏幕碎了",
            "photos": [SimpleUploadedFile("screen.jpg", EXE, content_type="image/jpeg")],
        },
    )

    body = response.content.decode()
    assert response.status_code == 422 and "screen.jpg" in body and "屏幕碎了" in body
    assert not ServiceRequest.objects.exists() and not Attachment.objects.exists()


def test_portal_unit_with_an_open_request_warns_then_submits_anyway(client_for, carol, carols_unit, sr):
    client = client_for(carol)
    form = {"unit": carols_unit.pk, "kind": "repair", "description": "还是不行"}

    warned = client.post("/portal/requests/new/", form)
    anyway = client.post("/portal/requests/new/", {**form, "allow_duplicate": "on"})

    assert warned.status_code == 422 and sr.number in warned.content.decode()
    assert anyway.status_code == 302 and ServiceRequest.objects.count() == 2


def test_portal_status_fragment_polls_and_asks_for_a_reload_on_change(client_for, alice, carol, sr):
    client = client_for(carol)
    url = f"/portal/requests/{sr.number}/status/?seen=new"

    same = client.get(url, **HTMX)
    services.request_transition(request=sr, name="accept", by=alice, notify=False)
    changed = client.get(url, **HTMX)

    assert "HX-Refresh" not in same and 'hx-trigger="every 10s"' in same.content.decode()
    assert "<html" not in same.content.decode()
    assert changed["HX-Refresh"] == "true" and "正在安排工程师" in changed.content.decode()


def test_portal_status_poll_after_the_session_ends_sends_the_page_to_login(client_for, carol, sr):
    client = client_for(carol)
    url = f"/portal/requests/{sr.number}/status/?seen=new"
    assert client.get(url, **HTMX).status_code == 200
    client.logout()

    polled = client.get(url, **HTMX)
    plain = client.get(url)

    # HTMX navigates the whole page (HX-Redirect) instead of swapping the login form into the card.
    assert polled.status_code == 200 and polled["HX-Redirect"].startswith("/accounts/login/")
    assert "next=" in polled["HX-Redirect"] and b"<form" not in polled.content
    assert plain.status_code == 302 and "HX-Redirect" not in plain


def _resolve(sr, by) -> None:
    for name in ("accept", "assign", "start", "resolve"):
        services.request_transition(request=sr, name=name, by=by, notify=False)


def test_portal_reject_needs_a_reason_then_reopens(client_for, alice, carol, sr):
    _resolve(sr, alice)
    client = client_for(carol)
    assert 'id="accept"' in client.get(f"/portal/requests/{sr.number}/").content.decode()

    missing = client.post(f"/portal/requests/{sr.number}/reject/", {"reason": ""})
    sr.refresh_from_db()
    assert missing.status_code == 422 and sr.status == "resolved"

    client.post(f"/portal/requests/{sr.number}/reject/", {"reason": "外机还是不转"})
    sr.refresh_from_db()
    page = client.get(f"/portal/requests/{sr.number}/").content.decode()
    assert (sr.status, sr.reopen_count) == ("reopened", 1)
    assert "外机还是不转" in page and 'id="accept"' not in page


def test_portal_accept_then_rate_once(client_for, alice, carol, sr):
    _resolve(sr, alice)
    client = client_for(carol)

    client.post(f"/portal/requests/{sr.number}/accept/")
    sr.refresh_from_db()
    assert sr.status == "closed"
    assert 'id="rating-form"' in client.get(f"/portal/requests/{sr.number}/").content.decode()

    partial = client.post(f"/portal/requests/{sr.number}/rate/", {"quality": 5, "comment": "不错"})
    assert partial.status_code == 422 and "请给出 1 到 5 星" in partial.content.decode()
    assert "不错" in partial.content.decode()

    stars = {
        "quality": 5,
        "speed": 4,
        "attitude": 5,
        "professionalism": 4,
        "price": 3,
        "comment": "师傅很专业",
    }
    client.post(f"/portal/requests/{sr.number}/rate/", stars)
    again = client.post(f"/portal/requests/{sr.number}/rate/", {**stars, "quality": 1})

    rating = Rating.objects.get(request=sr)
    assert (rating.quality, rating.price, rating.comment) == (5, 3, "师傅很专业")
    assert again.status_code == 422
    page = client.get(f"/portal/requests/{sr.number}/").content.decode()
    assert 'id="rating-form"' not in page and "师傅很专业" in page and "★★★☆☆" in page


def test_portal_accept_is_refused_before_resolution(client_for, carol, sr):
    response = client_for(carol).post(f"/portal/requests/{sr.number}/accept/", follow=True)

    sr.refresh_from_db()
    assert sr.status == "new" and "不能执行" in response.content.decode()


def test_portal_reply_with_photo_reaches_the_agent(client_for, alice, carol, sr):
    client_for(carol).post(
        f"/portal/requests/{sr.number}/reply/", {"body": "补一张照片", "photos": [png("c.png")]}
    )
    client_for(alice)

    page = client_for(alice).get(f"/console/requests/{sr.number}/").content.decode()
    message = Message.objects.get(request=sr)
    assert (message.author_kind, message.internal) == ("customer", False)
    assert message.attachments.get().name == "c.png"
    assert "补一张照片" in page and "c.png" in page


def test_staff_get_404_on_portal_pages(client_for, alice):
    assert client_for(alice).get("/portal/requests/").status_code == 404
    assert client_for(alice).get("/portal/requests/new/").status_code == 404
