"""A real browser: a customer asks for a seven-day return on a phone; an agent takes it to the refund."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftersales.entitlement.models import ConditionReport, ReturnAuthorization, UnitDisposition
from conftest import browser_login

from .conftest import today
from .test_pages import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seven_day_return_from_portal_to_refund(phone_page, page, screenshot, alice, carol, online_unit):
    # given carol's TV, bought online and delivered three days ago
    browser_login(phone_page, "carol")
    phone_page.goto("/portal/returns/")
    phone_page.locator(".unit-entitlement-card", has_text=online_unit.serial_number).locator(
        ".what-can-i-do"
    ).click()
    phone_page.wait_for_load_state()
    # the portal says what she can do, why, until when, and on what legal basis
    no_reason = phone_page.locator("#scenario-none")
    assert "七日无理由退货" in no_reason.inner_text()
    assert (today() - timedelta(days=3) + timedelta(days=7)).isoformat() in no_reason.inner_text()
    assert "《网络购买商品七日无理由退货暂行办法》" in no_reason.inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "1-portal-what-can-i-do")
    # when she asks for the return without a reason
    no_reason.locator(".apply-return").click()
    phone_page.wait_for_load_state()
    assert phone_page.locator("#id_fault_0").is_checked()  # "no quality problem" carried over
    phone_page.fill("#id_description", "颜色和客厅不搭，想退货")
    screenshot(phone_page, "2-portal-return-form")
    phone_page.click("#return-submit")
    phone_page.wait_for_load_state()
    rma = ReturnAuthorization.objects.get()
    assert phone_page.locator("#rma-status").inner_text() == "待审核"
    screenshot(phone_page, "3-portal-requested")

    # then the agent approves, receives, inspects (with a photo) and refunds it in the console
    browser_login(page, "alice")
    page.goto("/console/returns/")
    page.get_by_role("link", name=rma.number).click()
    page.wait_for_load_state()
    assert "七日无理由退货" in page.locator("#eligibility").inner_text()
    screenshot(page, "4-console-requested")
    assert page.locator("#approve-form input[type=radio]").first.is_checked()
    page.click("#approve")
    page.wait_for_load_state()
    assert page.locator("#rma-status").inner_text() == "已批准，待寄回"
    page.click("#receive")
    page.wait_for_load_state()
    assert page.locator("#rma-status").inner_text() == "已签收"
    page.check("#id_inspect-package_opened")
    page.check("#id_inspect-tested")
    page.fill("#id_inspect-notes", "外观完好，配件齐全")
    page.set_input_files(
        "#id_inspect-photos", files=[{"name": "front.png", "mimeType": "image/png", "buffer": PNG}]
    )
    screenshot(page, "5-console-inspection")
    page.click("#inspect")
    page.wait_for_load_state()
    assert page.locator("#rma-status").inner_text() == "已检测"
    assert "仍符合" in page.locator("#rma-timeline").inner_text()
    assert page.locator("#inspection img").count() == 1
    page.click("#refund")
    page.wait_for_load_state()
    assert page.locator("#rma-status").inner_text() == "待退款"
    assert (today() + timedelta(days=7)).isoformat() in page.locator("#refund-due").inner_text()
    screenshot(page, "6-console-refund-pending")
    page.fill("#id_refund_paid-reference", "WX20240001")
    page.click("#refund-paid")
    page.wait_for_load_state()
    assert page.locator("#rma-status").inner_text() == "已退款"
    assert "¥2999.00" in page.locator("#refund-info").inner_text()
    screenshot(page, "7-console-refunded")

    # and the customer sees the refund and confirms
    phone_page.reload()
    assert phone_page.locator("#rma-status").inner_text() == "已退款"
    phone_page.click("#confirm-close")
    phone_page.wait_for_load_state()
    assert phone_page.locator("#rma-status").inner_text() == "已完成"
    screenshot(phone_page, "8-portal-closed")
    rma.refresh_from_db()
    assert rma.status == "closed" and rma.refund_reference == "WX20240001"
    assert ConditionReport.objects.get(rma=rma).photos.count() == 1
    assert UnitDisposition.objects.filter(unit=online_unit).exists()
