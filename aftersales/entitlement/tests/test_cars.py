"""Car 三包 (《家用汽车产品修理更换退货责任规定》, 2021), each rule at its boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from aftersales.entitlement.policy import (
    CategoryExtension,
    ConditionReport,
    Exchange,
    FaultType,
    OptionKind,
    OrgRules,
    RepairVisit,
    Request,
    evaluate,
)

from .factories import ask, car, day, keys, rule_ids

SEVERE = [
    FaultType.STEERING_FAILURE,
    FaultType.BRAKE_FAILURE,
    FaultType.BODY_CRACK,
    FaultType.FUEL_LEAK,
    FaultType.POWER_BATTERY_FIRE,
]


def same_day_visits(count: int, fault: str = "", start: int = 100, **fields: Any) -> tuple[RepairVisit, ...]:
    """Repairs finished the day they began: each counts as one day. Distinct faults unless `fault` is given."""
    return tuple(
        RepairVisit(day(start + i), day(start + i), fault=fault or f"f{i}", **fields) for i in range(count)
    )


@pytest.mark.parametrize(
    ("days", "km", "open_"), [(60, 1000, True), (61, 1000, False), (10, 3000, True), (10, 3001, False)]
)
def test_severe_fault_within_60_days_or_3000_km(days: int, km: int, open_: bool) -> None:
    decision = ask(car(odometer_km=km), day(days), fault=FaultType.BRAKE_FAILURE)

    assert ("car.severe_60d" in rule_ids(decision, OptionKind.RETURN)) is open_
    assert ("car.severe_60d" in rule_ids(decision, OptionKind.EXCHANGE)) is open_


@pytest.mark.parametrize("fault", SEVERE)
def test_each_severe_fault_gives_a_free_exchange_or_return(fault: FaultType) -> None:
    decision = ask(car(), day(30), fault=fault)

    option = decision.find(OptionKind.RETURN, "car.severe_60d")
    assert option is not None
    assert option.amounts.use_compensation == 0
    assert option.amounts.refund == Decimal("200000.00")
    assert option.deadline == day(60)
    assert option.basis.article == "第二十三条"


def test_an_ordinary_fault_in_the_first_60_days_is_a_free_repair_only() -> None:
    decision = ask(car(), day(30))

    assert keys(decision) == {(OptionKind.FREE_REPAIR, "car.free_repair")}


@pytest.mark.parametrize(("days", "open_"), [(7, True), (8, False)])
def test_core_assembly_needing_replacement_within_7_days(days: int, open_: bool) -> None:
    decision = ask(car(), day(days), fault=FaultType.CORE_ASSEMBLY_REPLACEMENT)

    assert ((OptionKind.RETURN, "car.core_7d") in keys(decision)) is open_
    assert ((OptionKind.EXCHANGE, "car.core_7d") in keys(decision)) is open_


@pytest.mark.parametrize(
    ("repairs", "fault", "open_"),
    [
        (1, FaultType.SERIOUS_SAFETY, False),
        (2, FaultType.SERIOUS_SAFETY, True),
        (2, FaultType.NONE, False),  # fixed for good: nothing to exchange for
    ],
)
def test_serious_safety_fault_repaired_twice(repairs: int, fault: FaultType, open_: bool) -> None:
    facts = car(repairs=same_day_visits(repairs, serious_safety=True))

    decision = ask(facts, day(200), fault=fault)

    assert ("car.serious_fault_twice" in rule_ids(decision, OptionKind.RETURN)) is open_


@pytest.mark.parametrize(
    ("parts", "open_"),
    [
        (("engine",), False),
        (("engine", "transmission"), True),
        (("power_battery", "power_battery"), True),
    ],
)
def test_core_assemblies_replaced_twice(parts: tuple[str, ...], open_: bool) -> None:
    visits = tuple(RepairVisit(day(100 + i), day(101 + i), part_replaced=p) for i, p in enumerate(parts))

    decision = ask(car(repairs=visits), day(200))

    assert ("car.core_replaced_twice" in rule_ids(decision, OptionKind.EXCHANGE)) is open_


@pytest.mark.parametrize(
    ("parts", "open_"),
    [
        (("steering_rack", "steering_rack"), True),
        (("steering_rack", "brake_master_cylinder"), False),
        (("wiper", "wiper"), False),  # not a main part on the voucher
    ],
)
def test_same_main_part_replaced_twice(parts: tuple[str, ...], open_: bool) -> None:
    visits = tuple(RepairVisit(day(100 + i), day(101 + i), part_replaced=p) for i, p in enumerate(parts))

    decision = ask(car(repairs=visits), day(200))

    assert ("car.part_replaced_twice" in rule_ids(decision, OptionKind.RETURN)) is open_


@pytest.mark.parametrize(("second_visit_days", "open_"), [(15, False), (16, True)])
def test_cumulative_repair_time_over_30_days(second_visit_days: int, open_: bool) -> None:
    visits = (RepairVisit(day(100), day(115)), RepairVisit(day(200), day(200 + second_visit_days)))

    decision = ask(car(repairs=visits), day(300), fault=FaultType.NONE)

    assert decision.facts_used["repair_days"] == 15 + second_visit_days
    assert ("car.repair_days_30" in rule_ids(decision, OptionKind.RETURN)) is open_


@pytest.mark.parametrize(("visits", "open_"), [(30, False), (31, True)])
def test_a_repair_under_24_hours_counts_as_one_day(visits: int, open_: bool) -> None:
    decision = ask(car(repairs=same_day_visits(visits)), day(300), fault=FaultType.NONE)

    assert ("car.repair_days_30" in rule_ids(decision, OptionKind.EXCHANGE)) is open_


def test_measured_hours_round_up_to_days() -> None:
    visits = (
        RepairVisit(day(100), day(101), hours=Decimal("3")),
        RepairVisit(day(110), day(112), hours=Decimal("25")),
    )

    decision = ask(car(repairs=visits), day(200))

    assert decision.facts_used["repair_days"] == 1 + 2


@pytest.mark.parametrize(("repairs", "open_"), [(4, False), (5, True)])
def test_same_fault_repaired_more_than_4_times(repairs: int, open_: bool) -> None:
    decision = ask(car(repairs=same_day_visits(repairs, fault="abs_warning")), day(300), fault=FaultType.NONE)

    assert ("car.same_fault_5" in rule_ids(decision, OptionKind.EXCHANGE)) is open_


def test_use_compensation_is_price_times_km_over_1000_times_n() -> None:
    facts = car(odometer_km=12_000, repairs=same_day_visits(5, fault="abs_warning"))

    option = ask(facts, day(300)).find(OptionKind.RETURN, "car.same_fault_5")

    # 200,000 × 12,000 ÷ 1,000 × 0.5% (the 2021 ceiling)
    assert option is not None
    assert option.amounts.use_compensation == Decimal("12000.00")
    assert option.amounts.refund == Decimal("188000.00")
    exchange = ask(facts, day(300)).find(OptionKind.EXCHANGE, "car.same_fault_5")
    assert exchange is not None and exchange.amounts.use_compensation == Decimal("12000.00")
    assert "合理使用补偿" in option.supporting[0].clause


@pytest.mark.parametrize(
    ("on", "km", "open_"),
    [
        (date(2026, 3, 1), 1000, True),
        (date(2026, 3, 2), 1000, False),
        (date(2025, 3, 1), 50_000, True),
        (date(2025, 3, 1), 50_001, False),
    ],
)
def test_三包_period_2_years_or_50000_km(on: date, km: int, open_: bool) -> None:
    facts = car(odometer_km=km, repairs=same_day_visits(5, fault="abs_warning"))

    decision = ask(facts, on)

    assert ("car.same_fault_5" in rule_ids(decision, OptionKind.RETURN)) is open_


@pytest.mark.parametrize(
    ("on", "km", "free"),
    [
        (date(2027, 3, 1), 1000, True),
        (date(2027, 3, 2), 1000, False),
        (date(2026, 6, 1), 60_000, True),
        (date(2026, 6, 1), 60_001, False),
    ],
)
def test_repair_warranty_3_years_or_60000_km(on: date, km: int, free: bool) -> None:
    decision = ask(car(odometer_km=km), on)

    assert ((OptionKind.FREE_REPAIR, "car.free_repair") in keys(decision)) is free
    assert ((OptionKind.PAID_REPAIR, "car.paid_repair") in keys(decision)) is not free


@pytest.mark.parametrize(("days_in_repair", "loaner"), [(5, False), (6, True)])
def test_loaner_from_the_sixth_day_of_one_repair(days_in_repair: int, loaner: bool) -> None:
    facts = car(repairs=(RepairVisit(day(100), days_waiting_for_parts=3),))

    decision = ask(facts, day(100 + days_in_repair))

    assert ((OptionKind.LOANER, "car.loaner") in keys(decision)) is loaner


def test_a_finished_long_repair_owes_transport_compensation() -> None:
    facts = car(repairs=(RepairVisit(day(100), day(108)),))

    option = ask(facts, day(120)).find(OptionKind.LOANER)

    assert option is not None
    assert "3 days" in option.reason_en
    assert option.basis.article == "第二十一条"


def test_the_period_counts_from_delivery_when_it_differs_from_the_invoice() -> None:
    facts = car(delivered_on=day(10))

    decision = ask(facts, day(65), fault=FaultType.FUEL_LEAK)

    assert decision.facts_used["period_start"] == day(10)
    assert (OptionKind.RETURN, "car.severe_60d") in keys(decision)
    assert (OptionKind.RETURN, "car.severe_60d") not in keys(ask(car(), day(65), fault=FaultType.FUEL_LEAK))


def test_an_earlier_delivery_also_sets_the_start() -> None:
    facts = car(invoiced_on=day(5), delivered_on=day(2))

    assert ask(facts, day(10)).facts_used["period_start"] == day(2)


def test_an_exchange_restarts_periods_and_the_count_of_repairs() -> None:
    old_repairs = same_day_visits(5, fault="abs_warning", start=100)
    facts = car(repairs=old_repairs, exchanges=(Exchange(day(200), odometer_km=10),), odometer_km=510)

    decision = ask(facts, day(230), fault=FaultType.STEERING_FAILURE)

    assert decision.facts_used["km_driven"] == 500
    assert "car.same_fault_5" not in rule_ids(decision, OptionKind.RETURN)
    assert "car.severe_60d" in rule_ids(decision, OptionKind.RETURN)


def test_without_the_same_model_only_a_return_is_offered() -> None:
    decision = ask(car(same_model_available=False), day(10), fault=FaultType.BODY_CRACK)

    assert (OptionKind.RETURN, "car.severe_60d") in keys(decision)
    assert (OptionKind.EXCHANGE, "car.severe_60d") not in keys(decision)


@pytest.mark.parametrize(
    ("changes", "condition"),
    [
        ({"commercial_use": True}, None),
        ({}, ConditionReport(misuse_or_storage_damage=True)),
        ({}, ConditionReport(unauthorized_disassembly=True)),
        ({}, ConditionReport(force_majeure_damage=True)),
    ],
)
def test_car_exclusions_leave_a_paid_repair(
    changes: dict[str, object], condition: ConditionReport | None
) -> None:
    decision = ask(car(condition=condition, **changes), day(10), fault=FaultType.BRAKE_FAILURE)

    assert keys(decision) == {(OptionKind.PAID_REPAIR, "car.paid_repair")}


def test_an_organization_can_extend_the_car_warranty() -> None:
    org = OrgRules(
        "Acme Motors", (CategoryExtension("sedan", car_warranty_months=60, car_warranty_km=100_000),)
    )

    decision = evaluate(car(odometer_km=80_000), Request(on=date(2028, 3, 1)), org)

    option = decision.find(OptionKind.FREE_REPAIR)
    assert option is not None
    assert option.basis.document == "《Acme Motors服务承诺》"
