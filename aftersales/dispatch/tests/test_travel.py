import math

import numpy as np
import pytest

from aftersales.dispatch.travel import (
    GreatCircleTravel,
    InvalidCoordinatesError,
    LatLon,
    check_point,
    haversine_m,
)

SHANGHAI = LatLon(31.2304, 121.4737)
BEIJING = LatLon(39.9042, 116.4074)


def test_one_degree_of_longitude_on_the_equator_is_about_111_km():
    d = haversine_m([LatLon(0.0, 0.0), LatLon(0.0, 1.0)])
    assert d[0, 1] == pytest.approx(111_195, abs=5)


def test_beijing_to_shanghai_great_circle_distance():
    d = haversine_m([BEIJING, SHANGHAI])
    assert d[0, 1] == pytest.approx(1_067_000, rel=0.005)


def test_matrix_applies_road_factor_and_speed():
    # given
    travel = GreatCircleTravel(road_factor=1.5, default_speed_kmh=36.0)  # 10 m/s
    points = [LatLon(0.0, 0.0), LatLon(0.0, 0.1), LatLon(0.05, 0.05)]

    # when
    distance, duration = travel.matrix(points)

    # then
    crow = haversine_m(points)
    assert distance.dtype == np.int64 and duration.dtype == np.int64
    assert distance.shape == duration.shape == (3, 3)
    assert np.array_equal(distance, distance.T)
    assert np.all(np.diag(distance) == 0) and np.all(np.diag(duration) == 0)
    assert distance[0, 1] == round(crow[0, 1] * 1.5)
    assert duration[0, 1] == math.ceil(crow[0, 1] * 1.5 / 10)


def test_city_speed_overrides_default_and_unknown_city_falls_back():
    speeds = {"shanghai": 20.0}
    assert GreatCircleTravel(city_speeds_kmh=speeds, city="shanghai").speed_kmh == 20.0
    assert GreatCircleTravel(city_speeds_kmh=speeds, city="lhasa", default_speed_kmh=40).speed_kmh == 40.0
    slow = GreatCircleTravel(city_speeds_kmh=speeds, city="shanghai").matrix([SHANGHAI, BEIJING])[1]
    fast = GreatCircleTravel(default_speed_kmh=40).matrix([SHANGHAI, BEIJING])[1]
    assert slow[0, 1] == pytest.approx(2 * fast[0, 1], abs=2)  # both rounded up to the second


def test_empty_and_single_point_matrices():
    distance, duration = GreatCircleTravel().matrix([])
    assert distance.shape == (0, 0) and duration.shape == (0, 0)
    distance, _ = GreatCircleTravel().matrix([SHANGHAI])
    assert distance.tolist() == [[0]]


@pytest.mark.parametrize(
    ("point", "fragment"),
    [
        ((90.5, 0.0), "latitude 90.5 is outside [-90, 90]"),
        ((0.0, -180.01), "longitude -180.01 is outside [-180, 180]"),
        ((float("nan"), 0.0), "finite"),
        (("north", 0.0), "expected (latitude, longitude)"),
    ],
)
def test_invalid_points_name_the_point(point, fragment):
    with pytest.raises(InvalidCoordinatesError) as excinfo:
        GreatCircleTravel().matrix([SHANGHAI, point])
    assert "point 1" in str(excinfo.value)
    assert fragment in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_check_point_accepts_the_edges_of_the_globe():
    assert check_point((90, -180), "pole") == LatLon(90.0, -180.0)


@pytest.mark.parametrize(
    "kwargs", [{"road_factor": 0.9}, {"default_speed_kmh": 0}, {"city_speeds_kmh": {"x": -5}}]
)
def test_nonsense_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        GreatCircleTravel(**kwargs)
