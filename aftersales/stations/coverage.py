"""Which stations cover an address: great-circle distance within the station's service radius.

Coverage is deliberately crow-flies: a radius is a promise about the area a station serves,
not a travel time, and it must not change when the routing provider does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from django.db import connection

from aftersales.dispatch.travel import LatLon, check_point, haversine_between_m
from aftersales.stations.models import ServiceStation


@dataclass(frozen=True)
class StationDistance:
    station: ServiceStation
    distance_km: float

    @property
    def covers(self) -> bool:
        return self.distance_km <= self.station.service_radius_km


def distances(
    stations: Iterable[ServiceStation], point: LatLon | tuple[float, float]
) -> list[StationDistance]:
    """Every station with its distance to ``point``, nearest first.

    Raises InvalidCoordinatesError (a ValueError naming the point) for an unusable position.
    """
    where = check_point(point, "address")
    rows = list(stations)
    if not rows:
        return []
    metres = haversine_between_m([where], [LatLon(s.latitude, s.longitude) for s in rows])[0]
    out = [StationDistance(s, round(float(m) / 1000, 2)) for s, m in zip(rows, metres, strict=True)]
    out.sort(key=lambda d: (d.distance_km, d.station.pk))
    return out


def active_stations(organization_id: int) -> list[ServiceStation]:
    return list(ServiceStation.objects.filter(organization_id=organization_id, is_active=True).order_by("id"))


def covering(organization_id: int, point: LatLon | tuple[float, float]) -> list[StationDistance]:
    """The organization's active stations whose radius reaches ``point``, nearest first."""
    return [d for d in distances(active_stations(organization_id), point) if d.covers]


@lru_cache(maxsize=1)
def _coverage_sql() -> str:
    table = connection.ops.quote_name(ServiceStation._meta.db_table)
    return (
        f"SELECT id, latitude, longitude, service_radius_km FROM {table} "  # noqa: S608
        "WHERE organization_id = %s AND is_active = %s"
    )


def coverage_rows(organization_id: int) -> list[tuple[int, float, float, float]]:
    """(id, latitude, longitude, radius km) of the organization's active stations.

    Plain tuples with SQL written once, not model instances through the ORM: request creation
    needs them for every on-site request.
    """
    with connection.cursor() as cursor:
        cursor.execute(_coverage_sql(), [organization_id, True])
        return [tuple(row) for row in cursor.fetchall()]


def nearest_covering_id(
    organization_id: int,
    latitude: float,
    longitude: float,
    rows: Sequence[tuple[int, float, float, float]] | None = None,
) -> int | None:
    """The id of the nearest active station whose radius reaches the point, or None. ``rows``:
    the organization's ``coverage_rows`` when the caller has them."""
    if rows is None:
        rows = coverage_rows(organization_id)
    if not rows:
        return None
    metres = haversine_between_m([(latitude, longitude)], [(lat, lon) for _, lat, lon, _ in rows])[0]
    best = min(
        ((float(m), pk) for (pk, _, _, radius), m in zip(rows, metres, strict=True) if m <= radius * 1000.0),
        default=None,
    )
    return best[1] if best else None


def carry_in_options(
    organization_id: int, point: LatLon | tuple[float, float], *, limit: int = 3
) -> list[StationDistance]:
    """The nearest stations a customer can carry a unit to, covered or not."""
    stations = [s for s in active_stations(organization_id) if s.accepts_carry_in]
    return distances(stations, point)[:limit]


def uncovered_mask(
    stations: list[ServiceStation], points: Sequence[tuple[float, float]]
) -> npt.NDArray[np.bool_]:
    """For many points at once: True where no station's radius reaches the point."""
    if not points:
        return np.zeros(0, dtype=bool)
    if not stations:
        return np.ones(len(points), dtype=bool)
    metres = haversine_between_m([LatLon(s.latitude, s.longitude) for s in stations], points)
    radius_m = np.array([s.service_radius_km * 1000.0 for s in stations])[:, None]
    covered: npt.NDArray[np.bool_] = np.asarray((metres <= radius_m).any(axis=0), dtype=np.bool_)
    return ~covered


_CITY = re.compile(r"^(?:.+?(?:省|自治区))?(.+?(?:市|自治州|地区|盟))")


def city_of(region: str) -> str:
    """``广东省广州市天河区`` → ``广州市``; ``北京市朝阳区`` → ``北京市``; unknown shapes stay whole."""
    region = (region or "").strip()
    match = _CITY.match(region)
    return match.group(1) if match else region
