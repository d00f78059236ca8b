"""A real browser: the org admin makes an invited technician's profile, who then gets a route page."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.dispatch.models import Technician
from aftersales.testing.factories import UserFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_org_admin_makes_a_technician_profile(page, screenshot, olga, station):
    nina = UserFactory(
        username="nina", role=Role.TECHNICIAN, organization=olga.organization, first_name="Nina"
    )
    browser_login(page, "olga")
    page.goto("/console/settings/technicians/")
    assert "还没有档案" in page.locator("#missing-profiles").inner_text()
    screenshot(page, "technicians-missing")

    page.click(f"#tech-{nina.pk} a")
    page.fill("#id_max_jobs_per_day", "40")
    page.select_option("#id_home_station", str(station.pk))
    page.check("input[name=work][value=repair]")
    page.click("#technician-save")
    page.wait_for_load_state()
    assert page.input_value("#id_max_jobs_per_day") == "40"  # refused, kept as typed
    assert page.locator("input[name=work][value=repair]").is_checked()
    screenshot(page, "technician-refused")

    page.fill("#id_max_jobs_per_day", "6")
    page.click("#technician-save")
    page.wait_for_load_state()
    assert (
        "Nina" in page.locator(f"#tech-{nina.pk}").inner_text()
        and "在岗" in page.locator(f"#tech-{nina.pk}").inner_text()
    )
    assert Technician.objects.get(user=nina).max_jobs_per_day == 6
    screenshot(page, "technicians-saved")
