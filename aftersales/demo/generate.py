"""The demo data set: three organizations, their staff, stations, catalogs and sales.

Deterministic (seeded) so screenshots and docs stay comparable, and written with bulk inserts
so it loads in seconds. Each step is a module of its own taking the shared ``DemoContext``
(``context``); later features add their step to ``STEPS``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.models import Organization
from aftersales.demo.catalog import step_catalog
from aftersales.demo.context import DemoContext, Report
from aftersales.demo.data import ORGS
from aftersales.demo.dispatch import step_dispatch
from aftersales.demo.entitlement import step_entitlement
from aftersales.demo.organizations import step_organizations
from aftersales.demo.requests import step_requests
from aftersales.demo.sales import step_sales
from aftersales.demo.sla import step_sla
from aftersales.demo.stations import step_stations

STEPS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("organizations and staff", step_organizations),
    ("service stations", step_stations),
    ("product catalog", step_catalog),
    ("customers and sales", step_sales),
    ("service requests", step_requests),
    ("technicians, today's visits and repair records", step_dispatch),
    ("service time limits", step_sla),
    # After the SLA set-up: the services start these requests' clocks as they open them.
    ("returns, extended warranties and quotes", step_entitlement),
]


def already_loaded() -> bool:
    return Organization.objects.filter(slug__in=[o["slug"] for o in ORGS]).exists()


def load_demo(*, seed: int = 2026, report: Report = print) -> DemoContext:
    ctx = DemoContext(rng=random.Random(seed), today=timezone.localdate(), report=report)
    with transaction.atomic():
        for n, (title, step) in enumerate(STEPS, start=1):
            report(f"[{n}/{len(STEPS)}] {title}…")
            step(ctx)
    return ctx
