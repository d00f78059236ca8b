"""A technician's visit on a phone, in a real Chromium: route, check-in, part and labour, signature, resolved."""

from __future__ import annotations

import pytest
from PIL import Image

from aftersales.dispatch import booking
from aftersales.dispatch.models import Appointment, RepairRecord, VisitPhoto
from aftersales.service.models import ServiceRequest, Status
from conftest import browser_login

from .conftest import day_at, field_request, today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def todays_visit(org_a, station, carol_customer, ac_model, parts, tina_tech):
    carol_customer.tier = "vip"  # VIPs may be booked for the same day
    carol_customer.save()
    sr = field_request(org_a, carol_customer, ac_model, purchased_days_ago=500)
    return booking.appointment_book(request=sr, start=day_at(today(), 10), by=None, now=day_at(today(), 0))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "before.jpg"
    Image.new("RGB", (320, 240), (200, 120, 30)).save(path, format="JPEG")
    return path


def test_technician_completes_a_visit_on_the_phone(phone_page, screenshot, todays_visit, tina_tech, photo):
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2485, "longitude": 121.5052})

    # given: today's route with the visit, and links to navigate there
    browser_login(page, "tina")
    page.goto("/tech/")
    card = page.locator(f"[data-visit='{todays_visit.pk}']")
    assert card.count() == 1
    assert "uri.amap.com/marker" in card.locator("a", has_text="高德").get_attribute("href")
    assert card.locator("a", has_text="导航").get_attribute("href").startswith("geo:")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the route must fit the phone"
    screenshot(page, "01-today")

    # when: she opens it and checks in with the big button at the bottom
    page.click(f"#open-visit-{todays_visit.pk}")
    page.wait_for_url(f"**/tech/visits/{todays_visit.pk}/")
    button = page.locator("#check-in")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] > 844 - 90, "the main action sits at the bottom"
    screenshot(page, "02-visit")
    button.click()
    page.wait_for_url("**#work")
    appointment = Appointment.objects.get(pk=todays_visit.pk)
    assert appointment.checked_in_at is not None
    assert appointment.checked_in_latitude == pytest.approx(31.2485)
    assert ServiceRequest.objects.get(pk=appointment.request_id).status == Status.IN_PROGRESS

    # she records the diagnosis and labour, a photo, and the compressor she fits
    page.fill("#id_fault_code", "E6")
    page.fill("#id_diagnosis", "室外机不启动，压缩机电容损坏")
    page.fill("#id_labour_minutes", "90")
    page.click("#save-record")
    page.wait_for_url("**#parts")
    page.set_input_files("#photos input[type=file]", str(photo))
    page.click("#photos button[type=submit]")
    page.wait_for_url("**#photos")
    page.select_option("#id_part", label="AC-COMP 压缩机 ¥980.00")
    page.fill("#id_serial_in", "CMP-2026-001")
    page.click("#add-part")
    page.wait_for_url("**#parts")
    assert page.locator("#part-list .part-covered").count() == 1  # a main part, still in its 36 months
    assert (
        page.locator("#charge-labour").inner_text() == "¥180.00"
    )  # out of the 12-month term: labour is paid
    assert page.locator("#charge-total").inner_text() == "¥230.00"
    screenshot(page, "03-recorded")

    # the customer signs on the screen
    canvas = page.locator("#signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (15 if step % 2 else -15))
    page.mouse.up()
    assert page.locator("#id_signature").input_value().startswith("data:image/png;base64,")
    page.fill("#id_signed_by", "王卡罗")
    screenshot(page, "04-signed")
    page.click("#complete")
    page.wait_for_url("**/tech/")

    # then: the request is resolved, with the record, the signature and the photo kept
    sr = ServiceRequest.objects.get(pk=appointment.request_id)
    assert sr.status == Status.RESOLVED
    record = RepairRecord.objects.get(appointment=appointment)
    assert record.signature is not None and record.signature.content_type == "image/png"
    assert record.signed_by == "王卡罗" and record.charge_total == 230
    assert record.parts.get().serial_in == "CMP-2026-001"
    assert VisitPhoto.objects.filter(record=record, stage="before").count() == 1
    appointment.refresh_from_db()
    assert (
        appointment.status == Appointment.Status.DONE
        and appointment.checked_out_latitude == pytest.approx(31.2485)
    )
    assert "客户已签字验收" in page.content()
    screenshot(page, "05-done")
