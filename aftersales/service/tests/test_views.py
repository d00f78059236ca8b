"""The agent console and the customer portal for service requests, through Django's test client."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from aftersales.customers.models import Customer
from aftersales.service import attachments, services
from aftersales.service.models import Attachment, CannedReply, Message, Rating, ServiceRequest
from aftersales.testing.factories import AddressFactory, CustomerFactory, ProductModelFactory, UnitFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 512


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def open_request(unit, *, kind: str = "repair", description: str = "空调不制冷", **kw) -> ServiceRequest:  # type: ignore[no-untyped-def]
    return services.request_create(
        organization=unit.organization, customer=unit.customer, by=None, kind=kind, channel=kw.pop("channel", "web"),
        description=description, unit=unit, allow_duplicate=True, notify=False, **kw,
    )


def flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def carols_unit(org_a, carol):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")
    AddressFactory(customer=customer)
    return UnitFactory(organization=org_a, customer=customer, serial_number="SN-CAROL-1")


@pytest.fixture
def sr(carols_unit) -> ServiceRequest:  # type: ignore[no-untyped-def]
    return open_request(carols_unit)


# --- who sees what ---------------------------------------------------------------------------


def test_console_queue_and_page_render_for_staff_with_masked_phone(client_for, alice, sr):
    client = client_for(alice)

    queue = client.get("/console/requests/")
    page = client.get(f"/console/requests/{sr.number}/")

    assert queue.status_code == 200 and sr.number in queue.content.decode()
    body = page.content.decode()
    assert page.status_code == 200
    assert sr.number in body and "王卡罗" in body and "SN-CAROL-1" in body
    assert "138****5678" in body and "13812345678" not in body
    assert 'data-transition="accept"' in body  # the transition allowed now
    assert 'data-transition="resolve"' not in body  # and not one the table forbids


@pytest.mark.parametrize("who", ["bob", "oscar", "carol", "cody"])
def test_console_request_page_is_404_outside_the_organization(client_for, request, sr, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(f"/console/requests/{sr.number}/").status_code == 404
    assert client.post(f"/console/requests/{sr.number}/transition/", {"name": "accept"}).status_code == 404
    sr.refresh_from_db()
    assert sr.status == "new"


def test_another_organization_does_not_see_the_request_in_its_queue(client_for, bob, sr):
    body = client_for(bob).get("/console/requests/?queue=all").content.decode()

    assert sr.number not in body


@pytest.mark.parametrize("who", ["cody", "alice", "bob"])
def test_portal_request_page_is_404_for_anyone_but_its_customer(client_for, request, sr, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(f"/portal/requests/{sr.number}/").status_code == 404
    assert client.post(f"/portal/requests/{sr.number}/reply/", {"body": "hi"}).status_code == 404
    assert not Message.objects.filter(request=sr).exists()


def test_portal_pages_render_for_the_customer(client_for, carol, sr):
    client = client_for(carol)

    listing = client.get("/portal/requests/")
    page = client.get(f"/portal/requests/{sr.number}/")

    assert listing.status_code == 200 and sr.number in listing.content.decode()
    body = page.content.decode()
    assert page.status_code == 200 and "我们已收到您的服务单" in body
    assert 'hx-trigger="every 10s"' in body


def test_menus_link_to_the_new_pages(client_for, alice, carol):
    assert 'href="/console/requests/"' in client_for(alice).get("/console/customers/").content.decode()
    body = client_for(carol).get("/portal/").content.decode()
    assert 'href="/portal/requests/"' in body and 'href="/portal/requests/new/"' in body


# --- queue -----------------------------------------------------------------------------------


def test_queue_returns_only_the_rows_partial_for_htmx(client_for, alice, sr):
    client = client_for(alice)

    partial = client.get("/console/requests/?q=SN-CAROL-1", **HTMX).content.decode()
    full = client.get("/console/requests/?q=SN-CAROL-1").content.decode()

    assert sr.number in partial and "<html" not in partial and 'id="filters"' not in partial
    assert "<html" in full and 'id="filters"' in full and sr.number in full


def test_queue_filters_come_from_the_url(client_for, alice, tina, org_a, carols_unit):
    urgent = open_request(carols_unit, priority="urgent", description="冒烟")
    phone = open_request(carols_unit, kind="maintenance", channel="phone", description="年度保养")
    mine = open_request(UnitFactory(organization=org_a, serial_number="SN-OTHER-9"), description="异响")
    services.request_assign(request=mine, assignee=alice, by=alice)
    done = open_request(carols_unit, description="已修好")
    for name in ("accept", "assign", "start", "resolve", "close"):
        services.request_transition(request=done, name=name, by=alice, notify=False)
    client = client_for(alice)

    def numbers(query: str) -> set[str]:
        body = client.get("/console/requests/?" + query, **HTMX).content.decode()
        return {r.number for r in (urgent, phone, mine, done) if r.number in body}

    assert numbers("priority=urgent") == {urgent.number}
    assert numbers("kind=maintenance") == {phone.number}
    assert numbers("channel=phone") == {phone.number}
    assert numbers("queue=mine") == {mine.number}
    assert numbers("queue=unassigned") == {urgent.number, phone.number}
    assert numbers("queue=open") == {urgent.number, phone.number, mine.number}
    assert numbers("queue=all") == {urgent.number, phone.number, mine.number, done.number}
    assert numbers("queue=all&status=closed") == {done.number}
    assert numbers("queue=all&q=SN-OTHER-9") == {mine.number}
    assert numbers("queue=all&q=13812345678") == {urgent.number, phone.number, done.number}
    assert numbers(f"queue=all&q={done.number}") == {done.number}
    assert numbers(f"queue=all&q={done.number.lower()}") == {done.number}  # typed in lower case
    # a value the URL should not have is ignored, not an error page
    assert numbers("priority=bogus&queue=nope") == {urgent.number, phone.number, mine.number}


def test_queue_keeps_filters_in_the_page_and_pager(client_for, alice, carols_unit):
    for i in range(27):
        open_request(carols_unit, priority="high", description=f"问题 {i}")
    body = client_for(alice).get("/console/requests/?priority=high&q=问题").content.decode()

    assert '<option value="high" selected>' in body
    assert 'value="问题"' in body
    assert 'href="?priority=high&q=%E9%97%AE%E9%A2%98&page=2"' in body


def _rows(client, n: int, unit) -> int:  # type: ignore[no-untyped-def]
    for _ in range(n):
        open_request(unit)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/console/requests/?queue=all")
    assert response.status_code == 200
    assert response.content.decode().count('name="numbers"') == min(ServiceRequest.objects.count(), 25)
    return len(ctx.captured_queries)


def test_queue_pages_come_in_their_sort_order(client_for, alice, org_a):  # type: ignore[no-untyped-def]
    # The page's ids are picked first and its rows read by id: they must come back in the queue's
    # order (newest first here), page after page, with nothing repeated or skipped.
    unit = UnitFactory(organization=org_a)
    made = [open_request(unit) for _ in range(30)]
    client = client_for(alice)
    seen: list[str] = []
    for page in (1, 2):
        body = client.get(f"/console/requests/?queue=all&sort=newest&page={page}").content.decode()
        seen += re.findall(r'name="numbers" value="([^"]+)"', body)
    expected = [sr.number for sr in sorted(made, key=lambda sr: (sr.created_at, sr.pk), reverse=True)]
    assert seen == expected


def test_queue_query_count_does_not_grow_with_rows(client_for, alice, org_a):
    client = client_for(alice)
    models = [ProductModelFactory(organization=org_a) for _ in range(3)]
    units = [UnitFactory(organization=org_a, product_model=models[i % 3]) for i in range(6)]

    few = _rows(client, 5, units[0])
    for unit in units[1:]:
        _rows(client, 5, unit)
    many = _rows(client, 0, units[0])

    assert ServiceRequest.objects.count() == 30
    assert many == few
    # session, user, the user's organization (menu), count, staff for the bulk select, the page's ids
    # (sorted on the request table alone), the rows for those ids, and their SLA clocks in one prefetch
    assert many <= 8


# --- bulk actions ----------------------------------------------------------------------------


def test_bulk_assign_changes_only_the_ticked_rows(client_for, alice, tina, carols_unit):
    a, b, c = (open_request(carols_unit, description=d) for d in ("一", "二", "三"))

    response = client_for(alice).post("/console/requests/bulk/", {
        "numbers": [a.number, b.number], "action": "assign", "assignee": tina.pk, "querystring": "queue=open",
    })

    assert response.status_code == 302 and response["Location"] == "/console/requests/?queue=open"
    assert {r.number: r.assignee_id for r in ServiceRequest.objects.all()} == {
        a.number: tina.pk, b.number: tina.pk, c.number: None}
    assert any("已处理 2 张" in m for m in flash(response))


def test_bulk_transition_reports_which_failed_and_why(client_for, alice, bob, carols_unit, org_b):
    fresh = open_request(carols_unit, description="新单")
    taken = open_request(carols_unit, description="已受理")
    services.request_transition(request=taken, name="accept", by=alice, notify=False)
    elsewhere = open_request(UnitFactory(organization=org_b), description="别家")

    response = client_for(alice).post("/console/requests/bulk/", {
        "numbers": [fresh.number, taken.number, elsewhere.number], "action": "transition", "transition": "accept",
    })

    fresh.refresh_from_db(), taken.refresh_from_db(), elsewhere.refresh_from_db()
    assert (fresh.status, taken.status, elsewhere.status) == ("accepted", "accepted", "new")
    notes = flash(response)
    assert any("已处理 1 张" in m and fresh.number in m for m in notes)
    assert any(m.startswith(taken.number) and "不能执行" in m for m in notes)
    assert any(m.startswith(elsewhere.number) and "没有这张服务单" in m for m in notes)


def test_bulk_priority_and_cancel_needing_a_reason(client_for, alice, carols_unit):
    a, b = open_request(carols_unit), open_request(carols_unit)
    client = client_for(alice)

    client.post("/console/requests/bulk/", {"numbers": [a.number], "action": "priority", "priority": "urgent"})
    refused = client.post("/console/requests/bulk/", {"numbers": [b.number], "action": "transition",
                                                      "transition": "cancel"})

    a.refresh_from_db(), b.refresh_from_db()
    assert (a.priority, b.priority, b.status) == ("urgent", "normal", "new")
    assert any("请填写原因" in m for m in flash(refused))


def test_bulk_without_ticked_rows_changes_nothing(client_for, alice, tina, sr):
    response = client_for(alice).post("/console/requests/bulk/", {"action": "assign", "assignee": tina.pk})

    sr.refresh_from_db()
    assert sr.assignee is None
    assert any("请先勾选服务单" in m for m in flash(response))


# --- new request (phone intake) --------------------------------------------------------------


def test_new_request_for_a_picked_customer_and_unit(client_for, alice, carols_unit):
    client = client_for(alice)

    response = client.post("/console/requests/new/", {
        "customer": carols_unit.customer_id, "unit": carols_unit.pk, "kind": "repair", "channel": "phone",
        "priority": "high", "fulfilment": "onsite", "description": "外机噪音很大",
    })

    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/requests/{created.number}/"
    assert (created.customer_id, created.unit_id, created.channel, created.priority, created.created_by_id) == (
        carols_unit.customer_id, carols_unit.pk, "phone", "high", alice.pk)
    assert created.address_region  # the customer's default address was copied for the visit


def test_new_request_by_phone_matches_the_existing_customer(client_for, alice, carols_unit):
    response = client_for(alice).post("/console/requests/new/", {
        "name": "王女士", "phone": "138 1234 5678", "serial": "sn-carol-1", "kind": "repair", "channel": "phone",
        "priority": "normal", "fulfilment": "onsite", "description": "不开机",
    })

    assert response.status_code == 302
    assert Customer.objects.count() == 1
    assert ServiceRequest.objects.get().unit_id == carols_unit.pk


def test_new_request_errors_keep_what_was_typed(client_for, alice, carols_unit):
    client = client_for(alice)

    empty = client.post("/console/requests/new/", {
        "name": "李先生", "phone": "13900001111", "kind": "repair", "channel": "phone", "priority": "urgent",
        "fulfilment": "onsite", "description": "",
    })
    wrong_serial = client.post("/console/requests/new/", {
        "customer": carols_unit.customer_id, "serial": "NOT-HERS", "kind": "repair", "channel": "phone",
        "priority": "urgent", "fulfilment": "onsite", "description": "柜机漏水",
    })

    assert empty.status_code == 422
    body = empty.content.decode()
    assert 'value="李先生"' in body and 'value="13900001111"' in body and '<option value="urgent" selected>' in body
    body = wrong_serial.content.decode()
    assert wrong_serial.status_code == 422
    assert "柜机漏水" in body and 'value="NOT-HERS"' in body and "NOT-HERS”的机器" in body
    assert f'id="customer-{carols_unit.customer_id}" value="{carols_unit.customer_id}" checked' in body
    assert not ServiceRequest.objects.exists()


def test_new_request_on_a_unit_with_an_open_one_offers_link_or_create(client_for, alice, carols_unit, sr):
    client = client_for(alice)
    form = {"customer": carols_unit.customer_id, "unit": carols_unit.pk, "kind": "repair", "channel": "phone",
            "priority": "normal", "fulfilment": "onsite", "description": "又坏了"}

    warned = client.post("/console/requests/new/", form)
    linked = client.post("/console/requests/new/", {**form, "link_to": sr.number})
    anyway = client.post("/console/requests/new/", {**form, "allow_duplicate": "on"})

    body = warned.content.decode()
    assert warned.status_code == 422
    assert f'name="link_to" value="{sr.number}"' in body and 'id="create-anyway"' in body and "又坏了" in body
    assert linked.status_code == 302 and anyway.status_code == 302
    newest = ServiceRequest.objects.exclude(pk=sr.pk).order_by("id")
    assert [r.linked_to_id for r in newest] == [sr.pk, None]


def test_new_request_customer_search_and_units_partials(client_for, alice, bob, carols_unit):
    client = client_for(alice)

    found = client.get("/console/requests/new/customers/?q=王卡罗").content.decode()
    units = client.get(f"/console/requests/new/units/?customer={carols_unit.customer_id}").content.decode()
    theirs = client_for(bob).get(f"/console/requests/new/units/?customer={carols_unit.customer_id}").content.decode()

    assert f'value="{carols_unit.customer_id}"' in found and "138****5678" in found
    assert f'<option value="{carols_unit.pk}"' in units and "SN-CAROL-1" in units
    assert "SN-CAROL-1" not in theirs


def test_roles_without_intake_cannot_open_the_new_request_page(client_for, tina, carol):
    assert client_for(tina).get("/console/requests/new/").status_code == 404
    assert client_for(carol).get("/console/requests/new/").status_code == 404


# --- request page actions --------------------------------------------------------------------


def test_transition_needing_a_reason_asks_for_it(client_for, alice, sr):
    client = client_for(alice)

    missing = client.post(f"/console/requests/{sr.number}/transition/", {"name": "cancel", "reason": ""})
    sr.refresh_from_db()
    assert missing.status_code == 422 and "请填写原因" in missing.content.decode() and sr.status == "new"

    done = client.post(f"/console/requests/{sr.number}/transition/", {"name": "cancel", "reason": "客户重复报修"})
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

    response = client.post(f"/console/requests/{sr.number}/edit/", {
        "version": seen, "priority": "low", "kind": "repair", "description": "我写的新描述",
    })

    sr.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 422
    assert "已被他人修改" in body and "我写的新描述" in body and '<option value="low" selected>' in body
    assert f'name="version" value="{sr.version}"' in body  # saving again is now a deliberate overwrite
    assert (sr.priority, sr.description) == ("high", "空调不制冷")


def test_edit_with_the_current_version_saves_and_shows_on_the_timeline(client_for, alice, sr):
    client = client_for(alice)

    response = client.post(f"/console/requests/{sr.number}/edit/", {
        "version": sr.version, "priority": "urgent", "kind": "repair", "description": "空调不制冷，有异味",
    })

    sr.refresh_from_db()
    assert response.status_code == 302 and (sr.priority, sr.description) == ("urgent", "空调不制冷，有异味")
    page = client.get(f"/console/requests/{sr.number}/").content.decode()
    assert "普通 → <strong>紧急</strong>" in page


def test_public_reply_and_internal_note_reach_the_right_people(client_for, alice, carol, sr):
    staff = client_for(alice)
    staff.post(f"/console/requests/{sr.number}/reply/", {"body": "师傅明天上午到", "visibility": "public"})
    staff.post(f"/console/requests/{sr.number}/reply/", {"body": "客户脾气急，注意沟通", "visibility": "internal",
                                                         "uploads": [png("internal.png")]})
    staff.logout()

    portal = client_for(carol).get(f"/portal/requests/{sr.number}/").content.decode()

    assert "师傅明天上午到" in portal
    assert "客户脾气急" not in portal and "internal.png" not in portal
    assert Message.objects.filter(request=sr, internal=True).count() == 1
    assert Attachment.objects.get().public is False


def test_reply_without_text_or_file_is_an_error(client_for, alice, sr):
    response = client_for(alice).post(f"/console/requests/{sr.number}/reply/", {"body": " ", "visibility": "public"})

    assert response.status_code == 422 and "请填写内容或选择附件" in response.content.decode()


def test_renamed_exe_is_refused_naming_the_file_and_storing_nothing(client_for, alice, sr):
    evil = SimpleUploadedFile("invoice-photo.jpg", EXE, content_type="image/jpeg")

    response = client_for(alice).post(f"/console/requests/{sr.number}/reply/", {
        "body": "附上照片", "visibility": "public", "uploads": [png("ok.png"), evil],
    })

    body = response.content.decode()
    assert response.status_code == 422
    assert "invoice-photo.jpg" in body and "内容与扩展名不符" in body
    assert "附上照片" in body  # the text is kept
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_unsupported_extension_error_names_the_file(client_for, alice, sr):
    response = client_for(alice).post(f"/console/requests/{sr.number}/reply/", {
        "visibility": "public", "uploads": [SimpleUploadedFile("setup.exe", EXE)],
    })

    assert response.status_code == 422 and "setup.exe" in response.content.decode()


def test_canned_reply_is_filled_in_for_this_request(client_for, alice, org_b, sr):
    mine = CannedReply.objects.create(organization=sr.organization, title="上门确认",
                                      body="{customer_name}您好，{number} 已安排。")
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
    split = client.post(f"/console/requests/{sr.number}/split/", {"description": "另外遥控器也坏了", "kind": ""})

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


def services_attach(sr, by, name, *, public):  # type: ignore[no-untyped-def]
    return attachments.attachment_add(request=sr, by=by, name=name, data=png(name).read(), public=public)


# --- portal ----------------------------------------------------------------------------------


def test_portal_submit_with_photos(client_for, carol, carols_unit):
    client = client_for(carol)

    response = client.post("/portal/requests/new/", {
        "unit": carols_unit.pk, "kind": "repair", "description": "洗衣机不排水", "photos": [png("a.png"), png("b.png")],
    })

    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/requests/{created.number}/"
    assert (created.channel, created.customer_id, created.created_by_id) == ("web", carols_unit.customer_id, carol.pk)
    assert sorted(a.name for a in created.attachments.all()) == ["a.png", "b.png"]
    assert all(a.public for a in created.attachments.all())
    page = client.get(response["Location"]).content.decode()
    assert "a.png" in page and "洗衣机不排水" in page


def test_portal_serial_not_registered_to_me_is_a_field_error(client_for, carol, carols_unit, org_a):
    someone_elses = UnitFactory(organization=org_a, serial_number="SN-NOT-CAROL")

    response = client_for(carol).post("/portal/requests/new/", {
        "serial": someone_elses.serial_number, "kind": "repair", "description": "冰箱不制冷",
    })

    body = response.content.decode()
    assert response.status_code == 422
    assert "没有登记在您名下" in body and "冰箱不制冷" in body and 'value="SN-NOT-CAROL"' in body
    assert not ServiceRequest.objects.exists()


def test_portal_typed_serial_of_my_unit_works(client_for, carol, carols_unit):
    response = client_for(carol).post("/portal/requests/new/", {
        "serial": "sn-carol-1", "kind": "maintenance", "description": "想做一次清洗",
        "preferred_start": "2030-05-01T09:00", "preferred_end": "2030-05-01T12:00",
    })

    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and created.unit_id == carols_unit.pk and created.kind == "maintenance"
    assert created.preferred_start is not None and created.preferred_start.hour in (1, 9)


def test_portal_fake_photo_refuses_the_whole_request_and_keeps_the_text(client_for, carol, carols_unit):
    response = client_for(carol).post("/portal/requests/new/", {
        "unit": carols_unit.pk, "kind": "repair", "description": "屏幕碎了",
        "photos": [SimpleUploadedFile("screen.jpg", EXE, content_type="image/jpeg")],
    })

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


def test_portal_status_poll_after_the_session_ends_sends_the_page_to_login(client_for, carol, sr):  # type: ignore[no-untyped-def]
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


def _resolve(sr, by) -> None:  # type: ignore[no-untyped-def]
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

    stars = {"quality": 5, "speed": 4, "attitude": 5, "professionalism": 4, "price": 3, "comment": "师傅很专业"}
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
    client_for(carol).post(f"/portal/requests/{sr.number}/reply/", {"body": "补一张照片", "photos": [png("c.png")]})
    client_for(alice)

    page = client_for(alice).get(f"/console/requests/{sr.number}/").content.decode()
    message = Message.objects.get(request=sr)
    assert (message.author_kind, message.internal) == ("customer", False)
    assert message.attachments.get().name == "c.png"
    assert "补一张照片" in page and "c.png" in page


def test_staff_get_404_on_portal_pages(client_for, alice):
    assert client_for(alice).get("/portal/requests/").status_code == 404
    assert client_for(alice).get("/portal/requests/new/").status_code == 404


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/console/requests/?page=abc&status=%00&q=" + "x" * 500, {}),
    ("get", "/console/requests/SR-nope/", {}),
    ("get", "/console/requests/{n}/canned/?canned=abc", {}),
    ("post", "/console/requests/bulk/", {"numbers": ["x" * 200], "action": "assign", "assignee": "abc"}),
    ("post", "/console/requests/bulk/", {"numbers": ["{n}"], "action": "explode"}),
    ("post", "/console/requests/{n}/transition/", {"name": "x" * 100}),
    ("post", "/console/requests/{n}/transition/", {"name": "no_such_step"}),
    ("post", "/console/requests/{n}/assign/", {"assignee": "abc"}),
    ("post", "/console/requests/{n}/edit/", {"version": "abc", "priority": "huge", "kind": "x", "description": ""}),
    ("post", "/console/requests/{n}/merge/", {"target": "{n}"}),
    ("post", "/console/requests/{n}/split/", {"description": "", "kind": "nope"}),
    ("post", "/console/requests/new/", {"customer": "abc", "unit": "abc", "kind": "x"}),
    ("post", "/console/requests/new/", {"customer": "999999", "kind": "repair", "channel": "phone",
                                        "priority": "normal", "fulfilment": "onsite", "description": "x"}),
])
def test_malformed_console_input_is_a_4xx_not_a_500(client_for, alice, sr, method, path, data):
    path = path.replace("{n}", sr.number)
    data = {k: ([x.replace("{n}", sr.number) for x in v] if isinstance(v, list) else v.replace("{n}", sr.number))
            for k, v in data.items()}
    before = sr.version

    response = getattr(client_for(alice), method)(path, data)

    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 404, 422)
    sr.refresh_from_db()
    assert sr.version == before and sr.status == "new"


@pytest.mark.parametrize(("path", "data"), [
    ("/portal/requests/new/", {"unit": "abc", "kind": "laundry", "description": "x", "preferred_start": "tomorrow"}),
    ("/portal/requests/new/", {"kind": "repair", "description": "x", "preferred_start": "2030-05-01T12:00",
                               "preferred_end": "2030-05-01T09:00", "serial": "SN-CAROL-1"}),
    ("/portal/requests/{n}/rate/", {"quality": "11", "speed": "abc"}),
    ("/portal/requests/{n}/reject/", {"reason": ""}),
    ("/portal/requests/{n}/reply/", {"body": ""}),
])
def test_malformed_portal_input_is_a_4xx_not_a_500(client_for, carol, sr, path, data):
    response = client_for(carol).post(path.replace("{n}", sr.number), data)

    assert response.status_code == 422
    assert ServiceRequest.objects.count() == 1 and not Rating.objects.exists()


def test_attachment_whose_file_is_gone_is_404(client_for, alice, sr):
    attachment = services_attach(sr, alice, "gone.png", public=True)
    attachment.file.delete(save=False)

    assert client_for(alice).get(f"/requests/attachments/{attachment.pk}").status_code == 404


def test_portal_merged_request_points_to_the_one_that_continues(client_for, alice, carol, carols_unit, sr):
    twin = open_request(carols_unit, description="重复报修")
    services.request_merge(source=twin, target=sr, by=alice)

    body = client_for(carol).get(f"/portal/requests/{twin.number}/").content.decode()

    assert 'id="merged-into"' in body and f'href="/portal/requests/{sr.number}/"' in body
    assert 'id="rating-form"' not in body
