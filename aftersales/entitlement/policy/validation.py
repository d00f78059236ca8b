"""Refuse impossible facts before reasoning on them: a decision on nonsense would look authoritative.

All problems are collected, not just the first, so a form can mark every bad field at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from .facts import CategoryKind, Facts, Request
from .rules import USE_COMPENSATION_MAX, USE_COMPENSATION_MIN


class InvalidFacts(ValueError):
    """The facts cannot be true; errors lists (field, reason) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors))


def validate(facts: Facts, request: Request) -> None:
    errors = list(_problems(facts, request))
    if errors:
        raise InvalidFacts(errors)


def _problems(facts: Facts, request: Request) -> Iterator[tuple[str, str]]:
    today = request.on
    yield from _dates(facts, today)
    yield from _money("price", facts.price)
    yield from _terms(facts)
    if facts.odometer_km is not None and facts.odometer_km < 0:
        yield "odometer_km", "cannot be negative"
    if facts.terms.kind == CategoryKind.CAR and facts.odometer_km is None:
        yield "odometer_km", "is required for a car"
    for i, exchange in enumerate(facts.exchanges):
        name = f"exchanges[{i}]"
        yield from _not_before(f"{name}.on", exchange.on, "purchased_on", facts.purchased_on)
        yield from _not_future(f"{name}.on", exchange.on, today)
        if exchange.odometer_km < 0:
            yield f"{name}.odometer_km", "cannot be negative"
    if facts.exchanges and facts.odometer_km is not None:
        last = max(facts.exchanges, key=lambda exchange: exchange.on)
        if facts.odometer_km < last.odometer_km:
            yield "odometer_km", "is lower than the reading at the last exchange"
    for i, visit in enumerate(facts.repairs):
        name = f"repairs[{i}]"
        yield from _not_before(f"{name}.dropped_off", visit.dropped_off, "purchased_on", facts.purchased_on)
        yield from _not_future(f"{name}.dropped_off", visit.dropped_off, today)
        if visit.returned is not None:
            yield from _not_before(f"{name}.returned", visit.returned, "dropped_off", visit.dropped_off)
            yield from _not_future(f"{name}.returned", visit.returned, today)
        span = ((visit.returned or today) - visit.dropped_off).days
        if visit.days_waiting_for_parts < 0:
            yield f"{name}.days_waiting_for_parts", "cannot be negative"
        elif visit.days_waiting_for_parts > max(span, 0):
            yield f"{name}.days_waiting_for_parts", f"is longer than the {span} days the unit was in repair"
        if visit.hours is not None and (not visit.hours.is_finite() or visit.hours < 0):
            yield f"{name}.hours", "must be a number of hours, zero or more"
    for i, gift in enumerate(facts.gifts):
        yield from _money(f"gifts[{i}].stated_price", gift.stated_price)
    for i, contract in enumerate(facts.contracts):
        name = f"contracts[{i}]"
        if contract.ends < contract.starts:
            yield f"{name}.ends", "is before the contract starts"
        yield from _money(f"{name}.price", contract.price)
        if contract.max_total is not None:
            yield from _money(f"{name}.max_total", contract.max_total)
        if contract.max_claims is not None and contract.max_claims < 0:
            yield f"{name}.max_claims", "cannot be negative"
        if contract.max_km is not None and contract.max_km < 0:
            yield f"{name}.max_km", "cannot be negative"
        for j, claim in enumerate(contract.claims):
            yield from _money(f"{name}.claims[{j}].amount", claim.amount)
            yield from _not_future(f"{name}.claims[{j}].on", claim.on, today)


def _dates(facts: Facts, today: date) -> Iterator[tuple[str, str]]:
    yield from _not_future("purchased_on", facts.purchased_on, today)
    if facts.invoiced_on is not None:
        yield from _not_future("invoiced_on", facts.invoiced_on, today)
    if facts.delivered_on is not None:
        yield from _not_before("delivered_on", facts.delivered_on, "purchased_on", facts.purchased_on)
        yield from _not_future("delivered_on", facts.delivered_on, today)


def _terms(facts: Facts) -> Iterator[tuple[str, str]]:
    terms = facts.terms
    for name, months in (
        ("whole_unit_months", terms.whole_unit_months),
        ("main_parts_months", terms.main_parts_months),
    ):
        if months < 0:
            yield f"terms.{name}", "cannot be negative"
    for i, part in enumerate(terms.part_overrides):
        if part.months < 0:
            yield f"terms.part_overrides[{i}].months", "cannot be negative"
    rate = terms.depreciation_rate_per_day
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
        yield "terms.depreciation_rate_per_day", "must be between 0 and 1 (a fraction per day)"
    if terms.kind == CategoryKind.CAR:
        n = terms.use_compensation_rate
        if not n.is_finite() or not USE_COMPENSATION_MIN <= n <= USE_COMPENSATION_MAX:
            yield (
                "terms.use_compensation_rate",
                ("must be between 0 and 0.005: 《家用汽车产品修理更换退货责任规定》 (2021) caps n at 0.5%"),
            )


def _money(name: str, value: Decimal) -> Iterator[tuple[str, str]]:
    if not value.is_finite():
        yield name, "must be a finite amount"
    elif value < 0:
        yield name, "cannot be negative"


def _not_future(name: str, value: date, today: date) -> Iterator[tuple[str, str]]:
    if value > today:
        yield name, f"{value} is after the request date {today}"


def _not_before(name: str, value: date, other_name: str, other: date) -> Iterator[tuple[str, str]]:
    if value < other:
        yield name, f"{value} is before {other_name} {other}"
