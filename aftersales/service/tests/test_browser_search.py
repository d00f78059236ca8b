"""The top bar's search in a real Chromium: "/" focuses it, the caller's last four digits find
their request and them."""

from __future__ import annotations

import pytest

from aftersales.service import services
from aftersales.testing.factories import CustomerFactory, UnitFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def caller(org_a, alice):
    customer = CustomerFactory(organization=org_a, name="王芳", phone="13812347788")
    unit = UnitFactory(organization=org_a, customer=customer, serial_number="SN-CALL-1")
    other = UnitFactory(
        organization=org_a, customer=CustomerFactory(organization=org_a, name="李雷", phone="13900001111")
    )
    make = services.request_create
    mine = make(
        organization=org_a,
        customer=customer,
        by=None,
        kind="repair",
        channel="phone",
        description="冷藏室温度偏高",
        subject="冰箱不制冷",
        unit=unit,
        notify=False,
    )
    theirs = make(
        organization=org_a,
        customer=other.customer,
        by=None,
        kind="repair",
        channel="phone",
        description="开机黑屏",
        subject="电视黑屏",
        unit=other,
        notify=False,
    )
    return mine, theirs


def test_slash_then_last_four_digits_finds_the_request_and_the_customer(page, screenshot, caller):
    mine, theirs = caller
    browser_login(page, "alice")
    page.goto("/console/requests/")
    box = page.locator("#topsearch-q")
    assert box.is_visible() and page.locator("#topsearch kbd").inner_text() == "/"
    screenshot(page, "1-queue-with-top-search")
    # when the agent presses "/" (nothing focused) and types the caller's last four digits
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "topsearch-q"
    assert box.input_value() == ""  # the "/" focused the box, it was not typed into it
    page.keyboard.type("7788")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/search/?q=7788")
    # then the request and the customer are there, the other caller is not
    requests, customers = page.locator("#group-requests"), page.locator("#group-customers")
    assert mine.number in requests.inner_text() and theirs.number not in requests.inner_text()
    assert "王芳" in customers.inner_text() and "138****7788" in customers.inner_text()
    assert "李雷" not in page.locator("main").inner_text()
    screenshot(page, "2-results-for-last-four")
    # and the hit opens the request
    requests.get_by_role("link", name=mine.number).click()
    page.wait_for_url(f"**/console/requests/{mine.number}/")


def test_ctrl_k_focuses_the_box_from_anywhere(page, screenshot, caller):
    mine, _ = caller
    browser_login(page, "alice")
    page.goto("/console/customers/")
    page.locator("#q").click()  # typing in the list's own box: "/" there is a character
    page.keyboard.press("/")
    assert page.locator("#q").input_value() == "/"
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "topsearch-q"
    page.keyboard.type("138****7788")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert mine.number in page.locator("#group-requests").inner_text()
    screenshot(page, "masked-number")
