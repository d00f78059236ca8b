"""The organization admin configures SLA in a real browser: a policy with a target, then a day
of the year's calendar; on a desktop and on a phone."""

from __future__ import annotations

import pytest

from aftersales.sla.models import CalendarDay, CalendarYear, SlaPolicy, SlaTarget
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_org_admin_creates_a_policy_with_a_target(page, screenshot, olga, calendar_a):
    browser_login(page, "olga")
    page.goto("/console/settings/")
    page.locator("section").get_by_role("link", name="服务时效").first.click()
    page.wait_for_selector("#policies")
    page.click("#policy-new")
    # an empty name is refused, with what was ticked kept
    page.check("input[name=kinds][value=complaint]")
    page.click("#policy-save")
    assert page.locator("#f-name .invalid-feedback").is_visible()
    assert page.locator("input[name=kinds][value=complaint]").is_checked()
    page.fill("#id_name", "VIP 投诉：8 小时解决")
    page.fill("#id_position", "5")
    page.check("input[name=priorities][value=urgent]")
    screenshot(page, "policy-new")
    page.click("#policy-save")
    page.wait_for_selector("#target-form")
    page.select_option("#id_metric", "resolution")
    page.fill("#id_amount", "8")
    page.select_option("#id_unit", "hours")
    page.select_option("#id_basis", "calendar")
    page.click("#target-save")
    page.wait_for_selector("#targets")
    assert "8 小时" in page.locator("#targets").inner_text()
    screenshot(page, "policy-with-target")
    page.get_by_role("link", name="服务时效政策").first.click()
    row = page.locator("#policies tr", has_text="VIP 投诉：8 小时解决")
    assert row.count() == 1 and "解决：8 小时" in row.inner_text()
    screenshot(page, "policy-list")
    policy = SlaPolicy.objects.get(organization=olga.organization, name="VIP 投诉：8 小时解决")
    assert SlaTarget.objects.filter(
        policy=policy, metric="resolution", minutes=480, basis="calendar"
    ).exists()


def test_org_admin_marks_a_day_in_the_year_calendar(page, phone_page, screenshot, olga, calendar_a):
    browser_login(page, "olga")
    page.goto("/console/settings/calendars/")
    page.locator("#calendars a", has_text="年日历").first.click()
    page.wait_for_selector("#year-grid")
    year = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    assert page.locator("#year-grid .cal-month").count() == 12
    assert page.locator("#legend").is_visible()
    screenshot(page, "year")
    # when: a click on Christmas Eve opens the day; the admin closes it with a note
    page.click(f'a[data-date="{year}-12-24"]')
    page.wait_for_selector("#day-form")
    page.check("input[name=kind][value=holiday]")
    page.fill("#id_name", "公司年会")
    screenshot(page, "day")
    page.click("#day-save")
    page.wait_for_selector("#year-grid")
    # then
    cell = page.locator(f'a[data-date="{year}-12-24"]')
    assert cell.get_attribute("data-kind") == "off" and "公司年会" in (cell.get_attribute("title") or "")
    row = CalendarDay.objects.get(calendar=calendar_a, date__year=year, date__month=12, date__day=24)
    assert (row.kind, row.source, row.name) == ("holiday", "admin", "公司年会")
    # and the year is confirmed
    page.check("#id_confirmed")
    page.fill("#id_note", "已核对国务院办公厅通知")
    page.click("#year-save")
    page.wait_for_selector("#year-state")
    assert page.locator("#year-state").inner_text() == "已确认"
    assert CalendarYear.objects.get(calendar=calendar_a, year=year).confirmed
    screenshot(page, "year-marked")
    # on a phone the year view fits the screen
    browser_login(phone_page, "olga")
    phone_page.goto(f"/console/settings/calendars/{calendar_a.pk}/{year}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "year-phone")
