"""Extended warranty contracts turn a paid repair outside 三包 into a covered one, within their limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from aftersales.entitlement.policy import (
    ConditionReport,
    ExtendedWarrantyContract,
    FaultType,
    OptionKind,
    Payer,
    WarrantyClaim,
)

from .factories import ask, car, goods, keys

AFTER_三包 = date(2025, 6, 1)  # the TV's 12-month period ended on 2025-03-01
CONTRACT = ExtendedWarrantyContract(
    "EW-1",
    starts=date(2025, 3, 2),
    ends=date(2027, 3, 1),
    price=Decimal("299.00"),
    max_claims=3,
    max_total=Decimal("2000.00"),
)
COVERED = (OptionKind.FREE_REPAIR, "ew.covered_repair:EW-1")


def test_an_active_contract_covers_a_repair_after_三包() -> None:
    decision = ask(goods(contracts=(CONTRACT,)), AFTER_三包)

    option = decision.find(*COVERED)
    assert option is not None
    assert option.cost_borne_by == Payer.WARRANTY_PROVIDER
    assert option.deadline == date(2027, 3, 1)
    assert option.amounts.coverage_remaining == Decimal("2000.00")
    assert option.basis.document == "延保合同 EW-1"


def test_the_contract_is_not_used_while_三包_still_repairs_for_free() -> None:
    decision = ask(goods(contracts=(CONTRACT,)), date(2025, 1, 1))

    assert COVERED not in keys(decision)
    assert (OptionKind.FREE_REPAIR, "goods.free_repair") in keys(decision)


def test_claims_count_against_the_amount_limit() -> None:
    claims = (WarrantyClaim(date(2025, 4, 1), Decimal("1200.00")),)

    option = ask(goods(contracts=(replace(CONTRACT, claims=claims),)), AFTER_三包).find(*COVERED)

    assert option is not None
    assert option.amounts.coverage_remaining == Decimal("800.00")


@pytest.mark.parametrize(
    ("changes", "on"),
    [
        ({"cancelled": True}, AFTER_三包),
        ({}, date(2027, 3, 2)),  # expired
        ({"starts": date(2025, 7, 1)}, AFTER_三包),  # not started yet
        ({"claims": tuple(WarrantyClaim(date(2025, 4, i), Decimal("1")) for i in range(1, 4))}, AFTER_三包),
        ({"claims": (WarrantyClaim(date(2025, 4, 1), Decimal("2000.00")),)}, AFTER_三包),
        ({"covers_parts": False, "covers_labour": False}, AFTER_三包),
    ],
)
def test_a_contract_that_cannot_pay_leaves_the_paid_repair(changes: dict[str, Any], on: date) -> None:
    decision = ask(goods(contracts=(replace(CONTRACT, **changes),)), on)

    assert COVERED not in keys(decision)
    assert (OptionKind.PAID_REPAIR, "goods.paid_repair") in keys(decision)
    assert any(refusal.rule_id == COVERED[1] for refusal in decision.refusals)


def test_damage_the_customer_caused_is_not_covered() -> None:
    facts = goods(contracts=(CONTRACT,), condition=ConditionReport(misuse_or_storage_damage=True))

    assert COVERED not in keys(ask(facts, AFTER_三包))


def test_partial_cover_names_what_the_customer_still_pays() -> None:
    contract = replace(CONTRACT, covers_labour=False)

    option = ask(goods(contracts=(contract,)), AFTER_三包).find(*COVERED)

    assert option is not None
    assert option.requires_quote
    assert "labour, travel are charged by quote" in option.reason_en


def test_no_fault_no_claim() -> None:
    assert COVERED not in keys(ask(goods(contracts=(CONTRACT,)), AFTER_三包, fault=FaultType.NONE))


@pytest.mark.parametrize(("km", "covered"), [(100_000, True), (100_001, False)])
def test_a_car_contract_has_a_distance_limit(km: int, covered: bool) -> None:
    contract = replace(CONTRACT, starts=date(2027, 3, 2), ends=date(2029, 3, 1), max_km=100_000)

    decision = ask(car(odometer_km=km, contracts=(contract,)), date(2028, 1, 1))

    assert (COVERED in keys(decision)) is covered
