"""Database fixtures for dispatch: a Shanghai station, technicians with skills, customers' field requests."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.dispatch.services import technician_create
from aftersales.dispatch.travel import LatLon
from aftersales.service import services as service_services
from aftersales.service.models import ServiceRequest
from aftersales.sla.calendars import calendar_create
from aftersales.sla.models import ServiceCalendar
from aftersales.stations.models import ServiceStation
from aftersales.testing.factories import (
    AddressFactory,
    CategoryFactory,
    CustomerFactory,
    ProductModelFactory,
    SparePartFactory,
    UnitFactory,
    UserFactory,
)

SH = ZoneInfo("Asia/Shanghai")
STATION = LatLon(31.2304, 121.4737)
EVERY_DAY = dict.fromkeys(range(7), (time(8, 0), time(18, 0)))
AC_SKILLS = [
    ("category", "ac", 2),
    ("work", "repair", 2),
    ("work", "installation", 1),
    ("work", "maintenance", 1),
]


def near(east_km: float, north_km: float) -> tuple[float, float]:
    return (round(STATION.lat + north_km / 111.32, 6), round(STATION.lon + east_km / 95.2, 6))


def today() -> date:
    return timezone.localtime(timezone.now(), SH).date()


def day_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SH)


def tomorrow_at(hour: int) -> datetime:
    return day_at(today() + timedelta(days=1), hour)


def post_json(client: Any, url: str, body: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body, default=str), content_type="application/json", **extra)


@pytest.fixture(autouse=True)
def _no_public_holidays(request) -> None:
    """Most tests book from the real "tomorrow" on; whether that is a public holiday must not matter.

    Unless a test asks for ``official_calendar`` (``test_workdays``), org_a's default calendar, which
    dispatch follows, has no public holidays or make-up days.
    """
    if "org_a" not in request.fixturenames or "official_calendar" in request.fixturenames:
        return
    calendar_create(
        organization=request.getfixturevalue("org_a"), holiday_source=ServiceCalendar.HolidaySource.NONE
    )


@pytest.fixture
def station(org_a) -> ServiceStation:
    return ServiceStation.objects.create(
        organization=org_a,
        code="sh-01",
        name="上海静安服务中心",
        province="上海市",
        city="上海市",
        district="静安区",
        address="南京西路1号",
        latitude=STATION.lat,
        longitude=STATION.lon,
        service_radius_km=30,
        daily_capacity=40,
    )


@pytest.fixture
def far_station(org_a) -> ServiceStation:
    # Beijing: 1,000 km away, so a Shanghai address is never in its radius.
    return ServiceStation.objects.create(
        organization=org_a,
        code="bj-01",
        name="北京朝阳服务中心",
        province="北京市",
        city="北京市",
        district="朝阳区",
        address="建国路88号",
        latitude=39.9042,
        longitude=116.4074,
        service_radius_km=30,
    )


@pytest.fixture
def ac_model(org_a):
    category = CategoryFactory(
        organization=org_a, code="ac", name="空调", whole_unit_months=12, main_parts_months=36
    )
    return ProductModelFactory(
        organization=org_a,
        category=category,
        model_number="KFR-35",
        name="1.5匹挂机",
        whole_unit_months=12,
        main_parts_months=36,
    )


@pytest.fixture
def parts(org_a, ac_model):
    compressor = SparePartFactory(
        organization=org_a, part_number="AC-COMP", name="压缩机", price=Decimal("980.00"), is_main_part=True
    )
    remote = SparePartFactory(
        organization=org_a, part_number="AC-REMOTE", name="遥控器", price=Decimal("60.00")
    )
    for part in (compressor, remote):
        part.fits.add(ac_model)
    return {"compressor": compressor, "remote": remote}


def make_technician(org, station, username: str, skills=AC_SKILLS, **kw: Any):
    user = UserFactory(username=username, role=Role.TECHNICIAN, organization=org, first_name=username.title())
    return technician_create(
        user=user, home_station=station, skills=skills, shifts=kw.pop("shifts", EVERY_DAY), **kw
    )


@pytest.fixture
def tina_tech(tina, station):
    tina.first_name = "蒂娜"
    tina.save()
    return technician_create(user=tina, home_station=station, skills=AC_SKILLS, shifts=EVERY_DAY)


@pytest.fixture
def carol_customer(org_a, carol):
    return CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")


def field_request(
    org,
    customer,
    model,
    *,
    where: tuple[float, float] = near(3, 2),
    kind: str = "repair",
    priority: str = "normal",
    accept: bool = True,
    purchased_days_ago: int = 60,
    by=None,
) -> ServiceRequest:
    address = AddressFactory(
        customer=customer,
        province="上海市",
        city="上海市",
        district="静安区",
        latitude=where[0],
        longitude=where[1],
    )
    unit = UnitFactory(
        organization=org,
        customer=customer,
        product_model=model,
        purchase_date=today() - timedelta(days=purchased_days_ago),
        delivery_date=today() - timedelta(days=purchased_days_ago),
    )
    sr = service_services.request_create(
        organization=org,
        customer=customer,
        by=None,
        kind=kind,
        channel="web",
        description="空调不制冷",
        unit=unit,
        address=address,
        priority=priority,
        allow_duplicate=True,
        notify=False,
    )
    if accept:
        sr = service_services.request_transition(request=sr, name="accept", by=by, notify=False)
    return sr


@pytest.fixture
def carol_request(org_a, carol_customer, ac_model, station, tina_tech) -> ServiceRequest:
    return field_request(org_a, carol_customer, ac_model)
