"""A real browser: the org admin refuses a car rate above the 2021 ceiling, then saves one within it."""

from __future__ import annotations

import pytest

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_org_admin_edits_car_terms_in_the_settings_area(page, screenshot, olga, car_model):
    browser_login(page, "olga")
    page.goto("/console/settings/entitlement/")
    assert "第二百零三条" in page.locator("#holiday-setting").inner_text()
    screenshot(page, "entitlement-settings")

    page.goto(f"/console/settings/entitlement/categories/{car_model.category.pk}/")
    page.fill("#id_use_compensation_rate", "0.008")
    page.click("#category-terms-form button[type=submit]")
    page.wait_for_load_state()
    assert "不得高于0.5%" in page.locator("#category-terms-form").inner_text()
    assert page.input_value("#id_use_compensation_rate") == "0.008"
    screenshot(page, "entitlement-category-refused")

    page.fill("#id_use_compensation_rate", "0.004")
    page.click("#category-terms-form button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("#id_use_compensation_rate") == "0.0040"
    screenshot(page, "entitlement-category-saved")
