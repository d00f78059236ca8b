"""Travel distances and times between points, behind one interface.

The route planner only ever asks for a full matrix, so a deployment can swap the great-circle
estimate below for a road-network service (OSRM's or Valhalla's table endpoint answers exactly
this question) without touching any caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

IntMatrix: TypeAlias = npt.NDArray[np.int64]

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG); the road factor dwarfs the ellipsoid error


class LatLon(NamedTuple):
    """A WGS-84 position in decimal degrees."""

    lat: float
    lon: float


class InvalidCoordinatesError(ValueError):
    """A point is not a usable WGS-84 position; the message names the point."""


def check_point(point: LatLon | tuple[float, float], label: str) -> LatLon:
    """Return ``point`` as a LatLon, or raise InvalidCoordinatesError naming ``label``."""
    try:
        lat, lon = float(point[0]), float(point[1])
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidCoordinatesError(f"{label}: expected (latitude, longitude), got {point!r}") from exc
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidCoordinatesError(f"{label}: coordinates must be finite numbers, got ({lat}, {lon})")
    if not -90.0 <= lat <= 90.0:
        raise InvalidCoordinatesError(f"{label}: latitude {lat} is outside [-90, 90]")
    if not -180.0 <= lon <= 180.0:
        raise InvalidCoordinatesError(f"{label}: longitude {lon} is outside [-180, 180]")
    return LatLon(lat, lon)


class TravelTimeProvider(Protocol):
    """Anything that can price every trip between a set of points."""

    def matrix(self, points: Sequence[LatLon]) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(distance_m, duration_s)``: square int64 matrices, row = from, column = to.

        Implementations raise InvalidCoordinatesError for an unusable point.
        """
        ...


def haversine_between_m(
    a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]
) -> npt.NDArray[np.float64]:
    """Great-circle metres from every point of ``a`` (rows) to every point of ``b`` (columns).

    Rectangular so that thousands of addresses against a dozen stations (coverage) do not build
    a square matrix; routing asks for the square one through ``haversine_m``.
    """
    if not a or not b:
        return np.zeros((len(a), len(b)), dtype=np.float64)
    pa = np.radians(np.asarray(a, dtype=np.float64))
    pb = np.radians(np.asarray(b, dtype=np.float64))
    dlat = pa[:, 0][:, None] - pb[:, 0][None, :]
    dlon = pa[:, 1][:, None] - pb[:, 1][None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(pa[:, 0])[:, None] * np.cos(pb[:, 0])[None, :] * np.sin(dlon / 2) ** 2
    # Rounding can push ``h`` a hair above 1 for antipodal points, where arcsin would return NaN.
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return result


def haversine_m(points: Sequence[LatLon]) -> npt.NDArray[np.float64]:
    """Great-circle distance in metres between every pair of points."""
    return haversine_between_m(points, points)


@dataclass(frozen=True)
class GreatCircleTravel:
    """Estimate road travel from great-circle distance, a detour factor and an average speed.

    ``road_factor`` turns crow-flies into road distance (1.3 is the usual figure for dense road
    networks); the speed is the door-to-door average for the city, parking included, so it is
    lower than any speed limit. ``city_speeds_kmh`` lets one deployment serve several cities
    with different traffic; unknown or missing cities use ``default_speed_kmh``.
    """

    road_factor: float = 1.3
    default_speed_kmh: float = 30.0
    city_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    city: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.road_factor) and self.road_factor >= 1.0):
            raise ValueError(f"road_factor must be a finite number >= 1, got {self.road_factor}")
        speeds = {"default_speed_kmh": self.default_speed_kmh}
        speeds.update({f"city_speeds_kmh[{city!r}]": v for city, v in self.city_speeds_kmh.items()})
        for name, value in speeds.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive speed in km/h, got {value}")

    @property
    def speed_kmh(self) -> float:
        if self.city is not None:
            return self.city_speeds_kmh.get(self.city, self.default_speed_kmh)
        return self.default_speed_kmh

    def matrix(self, points: Sequence[LatLon]) -> tuple[IntMatrix, IntMatrix]:
        checked = [check_point(p, f"point {i}") for i, p in enumerate(points)]
        road_m = haversine_m(checked) * self.road_factor
        distance = np.rint(road_m).astype(np.int64)
        # Round up so that two distinct points never get a zero travel time.
        duration = np.ceil(road_m / (self.speed_kmh / 3.6)).astype(np.int64)
        return distance, duration
