"""SLA fixtures: org A's calendar holds China's schedule for 2024–2028, of which 2024–2026 are
published (confirmed) and 2027–2028 are the package's estimate; the default policies apply."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.service import services
from aftersales.sla.calendars import calendar_create
from aftersales.sla.policies import policies_seed
from aftersales.testing.factories import CustomerFactory, UnitFactory

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@contextmanager
def clock_at(at: datetime) -> Iterator[None]:
    """Services that take no ``at`` (assignment, edits) happen at ``at``."""
    with mock.patch.object(timezone, "now", return_value=at):
        yield


@pytest.fixture
def calendar_a(org_a):
    calendar = calendar_create(organization=org_a, years=range(2024, 2029))
    policies_seed(organization=org_a)
    return calendar


@pytest.fixture
def calendar_b(org_b):
    calendar = calendar_create(organization=org_b, years=range(2024, 2029))
    policies_seed(organization=org_b)
    return calendar


@pytest.fixture
def customer_a(org_a, carol):
    return CustomerFactory(organization=org_a, user=carol)


@pytest.fixture
def make_request(calendar_a, customer_a):
    """``make_request(kind, at, **kw)``: a request of org A created at ``at``."""

    def make(kind: str, at: datetime, **kw):
        customer = kw.pop("customer", customer_a)
        unit = kw.pop("unit", None)
        if unit is None and kind not in ("complaint", "consultation"):
            unit = UnitFactory(organization=customer.organization, customer=customer)
        return services.request_create(
            organization=customer.organization,
            customer=customer,
            by=None,
            kind=kind,
            channel=kw.pop("channel", "web"),
            description=kw.pop("description", "空调不制冷"),
            unit=unit,
            created_at=at,
            notify=False,
            **kw,
        )

    return make


def walk(request, by, at: datetime, *names: str):
    for name in names:
        request = services.request_transition(
            request=request,
            name=name,
            by=by,
            at=at,
            notify=False,
            reason="测试" if name in ("cancel", "customer_reject") else "",
        )
    return request
