"""Goods 三包 (《部分商品修理更换退货责任规定》), each rule at its boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from aftersales.entitlement.policy import (
    CategoryExtension,
    ConditionReport,
    Exchange,
    FaultType,
    OptionKind,
    OrgRules,
    PartTerm,
    Payer,
    RepairVisit,
    Request,
    evaluate,
)

from .factories import SOLD, TV, ask, day, goods, keys

RETURN_7D = (OptionKind.RETURN, "goods.return_7d")
EXCHANGE_15D = (OptionKind.EXCHANGE, "goods.exchange_15d")
FREE_REPAIR = (OptionKind.FREE_REPAIR, "goods.free_repair")
PAID_REPAIR = (OptionKind.PAID_REPAIR, "goods.paid_repair")


@pytest.mark.parametrize(
    ("days_after_sale", "return_open", "exchange_open"),
    [(0, True, True), (7, True, True), (8, False, True), (15, False, True), (16, False, False)],
)
def test_performance_fault_windows_after_sale(
    days_after_sale: int, return_open: bool, exchange_open: bool
) -> None:
    decision = ask(goods(), day(days_after_sale))

    assert (RETURN_7D in keys(decision)) is return_open
    assert (EXCHANGE_15D in keys(decision)) is exchange_open
    assert FREE_REPAIR in keys(decision)


def test_seven_day_return_refunds_the_invoice_price_and_cites_article_9() -> None:
    option = ask(goods(), day(7)).find(*RETURN_7D)

    assert option is not None
    assert option.amounts.refund == Decimal("3000.00")
    assert option.amounts.depreciation == 0
    assert option.deadline == day(7)
    assert option.basis.article == "第九条"


def test_exchange_window_deadline_and_article() -> None:
    option = ask(goods(), day(3)).find(*EXCHANGE_15D)

    assert option is not None
    assert option.deadline == day(15)
    assert option.basis.article == "第十条"


def test_no_fault_means_no_三包_option_offline() -> None:
    decision = ask(goods(), day(1), fault=FaultType.NONE)

    assert [option.kind for option in decision.options] == [OptionKind.NONE]


def test_return_instead_of_exchange_deducts_depreciation_when_the_same_model_exists() -> None:
    # day 10: 10 days used × 0.1% × 3,000
    option = ask(goods(), day(10)).find(OptionKind.RETURN, "goods.exchange_15d")

    assert option is not None
    assert option.amounts.depreciation == Decimal("30.00")
    assert option.amounts.refund == Decimal("2970.00")
    assert option.basis.article == "第十三条"


def test_without_the_same_model_the_exchange_becomes_a_full_return() -> None:
    decision = ask(goods(same_model_available=False), day(10))

    assert EXCHANGE_15D not in keys(decision)
    option = decision.find(OptionKind.RETURN, "goods.exchange_15d")
    assert option is not None
    assert option.amounts.refund == Decimal("3000.00")
    assert option.amounts.depreciation == 0


@pytest.mark.parametrize(("repairs", "exchange_open"), [(1, False), (2, True), (3, True)])
def test_still_failing_after_two_repairs_gives_exchange(repairs: int, exchange_open: bool) -> None:
    visits = tuple(
        RepairVisit(day(30 * i + 20), day(30 * i + 22), fault="no_picture") for i in range(repairs)
    )

    decision = ask(goods(repairs=visits), day(200))

    assert ((OptionKind.EXCHANGE, "goods.two_repairs") in keys(decision)) is exchange_open


def test_a_repair_still_in_progress_is_not_yet_a_second_repair() -> None:
    visits = (RepairVisit(day(20), day(22)), RepairVisit(day(40)))

    decision = ask(goods(repairs=visits), day(45))

    assert (OptionKind.EXCHANGE, "goods.two_repairs") not in keys(decision)


def test_repairs_by_an_unauthorized_repairer_do_not_count() -> None:
    visits = (RepairVisit(day(20), day(22)), RepairVisit(day(40), day(42), authorized=False))

    decision = ask(goods(repairs=visits), day(45))

    assert (OptionKind.EXCHANGE, "goods.two_repairs") not in keys(decision)


def test_depreciation_excludes_repair_days() -> None:
    # 100 days since the invoice, 20 of them in repair: 80 days × 0.1% × 3,000 = 240
    visits = (RepairVisit(day(20), day(30)), RepairVisit(day(50), day(60)))

    option = ask(goods(repairs=visits), day(100)).find(OptionKind.RETURN, "goods.two_repairs")

    assert option is not None
    assert option.amounts.depreciation == Decimal("240.00")
    assert option.amounts.refund == Decimal("2760.00")


@pytest.mark.parametrize(
    ("on", "visits", "free"),
    [
        (date(2025, 3, 1), (), True),  # 12 months from the invoice date
        (date(2025, 3, 2), (), False),
        # 20 days in repair (incl. waiting for parts) are not counted: the period ends 20 days later
        (date(2025, 3, 21), (RepairVisit(day(100), day(120), days_waiting_for_parts=12),), True),
        (date(2025, 3, 22), (RepairVisit(day(100), day(120), days_waiting_for_parts=12),), False),
        # an unauthorized repairer's days do not extend it
        (date(2025, 3, 21), (RepairVisit(day(100), day(120), authorized=False),), False),
    ],
)
def test_三包_period_excludes_days_in_repair(on: date, visits: tuple[RepairVisit, ...], free: bool) -> None:
    decision = ask(goods(repairs=visits), on)

    assert (FREE_REPAIR in keys(decision)) is free
    assert (PAID_REPAIR in keys(decision)) is not free


def test_an_unfinished_repair_keeps_extending_the_period() -> None:
    facts = goods(repairs=(RepairVisit(date(2025, 2, 20)),))

    decision = ask(facts, date(2025, 3, 20))

    assert decision.facts_used["period_end"] == date(2025, 3, 29)
    assert FREE_REPAIR in keys(decision)


def test_paid_repair_outside_the_period_asks_for_a_quote() -> None:
    option = ask(goods(), date(2025, 3, 2)).find(*PAID_REPAIR)

    assert option is not None
    assert option.requires_quote
    assert option.cost_borne_by == Payer.CUSTOMER


def test_the_period_restarts_on_the_date_of_an_exchange() -> None:
    facts = goods(exchanges=(Exchange(date(2024, 12, 1)),))

    option = ask(facts, date(2025, 12, 1)).find(*FREE_REPAIR)
    assert option is not None
    assert "第十四条" in [clause.article for clause in option.supporting]
    assert PAID_REPAIR in keys(ask(facts, date(2025, 12, 2)))
    assert FREE_REPAIR not in keys(ask(goods(), date(2025, 12, 1)))


def test_repairs_before_an_exchange_do_not_count_for_the_new_unit() -> None:
    visits = (RepairVisit(day(20), day(22)), RepairVisit(day(40), day(42)))
    facts = goods(repairs=visits, exchanges=(Exchange(day(50)),))

    decision = ask(facts, day(80))

    assert (OptionKind.EXCHANGE, "goods.two_repairs") not in keys(decision)
    assert decision.facts_used["repairs_counted"] == 0


def test_an_exchange_does_not_restart_the_seven_day_return() -> None:
    facts = goods(exchanges=(Exchange(day(6)),))

    assert RETURN_7D not in keys(ask(facts, day(9)))


@pytest.mark.parametrize(
    ("changes", "condition"),
    [
        ({}, ConditionReport(misuse_or_storage_damage=True)),
        ({}, ConditionReport(unauthorized_disassembly=True)),
        ({}, ConditionReport(force_majeure_damage=True)),
        ({"has_voucher": False, "invoiced_on": None}, None),
        ({"voucher_matches": False}, None),
        ({"voucher_altered": True}, None),
    ],
)
def test_each_exclusion_leaves_only_a_paid_repair_with_a_quote(
    changes: dict[str, object], condition: ConditionReport | None
) -> None:
    decision = ask(goods(condition=condition, **changes), day(3))

    assert keys(decision) == {PAID_REPAIR}
    assert decision.options[0].requires_quote
    assert decision.refusals[0].rule_id == "goods.excluded"


@pytest.mark.parametrize("changes", [{"has_voucher": False}, {"invoiced_on": None}])
def test_missing_only_one_of_voucher_and_invoice_is_not_an_exclusion(changes: dict[str, object]) -> None:
    assert RETURN_7D in keys(ask(goods(**changes), day(3)))


@pytest.mark.parametrize(("days_at_repairer", "exchange_open"), [(90, False), (91, True)])
def test_parts_not_supplied_for_more_than_90_days_gives_exchange(
    days_at_repairer: int, exchange_open: bool
) -> None:
    facts = goods(repairs=(RepairVisit(day(20), days_waiting_for_parts=80),))

    decision = ask(facts, day(20 + days_at_repairer), fault=FaultType.NONE)

    assert ((OptionKind.EXCHANGE, "goods.parts_90d") in keys(decision)) is exchange_open


def test_a_long_repair_without_waiting_for_parts_is_not_the_90_day_rule() -> None:
    facts = goods(repairs=(RepairVisit(day(20), day(120)),))

    decision = ask(facts, day(130))

    assert (OptionKind.EXCHANGE, "goods.parts_90d") not in keys(decision)


@pytest.mark.parametrize(
    ("returned_after", "waiting", "exchange_open"),
    [(30, 0, False), (31, 0, True), (35, 5, False), (36, 5, True)],
)
def test_repairer_delay_beyond_30_days_gives_exchange_at_the_repairers_cost(
    returned_after: int, waiting: int, exchange_open: bool
) -> None:
    facts = goods(repairs=(RepairVisit(day(20), day(20 + returned_after), days_waiting_for_parts=waiting),))

    option = ask(facts, day(60)).find(OptionKind.EXCHANGE, "goods.repairer_30d")

    assert (option is not None) is exchange_open
    if option is not None:
        assert option.cost_borne_by == Payer.REPAIRER
        assert option.basis.article == "第十二条"


@pytest.mark.parametrize(
    ("part", "free"),
    [("panel", True), ("mainboard", True), ("remote", False), (None, False), ("compressor", True)],
)
def test_main_parts_have_their_own_period(part: str | None, free: bool) -> None:
    terms = replace(TV, part_overrides=(PartTerm("compressor", 48),))
    on = date(2025, 6, 1)  # past the 12-month whole-unit period, within the 36-month main-parts one

    decision = evaluate(goods(terms=terms), Request(on=on, part=part))

    assert (FREE_REPAIR in keys(decision)) is free


def test_an_organization_can_extend_the_return_window_and_is_cited_for_it() -> None:
    org = OrgRules("Acme", (CategoryExtension("colour_tv", return_days=10),))

    at_ten = evaluate(goods(), Request(on=day(10)), org).find(*RETURN_7D)
    at_seven = evaluate(goods(), Request(on=day(7)), org).find(*RETURN_7D)

    assert at_ten is not None and at_seven is not None
    assert at_ten.basis.document == "《Acme服务承诺》"
    assert at_seven.basis.article == "第九条"
    assert RETURN_7D not in keys(evaluate(goods(), Request(on=day(11)), org))


def test_an_organization_cannot_shorten_the_legal_windows() -> None:
    org = OrgRules("Acme", (CategoryExtension("colour_tv", return_days=3, whole_unit_months=6),))

    decision = evaluate(goods(), Request(on=day(7)), org)

    assert RETURN_7D in keys(decision)
    assert FREE_REPAIR in keys(evaluate(goods(), Request(on=date(2025, 3, 1)), org))


def test_an_extended_whole_unit_period_covers_beyond_the_legal_one() -> None:
    org = OrgRules("Acme", (CategoryExtension("colour_tv", whole_unit_months=24),))

    option = evaluate(goods(), Request(on=date(2025, 6, 1)), org).find(*FREE_REPAIR)

    assert option is not None
    assert option.deadline == date(2026, 3, 1)
    assert option.basis.document == "《Acme服务承诺》"


def test_period_start_uses_the_invoice_date() -> None:
    decision = ask(goods(invoiced_on=date(2024, 3, 5)), date(2025, 3, 5))

    assert decision.facts_used["period_start"] == date(2024, 3, 5)
    assert FREE_REPAIR in keys(decision)
    assert FREE_REPAIR not in keys(ask(goods(invoiced_on=SOLD), date(2025, 3, 5)))


def test_a_main_part_within_its_legal_period_cites_the_law_even_when_the_org_extended_the_unit() -> None:
    org = OrgRules("Acme", (CategoryExtension("colour_tv", whole_unit_months=48),))

    option = evaluate(goods(), Request(on=date(2025, 6, 1), part="panel"), org).find(*FREE_REPAIR)
    unit_only = evaluate(goods(), Request(on=date(2025, 6, 1)), org).find(*FREE_REPAIR)

    assert option is not None and unit_only is not None
    assert option.basis.document == "《部分商品修理更换退货责任规定》"
    assert unit_only.basis.document == "《Acme服务承诺》"
