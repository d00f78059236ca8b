"""The board's objective form, the reasons shown per visit, and the organization's map settings."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from aftersales.accounts.models import SettingsChange
from aftersales.dispatch import booking, maps
from aftersales.dispatch.models import DayPlan, MapSettings

from .conftest import field_request, make_technician, near, today, tomorrow_at

pytestmark = pytest.mark.django_db
BOARD = "/console/dispatch/board/"


def tomorrow() -> str:
    return (today() + timedelta(days=1)).isoformat()


@pytest.fixture
def quiet_day(org_a, station, carol_customer, ac_model):
    techs = [make_technician(org_a, station, name) for name in ("amy", "ben", "cai")]
    for i, hour in enumerate((8, 10, 12, 14, 14)):
        sr = field_request(org_a, carol_customer, ac_model, where=near(14 + 2 * i, 1 - i))
        booking.appointment_book(request=sr, start=tomorrow_at(hour), by=None)
    return techs


def _map(html: str) -> dict:
    start = html.index('<script id="dispatch-map-data" type="application/json">') + len(
        '<script id="dispatch-map-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_dispatcher_plans_balanced_and_sees_why_each_visit_went_where(client_for, dave, station, quiet_day):
    client = client_for(dave)
    page = client.post(
        reverse("dispatch:plan"),
        {
            "station": station.pk,
            "date": tomorrow(),
            "objective": "balanced",
            "balance_by": "visits",
            "max_spread": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 200
    html = page.content.decode()
    plan = DayPlan.objects.get()
    assert plan.objective == "balanced" and plan.max_spread == 1
    assert "均衡工作量" in html and "单数最多相差 1 单" in html
    assert html.count('class="small ms-3 visit-reason"') == 5
    assert "具备所需技能" in html and "服务半径内" in html and "预约时段" in html
    assert "pyvrp" not in html.lower()
    data = _map(html)
    assert [len(r["visits"]) for r in data["routes"]] != [5, 0, 0]
    assert all(r["visits"] for r in data["routes"]) and len({r["colour"] for r in data["routes"]}) == 3
    assert data["stations"][0]["radius_km"] == 30 and data["tiles"] is None
    # the board opens again with the objective the day was planned with
    again = client.get(BOARD, {"station": station.pk, "date": tomorrow()}).content.decode()
    assert '<option value="balanced" selected>' in again


def test_a_bad_spread_is_a_form_error_that_keeps_the_choice(client_for, dave, station, quiet_day):
    page = client_for(dave).post(
        reverse("dispatch:plan"),
        {
            "station": station.pk,
            "date": tomorrow(),
            "objective": "balanced",
            "balance_by": "visits",
            "max_spread": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "单数差距须在 1 到 50 之间" in html
    assert '<option value="balanced" selected>' in html and 'value="0"' in html
    assert not DayPlan.objects.exists()


def test_least_travel_stays_the_default(client_for, dave, station, quiet_day):
    client_for(dave).post(reverse("dispatch:plan"), {"station": station.pk, "date": tomorrow()})
    plan = DayPlan.objects.get()
    assert plan.objective == "least_travel"


# --- map settings --------------------------------------------------------------------------------

URL = "/console/settings/map/"


@pytest.mark.parametrize("who", ["alice", "dave", "tina", "quinn", "carol"])
def test_only_the_organization_admin_has_the_map_settings(request, client_for, who):
    assert client_for(request.getfixturevalue(who)).get(URL).status_code == 404


def test_org_admin_sets_tianditu_with_a_key_kept_encrypted_and_never_shown(
    client_for, olga, org_a, station, dave
):
    client = client_for(olga)
    index = client.get(reverse("settings:index")).content.decode()
    assert URL in index and "地图" in index
    # Tianditu needs its key: the form says so and keeps what was typed
    page = client.post(
        URL, {"provider": "tianditu", "url_template": "", "api_key": "", "attribution": "审图号：测试"}
    )
    assert page.status_code == 422 and "天地图需要密钥" in page.content.decode()
    assert 'value="审图号：测试"' in page.content.decode()
    key = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
    assert (
        client.post(
            URL, {"provider": "tianditu", "url_template": "", "api_key": key, "attribution": "审图号：测试"}
        ).status_code
        == 302
    )
    row = MapSettings.objects.get(organization=org_a)
    assert row.api_key == key
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM dispatch_mapsettings WHERE id = %s", [row.pk])
        assert key not in cursor.fetchone()[0]
    page = client.get(URL).content.decode()
    assert key not in page and "c5d6" in page  # the last four only
    # the log says a key was set, never which
    change = SettingsChange.objects.get(area="map")
    assert key not in json.dumps(change.detail) and change.detail["api_key"] == ["", "set"]
    # leaving the key field empty keeps the key
    client.post(
        URL, {"provider": "tianditu", "url_template": "", "api_key": "", "attribution": "审图号：测试"}
    )
    assert MapSettings.objects.get(organization=org_a).api_key == key
    # the board draws the tiles with it
    board = client_for(dave).get(BOARD, {"station": station.pk, "date": tomorrow()}).content.decode()
    tiles = _map(board)["tiles"]
    assert tiles["provider"] == "tianditu" and "tianditu.gov.cn" in tiles["url"] and tiles["key"] == key
    assert tiles["attribution"] == "审图号：测试" and tiles["overlay"]


def test_a_url_template_must_be_https_with_the_tile_placeholders(client_for, olga):
    page = client_for(olga).post(
        URL,
        {
            "provider": "osm",
            "url_template": "http://tiles.example/{z}/{x}.png",
            "api_key": "",
            "attribution": "",
        },
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "https://" in html and "http://tiles.example/{z}/{x}.png" in html


def test_amap_tiles_are_marked_gcj02_and_none_means_the_schematic(org_a):
    assert maps.tile_config(org_a) is None
    MapSettings.objects.create(organization=org_a, provider="amap")
    config = maps.tile_config(org_a)
    assert config is not None and config["gcj02"] and "autonavi" in config["url"]
    assert maps.masked("short") == "••••••••"
