"""Dispatch pages through Django's test client: board, booking, coverage, mail-in, technician view, access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from aftersales.dispatch import booking
from aftersales.dispatch.mailin import mail_in_start
from aftersales.dispatch.models import Appointment, DayPlan, MailInShipment
from aftersales.service import services
from aftersales.service.models import Fulfilment, Status
from aftersales.stations.models import ServiceStation

from .conftest import field_request, make_technician, today, tomorrow_at

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def tomorrow() -> str:
    return (today() + timedelta(days=1)).isoformat()


def test_dispatcher_board_shows_technicians_blocks_map_and_pending(
    client_for, dave, org_a, station, carol_customer, ac_model, carol_request, tina_tech
):
    booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    for hour in (8, 12, 14):
        booking.appointment_book(
            request=field_request(org_a, carol_customer, ac_model), start=tomorrow_at(hour), by=None
        )
    pending = field_request(org_a, carol_customer, ac_model)
    for _ in range(3):
        field_request(org_a, carol_customer, ac_model)
    client = client_for(dave)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/console/dispatch/board/", {"station": station.pk, "date": tomorrow()})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-technician="{tina_tech.pk}"' in html and carol_request.number in html
    assert 'id="dispatch-map-data"' in html and pending.number in html and "确认派单" in html
    # One query count whatever the number of visits and waiting requests (proposals included).
    # The station calendar (for shifts on holidays) is one of them; the map's tile settings and the
    # nearby stations with their service radius are two more.
    assert len(queries) <= 23


def test_drag_to_another_technician_reassigns_through_htmx(
    client_for, dave, org_a, station, carol_request, tina_tech
):
    zed = make_technician(org_a, station, "zed")
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    response = client_for(dave).post(
        "/console/dispatch/board/reassign/",
        {"appointment": appointment.pk, "technician": zed.pk, "station": station.pk, "date": tomorrow()},
        **HTMX,
    )
    assert response.status_code == 200 and "已改派给 Zed" in response.content.decode()
    appointment.refresh_from_db()
    carol_request.refresh_from_db()
    assert appointment.technician == zed and carol_request.assignee == zed.user
    assert carol_request.status == Status.SCHEDULED
    assert (
        carol_request.events.filter(kind="assignment")
        .last()
        .reason.startswith("改派：由 Zed 上门，预约时段不变")
    )


def test_a_drop_that_cannot_be_kept_shows_the_reason_and_changes_nothing(
    client_for, dave, org_a, station, carol_request, tina_tech
):
    washer = make_technician(
        org_a, station, "washer", skills=[("category", "washer", 3), ("work", "repair", 3)]
    )
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    response = client_for(dave).post(
        "/console/dispatch/board/reassign/",
        {"appointment": appointment.pk, "technician": washer.pk, "station": station.pk, "date": tomorrow()},
        **HTMX,
    )
    assert response.status_code == 422 and "Washer 不具备所需技能：空调" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.technician == tina_tech
    bad = client_for(dave).post(
        "/console/dispatch/board/reassign/", {"appointment": "x", "station": station.pk}
    )
    assert bad.status_code == 422


def test_plan_button_plans_the_day(client_for, dave, station, carol_request):
    booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    response = client_for(dave).post(
        "/console/dispatch/board/plan/", {"station": station.pk, "date": tomorrow()}, **HTMX
    )
    assert response.status_code == 200 and "已规划：1 个上门" in response.content.decode()
    assert DayPlan.objects.get().stops.count() == 1


def test_customer_books_in_the_portal(client_for, carol, carol_request):
    client = client_for(carol)
    page = client.get(f"/portal/requests/{carol_request.number}/book/")
    assert page.status_code == 200 and "选择上门时段" in page.content.decode()
    missing = client.post(f"/portal/requests/{carol_request.number}/book/", {"action": "book"})
    assert missing.status_code == 422 and "请选择一个预约时段" in missing.content.decode()
    done = client.post(
        f"/portal/requests/{carol_request.number}/book/",
        {"action": "book", "slot": tomorrow_at(10).isoformat()},
    )
    assert done.status_code == 302 and done["Location"] == f"/portal/requests/{carol_request.number}/"
    assert Appointment.objects.get().window_start == tomorrow_at(10)
    again = client.get(f"/portal/requests/{carol_request.number}/book/").content.decode()
    assert "已预约上门" in again and "改约到" in again


def test_a_full_slot_in_the_portal_is_a_form_error(
    client_for, carol, org_a, carol_customer, ac_model, carol_request, tina_tech
):
    tina_tech.max_jobs_per_day = 1
    tina_tech.save()
    other = field_request(org_a, carol_customer, ac_model)
    booking.appointment_book(request=other, start=tomorrow_at(10), by=None)
    response = client_for(carol).post(
        f"/portal/requests/{carol_request.number}/book/",
        {"action": "book", "slot": tomorrow_at(10).isoformat()},
    )
    assert response.status_code == 409 and "已约满" in response.content.decode()


def test_outside_the_network_the_customer_chooses_mail_in(
    client_for, carol, org_a, station, carol_customer, ac_model, tina_tech
):
    sr = field_request(org_a, carol_customer, ac_model, where=(30.2741, 120.1551))
    client = client_for(carol)
    page = client.get(f"/portal/requests/{sr.number}/book/").content.decode()
    assert "不在上门服务范围内" in page and station.name in page
    chosen = client.post(f"/portal/requests/{sr.number}/book/", {"action": "mail_in", "method": "self_ship"})
    assert chosen.status_code == 302
    sr.refresh_from_db()
    assert sr.fulfilment == Fulfilment.MAIL_IN
    shipped = client.post(
        f"/portal/requests/{sr.number}/mail-in/", {"step": "in_transit", "carrier": "顺丰", "tracking": ""}
    )
    assert shipped.status_code == 422 and "运单号" in shipped.content.decode()
    client.post(
        f"/portal/requests/{sr.number}/mail-in/", {"step": "in_transit", "carrier": "顺丰", "tracking": "SF1"}
    )
    assert MailInShipment.objects.get().status == "in_transit"
    # the repair centre takes the next steps; the customer may not
    assert client.post(f"/portal/requests/{sr.number}/mail-in/", {"step": "received"}).status_code == 403


def test_mail_in_steps_in_the_console_resolve_the_request(
    client_for, alice, org_a, station, carol_customer, ac_model, tina_tech
):
    sr = field_request(org_a, carol_customer, ac_model)
    services.request_assign(request=sr, assignee=tina_tech.user, by=alice)
    mail_in_start(request=sr, by=alice, method="pickup")
    client = client_for(alice)
    url = f"/console/dispatch/mail-in/{sr.number}/"
    steps = [
        {"step": "in_transit", "carrier": "顺丰", "tracking": "SF2", "logistics_cost": "18"},
        {"step": "received"},
        {"step": "repaired", "diagnosis": "更换主控板", "fault_code": "E5"},
        {"step": "shipped_back", "carrier": "顺丰", "tracking": "SF3", "logistics_cost": "18"},
    ]
    for data in steps:
        assert client.post(url, data).status_code == 302, data
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED
    record = sr.repair_records.get()
    assert record.logistics_cost == 36 and record.fault_code == "E5"
    out_of_order = client.post(url, {"step": "received"})
    assert out_of_order.status_code == 409


def test_console_booking_and_request_panel(client_for, alice, carol_request, tina_tech):
    client = client_for(alice)
    page = client.get(f"/console/dispatch/book/{carol_request.number}/").content.decode()
    assert "1 位可约" in page and tina_tech.name in page
    booked = client.post(
        f"/console/dispatch/book/{carol_request.number}/",
        {"action": "book", "slot": tomorrow_at(8).isoformat(), "technician": tina_tech.pk},
    )
    assert booked.status_code == 302
    panel = client.get(f"/console/dispatch/panel/{carol_request.number}/").content.decode()
    assert "08:00–10:00" in panel and tina_tech.name in panel


def test_coverage_report_counts_demand_outside_the_network_by_city(
    client_for, dave, org_a, station, carol_customer, ac_model, tina_tech
):
    field_request(org_a, carol_customer, ac_model)
    outside = field_request(org_a, carol_customer, ac_model, where=(30.2741, 120.1551))
    outside.address_region = "浙江省杭州市西湖区"
    outside.save()
    page = client_for(dave).get("/console/dispatch/coverage/").content.decode()
    assert "杭州市" in page and outside.number in page


def test_technician_sees_today_and_the_visit(client_for, org_a, carol_customer, ac_model, station, tina_tech):
    vip = carol_customer
    vip.tier = "vip"
    vip.save()
    sr = field_request(org_a, vip, ac_model)
    avail = booking.availability(request=sr)
    appointment = booking.appointment_book(request=sr, start=avail.slots[0].start, by=None)
    client = client_for(tina_tech.user)
    day = avail.slots[0].start.date().isoformat()
    with CaptureQueriesContext(connection) as queries:
        listing = client.get("/tech/", {"date": day}).content.decode()
    assert len(queries) <= 8
    assert sr.number in listing and "uri.amap.com/marker?position=" in listing and "geo:" in listing
    visit = client.get(f"/tech/visits/{appointment.pk}/").content.decode()
    assert "到达签到" in visit and "南京西路" not in visit  # the customer's address, not the station's
    assert (
        client.post(
            f"/tech/visits/{appointment.pk}/check-in/", {"latitude": "31.24", "longitude": "121.48"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/tech/visits/{appointment.pk}/record/", {"diagnosis": "", "labour_minutes": "-5"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/tech/visits/{appointment.pk}/complete/", {"signed_by": "王", "signature": "nope"}
        ).status_code
        == 422
    )


@pytest.mark.parametrize("path", ["/console/dispatch/board/", "/console/dispatch/coverage/"])
def test_pages_outside_a_role_s_work_answer_404(client_for, tina, carol, path, station):
    assert client_for(tina).get(path).status_code == 404
    assert client_for(carol).get(path).status_code == 404


def test_other_organizations_and_customers_get_404(
    client_for, bob, cody, dave, carol_request, tina_tech, org_b
):
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    assert client_for(cody).get(f"/portal/requests/{carol_request.number}/book/").status_code == 404
    assert client_for(bob).get(f"/console/dispatch/book/{carol_request.number}/").status_code == 404
    assert client_for(dave).get("/tech/").status_code == 404
    assert client_for(dave).get(f"/tech/visits/{appointment.pk}/").status_code == 404
    bobs_tech = make_technician(org_b, _station_b(org_b), "bobtech")
    assert client_for(bobs_tech.user).get(f"/tech/visits/{appointment.pk}/").status_code == 404
    oscar_board = client_for(bob).post(
        "/console/dispatch/board/reassign/", {"appointment": appointment.pk, "technician": tina_tech.pk}
    )
    assert oscar_board.status_code == 404


def _station_b(org_b):
    return ServiceStation.objects.create(
        organization=org_b,
        code="b1",
        name="B 网点",
        province="上海市",
        city="上海市",
        address="x",
        latitude=31.2,
        longitude=121.4,
    )


def test_the_includes_for_the_request_pages(rf, carol_request, carol, client_for, quinn):
    portal = render_to_string("dispatch/includes/portal_booking.html", {"sr": carol_request})
    assert f"/portal/requests/{carol_request.number}/book/" in portal
    console = render_to_string("dispatch/includes/request_panel.html", {"sr": carol_request, "user": quinn})
    assert f"/console/dispatch/panel/{carol_request.number}/" in console
    # a page rendered for no one offers no panel
    assert "/console/dispatch/panel/" not in render_to_string(
        "dispatch/includes/request_panel.html", {"sr": carol_request}
    )
    # every staff role may load the panel; only booking roles get the booking link
    panel = client_for(quinn).get(f"/console/dispatch/panel/{carol_request.number}/")
    assert panel.status_code == 200 and "预约上门" not in panel.content.decode()
    assert client_for(carol).get(f"/console/dispatch/panel/{carol_request.number}/").status_code == 404
