"""Seven-day no-reason return (《网络购买商品七日无理由退货暂行办法》)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from aftersales.entitlement.policy import (
    CategoryExtension,
    ConditionReport,
    FaultType,
    Gift,
    NoReasonExclusion,
    OptionKind,
    OrgRules,
    Payer,
    Request,
    RequestKind,
    evaluate,
)

from .factories import TV, ask, day, goods, online

RULE = "online.no_reason_return"


def returns(facts_on: date, **changes: object) -> bool:
    decision = ask(online(**changes), facts_on, fault=FaultType.NONE, kind=RequestKind.RETURN)
    return decision.find(OptionKind.RETURN, RULE) is not None


@pytest.mark.parametrize(("days_after_delivery", "open_"), [(0, True), (1, True), (7, True), (8, False)])
def test_window_runs_7_days_from_the_day_after_sign_off(days_after_delivery: int, open_: bool) -> None:
    # delivered (signed for) on day 2 after the sale
    assert returns(day(2 + days_after_delivery)) is open_


def test_the_deadline_is_the_seventh_day_after_sign_off_and_holidays_do_not_extend_it() -> None:
    facts = online(
        purchased_on=date(2024, 9, 28), invoiced_on=date(2024, 9, 28), delivered_on=date(2024, 9, 30)
    )

    decision = ask(facts, date(2024, 10, 7), fault=FaultType.NONE)

    option = decision.find(OptionKind.RETURN, RULE)
    assert option is not None
    assert option.deadline == date(2024, 10, 7)  # inside the National Day holiday, not moved to 10-08
    assert ask(facts, date(2024, 10, 8), fault=FaultType.NONE).find(OptionKind.RETURN, RULE) is None


def test_nothing_to_return_before_sign_off() -> None:
    decision = ask(online(delivered_on=None), day(1), fault=FaultType.NONE)

    assert decision.find(OptionKind.RETURN, RULE) is None
    assert [refusal.rule_id for refusal in decision.refusals] == [RULE]


def test_offline_sales_have_no_no_reason_return() -> None:
    assert ask(goods(delivered_on=day(2)), day(3), fault=FaultType.NONE).find(OptionKind.RETURN, RULE) is None


@pytest.mark.parametrize(
    "exclusion",
    [
        NoReasonExclusion.CUSTOMIZED,
        NoReasonExclusion.PERISHABLE,
        NoReasonExclusion.DIGITAL_DOWNLOAD,
        NoReasonExclusion.PERIODICAL,
    ],
)
def test_outright_exclusions_refuse_the_return_even_unconfirmed(exclusion: NoReasonExclusion) -> None:
    facts = online(terms=replace(TV, no_reason_exclusion=exclusion))

    decision = ask(facts, day(3), fault=FaultType.NONE)

    assert decision.find(OptionKind.RETURN, RULE) is None
    assert decision.refusals[0].basis.article == "第六条"


@pytest.mark.parametrize(("seal_broken", "open_"), [(False, True), (True, False)])
def test_digital_media_are_excluded_only_once_unsealed(seal_broken: bool, open_: bool) -> None:
    terms = replace(TV, no_reason_exclusion=NoReasonExclusion.DIGITAL_MEDIA)

    assert returns(day(3), terms=terms, condition=ConditionReport(seal_broken=seal_broken)) is open_


@pytest.mark.parametrize(
    "exclusion",
    [
        NoReasonExclusion.UNSEALING_CHANGES,
        NoReasonExclusion.ACTIVATION_DEVALUES,
        NoReasonExclusion.DISCLOSED_NEAR_EXPIRY_OR_FLAWED,
    ],
)
@pytest.mark.parametrize(("confirmed", "open_"), [(True, False), (False, True)])
def test_confirmable_exclusions_need_the_buyers_confirmation(
    exclusion: NoReasonExclusion, confirmed: bool, open_: bool
) -> None:
    facts = online(terms=replace(TV, no_reason_exclusion=exclusion), buyer_confirmed_exclusion=confirmed)

    decision = ask(facts, day(3), fault=FaultType.NONE)

    option = decision.find(OptionKind.RETURN, RULE)
    assert (option is not None) is open_
    if option is None:
        assert decision.refusals[0].basis.article == "第七条"
    else:
        assert "cannot be refused" in option.reason_en


@pytest.mark.parametrize(
    "defect",
    [
        "seal_broken",
        "activated",
        "personal_data_traces",
        "serial_or_label_damaged",
        "unauthorized_repair",
        "wear_marks",
        "accessories_missing",
        "tags_removed",
        "soiled_or_damaged",
        "misuse_or_storage_damage",
        "unauthorized_disassembly",
        "force_majeure_damage",
    ],
)
def test_goods_not_in_good_condition_are_refused(defect: str) -> None:
    decision = ask(online(condition=ConditionReport(**{defect: True})), day(3), fault=FaultType.NONE)

    assert decision.find(OptionKind.RETURN, RULE) is None
    assert [r.basis.article for r in decision.refusals if r.rule_id == RULE] == ["第九条"]


def test_opening_the_package_and_testing_keep_the_goods_in_good_condition() -> None:
    assert returns(day(3), condition=ConditionReport(package_opened=True, tested=True))


def test_refund_is_due_within_7_days_by_the_original_payment_method() -> None:
    option = ask(online(), day(3), fault=FaultType.NONE).find(OptionKind.RETURN, RULE)

    assert option is not None
    assert option.refund_due_days == 7
    assert option.refund_method == "original_payment"
    assert option.amounts.refund == Decimal("3000.00")


def test_gifts_not_returned_are_charged_at_their_stated_price() -> None:
    gifts = (Gift("earphones", Decimal("99.00"), returned=False), Gift("case", Decimal("20.00")))

    option = ask(online(gifts=gifts), day(3), fault=FaultType.NONE).find(OptionKind.RETURN, RULE)

    assert option is not None
    assert option.amounts.gift_charge == Decimal("99.00")
    assert option.amounts.refund == Decimal("2901.00")


@pytest.mark.parametrize(
    ("fault", "seller_agreed", "payer"),
    [
        (FaultType.NONE, False, Payer.CUSTOMER),
        (FaultType.NONE, True, Payer.SELLER),
        (FaultType.PERFORMANCE, False, Payer.SELLER),
    ],
)
def test_who_pays_return_shipping(fault: FaultType, seller_agreed: bool, payer: Payer) -> None:
    facts = online(seller_pays_return_shipping=seller_agreed)

    option = ask(facts, day(3), fault=fault).find(OptionKind.RETURN, RULE)

    assert option is not None
    assert option.return_shipping_paid_by == payer


def test_an_organization_can_promise_a_longer_window() -> None:
    org = OrgRules("Shop", (CategoryExtension("colour_tv", no_reason_days=15),))
    facts = online()

    late = evaluate(facts, Request(on=day(2 + 15), fault=FaultType.NONE), org).find(OptionKind.RETURN, RULE)

    assert late is not None
    assert late.basis.document == "《Shop服务承诺》"
    assert (
        evaluate(facts, Request(on=day(2 + 16), fault=FaultType.NONE), org).find(OptionKind.RETURN, RULE)
        is None
    )


def test_a_faulty_online_purchase_keeps_both_the_三包_return_and_the_no_reason_return() -> None:
    decision = ask(online(), day(3))

    assert decision.find(OptionKind.RETURN, "goods.return_7d") is not None
    assert decision.find(OptionKind.RETURN, RULE) is not None
