"""The dispatcher's quiet day in a real Chromium: plan balanced, see everyone busy and why, on the map."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftersales.dispatch import booking
from aftersales.dispatch.models import DayPlan, MapSettings
from conftest import browser_login

from .conftest import field_request, make_technician, near, today, tomorrow_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quiet_day(org_a, station, carol_customer, ac_model, dave):
    techs = [make_technician(org_a, station, name) for name in ("amy", "ben", "cai")]
    for i, hour in enumerate((8, 10, 12, 14, 14)):
        sr = field_request(org_a, carol_customer, ac_model, where=near(14 + 2 * i, 1 - i))
        booking.appointment_book(request=sr, start=tomorrow_at(hour), by=None)
    return techs


def _open_board(page, station) -> None:
    browser_login(page, "dave")
    page.goto(
        f"/console/dispatch/board/?station={station.pk}&date={(today() + timedelta(days=1)).isoformat()}"
    )


def test_dispatcher_plans_a_balanced_day_and_reads_the_schematic_map(page, screenshot, station, quiet_day):
    _open_board(page, station)
    # before planning: least travel is the default and the balance fields are hidden
    assert page.locator("#plan-objective").input_value() == "least_travel"
    assert not page.locator("#plan-max-spread").is_visible()
    page.select_option("#plan-objective", "balanced")
    page.select_option("#plan-balance-by", "visits")
    page.fill("#plan-max-spread", "1")
    page.click("#plan-day")
    page.wait_for_selector("#route-reasons")

    plan = DayPlan.objects.get()
    assert plan.objective == "balanced" and plan.max_spread == 1
    # every technician has visits, within one of each other
    loads = [int(t.split()[0]) for t in page.locator(".board-name .row-load").all_inner_texts()]
    assert len(loads) == 3 and min(loads) >= 1 and max(loads) - min(loads) <= 1
    reasons = page.locator("#route-reasons").inner_text()
    assert "具备所需技能" in reasons and "服务半径内" in reasons and "相差不超过 1 单" in reasons
    assert "pyvrp" not in page.content().lower()

    # no tile service here: the schematic, with the station's service-radius circle and one colour per route
    page.wait_for_selector("#dispatch-map[data-mode=schematic]")
    assert "leaflet-container" in (page.get_attribute("#dispatch-map", "class") or "")
    assert page.locator("#dispatch-map path.station-radius").count() >= 1
    colours = page.eval_on_selector_all(
        "#dispatch-map path.route-line", "els => els.map(e => e.getAttribute('stroke'))"
    )
    assert len(colours) == 3 and len(set(colours)) == 3
    assert page.locator("#dispatch-map .visit-marker").count() == 5
    assert "示意图" in page.locator("#map-mode").inner_text()
    legend = page.locator("#map-legend").inner_text()
    assert all(name in legend for name in ("Amy", "Ben", "Cai"))
    # a visit's own reasons open from its block
    page.locator(".board-block details.why summary").first.click()
    assert "预约时段" in page.locator(".board-block details.why[open]").inner_text()
    print(
        "DIAG",
        page.evaluate("""() => { const el = document.getElementById('dispatch-map'); const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el); const svg = el.querySelector('svg'); const sr = svg && svg.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height, cs.overflow, cs.position, el.className, sr && [sr.x, sr.y, sr.width, sr.height]]; }"""),
    )
    screenshot(page, "01-balanced-schematic")


def test_tiles_that_do_not_load_fall_back_to_the_schematic(page, screenshot, org_a, station, quiet_day):
    MapSettings.objects.create(organization=org_a, provider="osm")
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    _open_board(page, station)
    page.click("#plan-day")
    page.wait_for_selector("#route-reasons")
    page.wait_for_selector("#dispatch-map[data-mode=schematic]")
    assert "瓦片无法加载" in page.locator("#map-mode").inner_text()
    assert page.locator("#dispatch-map path.station-radius").count() >= 1
    screenshot(page, "02-tiles-failed")
