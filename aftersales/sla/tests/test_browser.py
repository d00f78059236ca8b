"""The SLA report in a real browser: the weekly ECharts chart draws and a bar opens its breaches."""

from __future__ import annotations

import pytest

from aftersales.sla.recompute import sla_check
from conftest import browser_login

from .conftest import sh, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_manager_reads_the_weekly_chart_and_drills_into_breaches(
    page, screenshot, make_request, alice, quinn
):
    # given one consultation answered late and one in time, in the week of 2025-03-10
    late = make_request("consultation", sh(2025, 3, 10, 9))
    walk(late, alice, sh(2025, 3, 10, 15), "start")
    in_time = make_request("consultation", sh(2025, 3, 11, 9))
    walk(in_time, alice, sh(2025, 3, 11, 9, 30), "start")
    sla_check(now=sh(2025, 3, 12, 9))
    # when
    browser_login(page, "quinn")
    page.get_by_role("link", name="服务时效", exact=True).click()
    page.goto("/console/sla/?start=2025-03-01&end=2025-03-31&group=kind")
    # then: the chart has drawn (ECharts renders into a canvas) and the numbers are there
    page.wait_for_selector("#sla-weekly-chart canvas")
    assert page.locator("#total-percent").inner_text() == "50.0%"
    screenshot(page, "report")
    # and the breached count opens the list behind it
    page.click("#total-breached")
    page.wait_for_selector("#breach-table")
    assert late.number in page.locator("#breach-table").inner_text()
    assert in_time.number not in page.locator("#breach-table").inner_text()
    screenshot(page, "breaches")
