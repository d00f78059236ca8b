"""The customer's request page and booking page on a phone, in a real Chromium."""

from __future__ import annotations

import pytest

from aftersales.dispatch import booking, visits
from aftersales.dispatch.models import Appointment, RepairRecord
from aftersales.service.models import ServiceRequest, Status
from conftest import browser_login

from .conftest import field_request, tomorrow_at
from .test_visits import signature_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_HEIGHT = 844
RED_REASON = "rgb(132, 32, 41)"  # the console's colour for a reason


def _steps(page) -> list[str]:
    return page.eval_on_selector_all(".progress-steps li", "els => els.map(e => e.dataset.step)")


def _current_step(page) -> str:
    return page.locator(".progress-steps li[aria-current=step]").get_attribute("data-step")


def test_book_a_visit_by_day_tabs_and_see_it_as_its_own_card(
    phone_page, screenshot, carol_request, tina_tech
):
    page = phone_page
    browser_login(page, "carol")
    page.goto(f"/portal/requests/{carol_request.number}/")

    # given an accepted on-site repair: the stepper of a field job has its 已预约 step
    assert _steps(page) == ["new", "accepted", "assigned", "scheduled", "in_progress", "resolved", "closed"]
    assert _current_step(page) == "accepted"
    assert page.locator("#appointment-card").count() == 0
    page.click("#portal-book-link")
    page.wait_for_url(f"**/portal/requests/{carol_request.number}/book/")

    # the booking page: one tab per day and that day's slots, the confirm button on screen
    tabs = page.locator("#day-tabs .day-tab")
    assert tabs.count() == 7
    assert page.locator(".tab-pane.active input[name=slot]").count() == 5
    assert page.locator("input[name=slot]:visible").count() == 5  # only one day's slots are shown
    box = page.locator("#book-submit").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT, box
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "01-booking-day-tabs")

    # when she opens the second day and picks its 10:00 slot
    tabs.nth(1).click()
    pane = page.locator(".tab-pane.active")
    pane.wait_for()
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    pane.locator("label", has_text="10:00–").click()
    box = page.locator("#book-submit").bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE_HEIGHT
    screenshot(page, "02-booking-second-day-picked")
    page.click("#book-submit")
    page.wait_for_url(f"**/portal/requests/{carol_request.number}/")

    # then the visit is a card of its own: date, window, the technician's name masked
    appointment = Appointment.objects.get(request=carol_request)
    assert appointment.window_start.hour in (2, 10)  # 10:00 in Shanghai
    card = page.locator("#appointment-card")
    assert card.is_visible()
    assert page.locator("#appointment-window").inner_text() == "10:00–12:00"
    assert (
        appointment.window_start.astimezone(tomorrow_at(10).tzinfo).strftime("%Y-%m-%d") in card.inner_text()
    )
    assert page.locator("#appointment-technician").inner_text().strip() == "工程师：蒂师傅"
    assert "蒂娜" not in card.inner_text()
    assert page.locator("#portal-status").get_attribute("data-status") == Status.SCHEDULED
    assert _current_step(page) == "scheduled"
    # the system's notes read as notes: no red "原因：" line, neutral colour
    timeline = page.locator("#timeline")
    assert "原因：" not in timeline.inner_text()
    assert page.locator("#timeline .timeline-system").count() >= 1
    colours = page.eval_on_selector_all(
        "#timeline .timeline-reason", "els => els.map(e => getComputedStyle(e).color)"
    )
    assert colours and RED_REASON not in colours
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "03-request-page-with-visit-card")


def test_before_accepting_the_customer_sees_work_parts_and_charges(
    phone_page, screenshot, org_a, carol_customer, ac_model, parts, tina_tech
):
    # given a visit done out of the whole-unit warranty: a covered main part, a charged remote, labour
    sr = field_request(org_a, carol_customer, ac_model, purchased_days_ago=500)
    appointment = booking.appointment_book(request=sr, start=tomorrow_at(10), by=None)
    user = tina_tech.user
    visits.visit_check_in(appointment=appointment, by=user)
    visits.repair_record_update(
        appointment=appointment,
        by=user,
        diagnosis="压缩机不启动，启动电容击穿",
        cause="电容老化",
        labour_minutes=90,
    )
    visits.part_usage_add(appointment=appointment, by=user, part="AC-COMP", serial_in="CMP-9")
    visits.part_usage_add(appointment=appointment, by=user, part=parts["remote"], quantity=2)
    visits.visit_complete(appointment=appointment, by=user, signature=signature_png(), signed_by="王卡罗")
    record = RepairRecord.objects.get(appointment=appointment)
    assert ServiceRequest.objects.get(pk=sr.pk).status == Status.RESOLVED

    page = phone_page
    browser_login(page, "carol")
    page.goto(f"/portal/requests/{sr.number}/")

    # then the acceptance card summarises the record before the buttons
    acceptance = page.locator("#acceptance")
    assert acceptance.is_visible()
    summary = acceptance.locator("#repair-summary")
    text = summary.inner_text()
    assert "压缩机不启动，启动电容击穿" in text and "电容老化" in text
    assert "压缩机" in summary.locator("#repair-parts").inner_text() and "遥控器" in text
    assert "免费" in summary.locator("#repair-parts").inner_text()  # the main part is covered
    charges = summary.locator("#repair-charges").inner_text()
    assert f"¥{record.charge_total}" in charges and "本次应付" in charges
    assert record.charge_total > 0
    # and a request waiting for acceptance offers no booking
    assert page.locator("#portal-book-link").count() == 0
    assert page.locator("#accept").is_visible()
    assert _current_step(page) == "resolved"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    acceptance.scroll_into_view_if_needed()
    screenshot(page, "01-acceptance-with-repair-summary")
