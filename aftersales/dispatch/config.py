"""An organization's dispatch settings and the travel estimate every caller shares."""

from __future__ import annotations

from datetime import date, datetime, time
from types import MappingProxyType
from typing import TYPE_CHECKING

from aftersales.dispatch.models import DispatchPolicy, org_zone
from aftersales.dispatch.routing import DEFAULT_SERVICE_MINUTES
from aftersales.dispatch.travel import GreatCircleTravel, TravelTimeProvider

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from aftersales.accounts.models import Organization

# Door-to-door averages in big Chinese cities, parking and lifts included; unknown cities use
# the policy's default. A deployment with a road-network service replaces ``travel_for``.
CITY_SPEEDS_KMH = MappingProxyType(
    {
        "北京市": 22.0,
        "上海市": 22.0,
        "广州市": 24.0,
        "深圳市": 24.0,
        "重庆市": 22.0,
        "成都市": 25.0,
        "杭州市": 25.0,
        "武汉市": 25.0,
        "西安市": 26.0,
        "南京市": 26.0,
        "天津市": 27.0,
        "苏州市": 28.0,
    }
)
DEFAULT_SPEED_KMH = 30.0
SLOT_ANCHOR_HOUR = 8  # appointment windows start at 08:00 plus whole slots


def policy_for(organization: Organization) -> DispatchPolicy:
    """The saved policy, or the defaults (unsaved) for an organization without one."""
    found = DispatchPolicy.objects.filter(organization=organization).first()
    return found if found is not None else DispatchPolicy(organization=organization)


def travel_for(policy: DispatchPolicy, city: str | None = None) -> TravelTimeProvider:
    return GreatCircleTravel(
        road_factor=policy.road_factor,
        default_speed_kmh=DEFAULT_SPEED_KMH,
        city_speeds_kmh=CITY_SPEEDS_KMH,
        city=city,
    )


def service_minutes(kind: str) -> int:
    return DEFAULT_SERVICE_MINUTES.get(kind, 60)


def zone_of(organization: Organization) -> ZoneInfo:
    return org_zone(organization)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def seconds_of(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Seconds since local midnight of ``day`` (negative before it, past 86,400 after it)."""
    return int((moment - midnight(day, zone)).total_seconds())


def clock_seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second
