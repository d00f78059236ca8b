"""Database fixtures for the entitlement app: a TV line in org A, carol's units, repair history."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.catalog.models import ProductCategory
from aftersales.entitlement import facts
from aftersales.service.models import Kind, RequestEvent, ServiceRequest, Status
from aftersales.testing.factories import (
    CategoryFactory,
    CustomerFactory,
    ProductModelFactory,
    SparePartFactory,
    UnitFactory,
)

SH = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return timezone.localdate()


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def no_rest_days(request, monkeypatch):
    """Deadlines in these tests are counted on a calendar without rest days, so they hold on any date.

    Otherwise a seven-day period whose last day falls on a weekend is extended (民法典 第二百零三条)
    and the expected date depends on the day the suite runs. Tests of the rest-day rule itself
    either pass their own rest days or are marked ``official_calendar``.
    """
    if request.node.get_closest_marker("official_calendar") is None:
        monkeypatch.setattr(facts, "rest_days", lambda start, end: ())


@pytest.fixture
def tv_model(org_a):
    category = CategoryFactory(
        organization=org_a, code="tv", name="彩电", whole_unit_months=12, main_parts_months=36
    )
    model = ProductModelFactory(
        organization=org_a,
        category=category,
        model_number="TV-55",
        name="55寸电视",
        list_price=Decimal("2999.00"),
        whole_unit_months=12,
        main_parts_months=36,
    )
    panel = SparePartFactory(
        organization=org_a, part_number="P-PANEL", name="panel", price=Decimal("900.00"), is_main_part=True
    )
    panel.fits.add(model)
    return model


@pytest.fixture
def car_model(org_a):
    category = CategoryFactory(
        organization=org_a,
        code="sedan",
        name="轿车",
        kind=ProductCategory.Kind.CAR,
        whole_unit_months=36,
        main_parts_months=36,
    )
    return ProductModelFactory(
        organization=org_a,
        category=category,
        model_number="CAR-1",
        name="轿车",
        list_price=Decimal("150000.00"),
        whole_unit_months=36,
        main_parts_months=36,
    )


@pytest.fixture
def carol_customer(org_a, carol):
    return CustomerFactory(organization=org_a, user=carol, name="王卡罗", email="carol@example.com")


@pytest.fixture
def online_unit(tv_model, carol_customer):
    """Bought online five days ago, delivered three days ago: inside the seven-day no-reason window."""
    return UnitFactory(
        organization=tv_model.organization,
        product_model=tv_model,
        customer=carol_customer,
        serial_number="TV0001",
        purchase_date=ago(5),
        delivery_date=ago(3),
        invoice_amount=Decimal("2999.00"),
        sales_channel="online",
    )


@pytest.fixture
def old_unit(tv_model, carol_customer):
    """Bought in a shop two years ago: out of its 12-month 三包 period."""
    return UnitFactory(
        organization=tv_model.organization,
        product_model=tv_model,
        customer=carol_customer,
        serial_number="TV0002",
        purchase_date=ago(730),
        delivery_date=ago(730),
        invoice_amount=Decimal("2999.00"),
        sales_channel="offline",
    )


def repair(
    unit: Any,
    *,
    dropped: date,
    resolved: date | None,
    fault: str = "no_picture",
    waits: tuple[tuple[date, date], ...] = (),
    status: str = Status.CLOSED,
) -> ServiceRequest:
    """A repair request as the service app leaves it, with its status events."""
    created = at(dropped)
    sr = ServiceRequest.objects.create(
        number=f"SR-T-{ServiceRequest.objects.count() + 1:05d}",
        organization=unit.organization,
        customer=unit.customer,
        unit=unit,
        kind=Kind.REPAIR,
        channel="phone",
        status=status,
        subject="修理",
        description="不开机",
        fault_category=fault,
        created_at=created,
        resolved_at=at(resolved, 16) if resolved else None,
        closed_at=at(resolved, 17) if resolved else None,
    )
    RequestEvent.objects.create(
        request=sr, kind="status", from_status="new", to_status="in_progress", created_at=created
    )
    for start, end in waits:
        RequestEvent.objects.create(
            request=sr,
            kind="status",
            from_status="in_progress",
            to_status="awaiting_parts",
            created_at=at(start, 11),
        )
        RequestEvent.objects.create(
            request=sr,
            kind="status",
            from_status="awaiting_parts",
            to_status="in_progress",
            created_at=at(end, 11),
        )
    return sr
