"""The grouped top bar fits on one line at 1366 px, in Chinese and in English."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.testing.factories import UserFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_org_admin_navbar_fits_one_line_at_1366(browser, live_server, screenshot, org_a, language):
    # given the role with the most menu entries, with a long name, on a 1366x768 laptop screen
    UserFactory(
        username="admin-a", role=Role.ORG_ADMIN, organization=org_a, first_name="欧阳", last_name="晓明"
    )
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, base_url=live_server.url, locale=language
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, "admin-a")
        page.goto("/console/customers/")
        assert page.locator("html").get_attribute("lang") == ("en" if language == "en-US" else "zh-hans")
        # then every top-level entry sits on the brand's line: the bar is one line high
        bar = page.locator("nav.navbar")
        one_line = page.evaluate("""() => {
            const nav = document.querySelector('nav.navbar');
            const tops = [...nav.querySelectorAll('.navbar-brand, #mainnav > ul > li, .lang-switch')]
                .map(el => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2));
            return {height: nav.getBoundingClientRect().height, spread: Math.max(...tops) - Math.min(...tops),
                    width: document.documentElement.scrollWidth};
        }""")
        bar.screenshot(path=str(screenshot(page, f"page-{language}").with_name(f"navbar-{language}.png")))
        assert one_line["spread"] <= 4, one_line
        assert one_line["height"] <= 64, one_line  # Bootstrap's navbar with one row of links is ~56 px
        assert one_line["width"] <= 1366, one_line
        assert page.locator("#mainnav").is_visible()  # expanded, not collapsed behind the toggler
        # and the groups open: 服务 holds the request queue
        page.locator("[data-nav-group=service] > a.dropdown-toggle").click()
        queue = page.locator("[data-nav-group=service] .dropdown-menu a").first
        assert queue.is_visible()
        screenshot(page, f"menu-open-{language}")
        queue.click()
        page.wait_for_load_state()
        assert page.url.endswith("/console/requests/")
        # the group of the page shown is marked
        assert "active" in (
            page.locator("[data-nav-group=service] > a.dropdown-toggle").get_attribute("class") or ""
        )
    finally:
        context.close()
