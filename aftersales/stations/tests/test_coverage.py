"""Coverage: which stations' radius reaches an address, by great-circle distance."""

from __future__ import annotations

import pytest

from aftersales.dispatch.travel import InvalidCoordinatesError
from aftersales.stations.coverage import carry_in_options, city_of, covering, distances, uncovered_mask
from aftersales.stations.models import ServiceStation

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(org_a):
    def make(code: str, lat: float, lon: float, radius: int, **kw: object) -> ServiceStation:
        return ServiceStation.objects.create(
            organization=org_a,
            code=code,
            name=code,
            province="p",
            city="c",
            address="a",
            latitude=lat,
            longitude=lon,
            service_radius_km=radius,
            **kw,
        )

    return [
        make("sh", 31.2304, 121.4737, 30),
        make("sz", 31.2990, 120.5853, 20, accepts_carry_in=False),
        make("off", 31.24, 121.48, 50, is_active=False),
    ]


def test_covering_stations_are_the_active_ones_within_their_radius_nearest_first(org_a, stations):
    shanghai, suzhou, _inactive = stations
    assert [d.station for d in covering(org_a.pk, (31.25, 121.50))] == [shanghai]
    assert [d.station for d in covering(org_a.pk, (31.30, 120.60))] == [suzhou]
    assert covering(org_a.pk, (30.27, 120.16)) == []  # Hangzhou
    # carry-in: nearest stations that take units in, covered or not
    assert [d.station for d in carry_in_options(org_a.pk, (30.27, 120.16))] == [shanghai]


def test_distance_is_great_circle_and_the_radius_edge_is_inclusive(stations):
    shanghai = stations[0]
    [d] = distances([shanghai], (31.2304 + 30 / 111.2, 121.4737))
    assert 29.9 < d.distance_km < 30.1


@pytest.mark.parametrize("point", [(91, 0), (0, -181), (float("nan"), 0), ("x", 1)])
def test_unusable_coordinates_are_refused_by_name(org_a, stations, point):
    with pytest.raises(InvalidCoordinatesError, match="address"):
        covering(org_a.pk, point)


def test_many_points_at_once(stations):
    mask = uncovered_mask(stations[:2], [(31.25, 121.5), (30.27, 120.16), (31.30, 120.60)])
    assert mask.tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("region", "city"),
    [
        ("广东省广州市天河区", "广州市"),
        ("北京市朝阳区", "北京市"),
        ("新疆维吾尔自治区乌鲁木齐市天山区", "乌鲁木齐市"),
        ("", ""),
    ],
)
def test_city_of_a_region(region, city):
    assert city_of(region) == city
