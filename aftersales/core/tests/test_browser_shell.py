"""A real browser logs in as every role and moves around in Chinese and English."""

from __future__ import annotations

import re

import pytest

from aftersales.accounts.models import Role
from aftersales.core.models import RevealLog
from aftersales.testing.factories import CustomerFactory, UnitFactory, UserFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each staff role and the console pages its menu must offer.
STAFF_MENUS = {
    Role.AGENT: ["客户", "机器", "产品型号", "备件"],
    Role.DISPATCHER: ["客户", "机器"],
    Role.TECHNICIAN: ["客户", "机器"],
    Role.PARTS_MANAGER: ["产品型号", "备件"],
    Role.QUALITY_MANAGER: ["客户", "产品型号"],
    Role.ORG_ADMIN: ["客户", "导入", "设置"],
}


@pytest.fixture
def shop(org_a):
    unit = UnitFactory(organization=org_a)
    return unit


def test_every_staff_role_logs_in_and_navigates(page, screenshot, org_a, shop):
    for role, menu in STAFF_MENUS.items():
        # given
        UserFactory(username=f"u-{role}", role=role, organization=org_a)
        # when
        browser_login(page, f"u-{role}")
        # then: the role's menu is there and every entry opens a page of its own
        nav = page.locator("#mainnav")
        for label in menu:
            # a menu entry (a top-level link or one inside a group), not a group's own toggle
            link = nav.locator("a.dropdown-item, a.nav-link:not(.dropdown-toggle)").filter(
                has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
            )
            assert link.count() == 1, f"{role} should see {label}"
            if not link.is_visible():  # inside a group: open its dropdown first
                link.locator(
                    "xpath=ancestor::li[contains(@class, 'dropdown')]/a[contains(@class, 'dropdown-toggle')]"
                ).click()
            link.click()
            page.wait_for_load_state()
            assert page.locator("h1").first.is_visible()
            assert "404" not in page.title()
        screenshot(page, f"{role}")
        page.click("#usermenu")
        page.click("#logout")
        page.wait_for_url("**/accounts/login/")


def test_language_switch_between_chinese_and_english(page, screenshot, alice, shop):
    browser_login(page, "alice")
    page.goto("/console/customers/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "客户"
    # when
    page.click("form.lang-switch button[value=en]")
    page.wait_for_load_state()
    # then: the same page, now in English, and it stays English on the next page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Customers"
    screenshot(page, "customers-en")
    page.goto("/console/units/")
    assert page.locator("h1").inner_text() == "Units"
    page.click("form.lang-switch button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "机器"


def test_customer_sees_own_products_on_a_phone(phone_page, screenshot, org_a, carol):
    mine = UnitFactory(organization=org_a, customer=CustomerFactory(organization=org_a, user=carol))
    theirs = UnitFactory(organization=org_a)
    browser_login(phone_page, "carol")
    phone_page.wait_for_url("**/portal/")
    cards = phone_page.locator(".unit-card")
    assert cards.count() == 1
    assert mine.serial_number in cards.first.inner_text()
    assert theirs.serial_number not in phone_page.content()
    # The page fits a phone: nothing wider than the screen.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone_page, "portal-phone")


def test_agent_reveals_a_phone_number_with_a_reason(page, alice, shop):
    customer = shop.customer
    browser_login(page, "alice")
    page.goto(f"/console/customers/{customer.pk}/")
    assert page.locator("#phone-value").inner_text() == customer.masked_phone
    page.once("dialog", lambda d: d.accept("客户来电核实"))
    page.click("button.reveal-btn[data-field=phone]")
    page.wait_for_selector("#phone-value .revealed")
    assert page.locator("#phone-value").inner_text() == customer.phone

    log = RevealLog.objects.get()
    assert (log.user_id, log.field, log.reason) == (alice.pk, "phone", "客户来电核实")


def test_locked_out_after_repeated_failed_logins(page, alice):
    for _ in range(5):
        browser_login(page, "alice", "wrong-password")
    browser_login(page, "alice")  # the right password, too late
    assert page.locator("#locked-out").is_visible()
