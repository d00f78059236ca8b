"""Small builders so each test states only the facts it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aftersales.entitlement.policy import (
    CategoryKind,
    Decision,
    Facts,
    FaultType,
    OptionKind,
    ProductTerms,
    Request,
    RequestKind,
    SaleChannel,
    evaluate,
)

SOLD = date(2024, 3, 1)

TV = ProductTerms(
    "colour_tv",
    whole_unit_months=12,
    main_parts_months=36,
    main_parts=("panel", "mainboard"),
    depreciation_rate_per_day=Decimal("0.001"),
)
CAR = ProductTerms(
    "sedan",
    kind=CategoryKind.CAR,
    main_parts=("steering_rack", "brake_master_cylinder"),
    use_compensation_rate=Decimal("0.005"),
)


def day(n: int, start: date = SOLD) -> date:
    return start + timedelta(days=n)


def goods(**changes: Any) -> Facts:
    base = Facts(terms=TV, price=Decimal("3000.00"), purchased_on=SOLD, invoiced_on=SOLD)
    return replace(base, **changes)


def car(**changes: Any) -> Facts:
    base = Facts(terms=CAR, price=Decimal("200000.00"), purchased_on=SOLD, invoiced_on=SOLD, odometer_km=1000)
    return replace(base, **changes)


def online(**changes: Any) -> Facts:
    base = goods(channel=SaleChannel.ONLINE, delivered_on=day(2))
    return replace(base, **changes)


def ask(
    facts: Facts,
    on: date,
    fault: FaultType = FaultType.PERFORMANCE,
    kind: RequestKind = RequestKind.REPAIR,
    **request: Any,
) -> Decision:
    return evaluate(facts, Request(on=on, kind=kind, fault=fault, **request))


def keys(decision: Decision) -> set[tuple[OptionKind, str]]:
    return {(option.kind, option.rule_id) for option in decision.options}


def rule_ids(decision: Decision, kind: OptionKind) -> set[str]:
    return {option.rule_id for option in decision.options if option.kind == kind}
