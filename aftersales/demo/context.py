"""What the demo's steps share: the seeded random source, the day, and what earlier steps made.

Every step (one module each, listed in ``generate.STEPS``) takes a ``DemoContext`` and adds to it
what later steps need: the organizations, their product models and customers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductModel
from aftersales.customers.models import Customer
from aftersales.demo.data import GIVEN, SURNAMES

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo credential, printed on purpose
Report = Callable[[str], None]


@dataclass
class DemoContext:
    rng: random.Random
    today: date
    report: Report
    orgs: dict[str, Organization] = field(default_factory=dict)
    models: dict[str, list[ProductModel]] = field(default_factory=dict)
    customers: dict[str, list[Customer]] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, org
    extra: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = (
        None  # the moment today's visits are shown at (tests fix it); the clock's when None
    )


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given
