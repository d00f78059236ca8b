"""Impossible facts are refused with the field and the reason, never decided on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from aftersales.entitlement.policy import (
    Exchange,
    ExtendedWarrantyContract,
    Facts,
    InvalidFacts,
    RepairVisit,
    Request,
    WarrantyClaim,
    evaluate,
)

from .factories import CAR, TV, car, day, goods

TODAY = day(100)


def fields(facts: Facts, on: date = TODAY) -> list[str]:
    with pytest.raises(InvalidFacts) as caught:
        evaluate(facts, Request(on=on))
    return [name for name, _ in caught.value.errors]


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (goods(delivered_on=day(-1)), "delivered_on"),
        (goods(purchased_on=day(101), invoiced_on=None), "purchased_on"),
        (goods(invoiced_on=day(101)), "invoiced_on"),
        (goods(delivered_on=day(101)), "delivered_on"),
        (car(odometer_km=-1), "odometer_km"),
        (car(odometer_km=None), "odometer_km"),
        (goods(price=Decimal("-1")), "price"),
        (goods(price=Decimal("NaN")), "price"),
        (goods(repairs=(RepairVisit(day(101)),)), "repairs[0].dropped_off"),
        (goods(repairs=(RepairVisit(day(-5)),)), "repairs[0].dropped_off"),
        (goods(repairs=(RepairVisit(day(20), day(10)),)), "repairs[0].returned"),
        (goods(repairs=(RepairVisit(day(20), day(150)),)), "repairs[0].returned"),
        (
            goods(repairs=(RepairVisit(day(20), day(30), days_waiting_for_parts=11),)),
            "repairs[0].days_waiting_for_parts",
        ),
        (
            goods(repairs=(RepairVisit(day(20), day(30), days_waiting_for_parts=-1),)),
            "repairs[0].days_waiting_for_parts",
        ),
        (goods(repairs=(RepairVisit(day(20), day(30), hours=Decimal("-2")),)), "repairs[0].hours"),
        (goods(exchanges=(Exchange(day(101)),)), "exchanges[0].on"),
        (car(exchanges=(Exchange(day(50), odometer_km=2000),), odometer_km=1500), "odometer_km"),
        (car(exchanges=(Exchange(day(50), odometer_km=-3),)), "exchanges[0].odometer_km"),
        (car(terms=replace(CAR, use_compensation_rate=Decimal("0.009"))), "terms.use_compensation_rate"),
        (car(terms=replace(CAR, use_compensation_rate=Decimal("0.006"))), "terms.use_compensation_rate"),
        (car(terms=replace(CAR, use_compensation_rate=Decimal("-0.001"))), "terms.use_compensation_rate"),
        (goods(terms=replace(TV, depreciation_rate_per_day=Decimal("2"))), "terms.depreciation_rate_per_day"),
    ],
)
def test_each_impossible_fact_names_its_field(facts: Facts, field: str) -> None:
    assert field in fields(facts)


def test_contract_errors_name_the_contract() -> None:
    contract = ExtendedWarrantyContract(
        "EW",
        starts=day(50),
        ends=day(40),
        price=Decimal("-1"),
        claims=(WarrantyClaim(day(101), Decimal("10")),),
    )

    assert fields(goods(contracts=(contract,))) == [
        "contracts[0].ends",
        "contracts[0].price",
        "contracts[0].claims[0].on",
    ]


def test_all_problems_are_reported_at_once_with_a_reason() -> None:
    facts = goods(delivered_on=day(-1), price=Decimal("-5"), repairs=(RepairVisit(day(200)),))

    with pytest.raises(InvalidFacts) as caught:
        evaluate(facts, Request(on=TODAY))

    assert [name for name, _ in caught.value.errors] == ["delivered_on", "price", "repairs[0].dropped_off"]
    assert "before purchased_on" in dict(caught.value.errors)["delivered_on"]
    assert "delivered_on" in str(caught.value)


def test_a_contract_that_starts_in_the_future_is_not_an_error() -> None:
    contract = ExtendedWarrantyContract("EW", starts=day(400), ends=day(800), price=Decimal("10"))

    assert evaluate(goods(contracts=(contract,)), Request(on=TODAY)).evaluated_on == TODAY
