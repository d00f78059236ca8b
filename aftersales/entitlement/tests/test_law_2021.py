"""The rules checked against the texts in force: one test per finding (docs/law.md lists them).

《家用汽车产品修理更换退货责任规定》 (国家市场监督管理总局令第43号, in force 2022-01-01),
《部分商品修理更换退货责任规定》, 《消费者权益保护法》第二十四条、第二十五条 and
《网络购买商品七日无理由退货暂行办法》, with 《民法典》第二百零三条 for the end of a period.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from aftersales.entitlement.policy import (
    FaultType,
    OptionKind,
    OrgRules,
    RepairVisit,
    Request,
    RequestKind,
    evaluate,
)
from aftersales.entitlement.policy.validation import InvalidFacts

from .factories import CAR, ask, car, day, goods, online


def rule_ids(decision, kind):
    return {o.rule_id for o in decision.options if o.kind == kind}


# --- Cars ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "valid"),
    [("0", True), ("0.003", True), ("0.005", True), ("0.0051", False), ("0.006", False), ("0.008", False)],
)
def test_use_compensation_coefficient_is_capped_at_half_a_percent_by_the_2021_text(
    n: str, valid: bool
) -> None:
    """2021 text: n 不得高于0.5% (the repealed 2013 text allowed 0.5%–0.8%, which the code used to check)."""
    facts = car(terms=replace(CAR, use_compensation_rate=Decimal(n)))
    if valid:
        ask(facts, day(10))
    else:
        with pytest.raises(InvalidFacts) as caught:
            ask(facts, day(10))
        assert [f for f, _ in caught.value.errors] == ["terms.use_compensation_rate"]
        assert "0.5%" in caught.value.errors[0][1]


def test_use_compensation_clause_states_the_2021_ceiling() -> None:
    facts = car(odometer_km=10_000, repairs=tuple(RepairVisit(day(i * 10), day(i * 10)) for i in range(1, 6)))
    for i, visit in enumerate(facts.repairs):
        facts = replace(
            facts, repairs=(*facts.repairs[:i], replace(visit, fault="abs"), *facts.repairs[i + 1 :])
        )

    option = ask(facts, day(300)).find(OptionKind.RETURN, "car.same_fault_5")

    assert option is not None
    clause = next(b.clause for b in option.supporting if "合理使用补偿" in b.clause)
    assert "不得高于0.5%" in clause and "0.8%" not in clause


@pytest.mark.parametrize(("km", "loaner"), [(59_000, True), (60_000, True), (60_001, False), (80_000, False)])
def test_no_loaner_for_a_car_past_the_repair_warranty_mileage(km: int, loaner: bool) -> None:
    """第二十一条: the loaner is owed 在包修期内 — 3 years *or* 60,000 km, whichever comes first."""
    facts = car(odometer_km=km, repairs=(RepairVisit(day(100)),))

    decision = ask(facts, day(108))

    assert (OptionKind.LOANER in decision.kinds()) is loaner


def test_the_loaner_rule_reads_the_mileage_at_drop_off_when_the_record_has_it() -> None:
    """A repair taken in at 59,000 km still owes its loaner though the car has since driven past 60,000."""
    facts = car(odometer_km=65_000, repairs=(RepairVisit(day(100), day(110), odometer_km=59_000),))

    decision = ask(facts, day(200))

    loaner = decision.find(OptionKind.LOANER)
    assert loaner is not None and loaner.basis.article == "第二十一条"


def test_repair_days_over_30_and_same_fault_over_4_follow_the_2021_text() -> None:
    """第二十四条第一款第四项 (2021): 累计修理时间超过30日, or 同一质量问题累计修理超过4次 (2013: 35 days / 5 times)."""
    thirty = car(repairs=(RepairVisit(day(10), day(40)),))
    thirty_one = car(repairs=(RepairVisit(day(10), day(41)),))

    assert "car.repair_days_30" not in rule_ids(ask(thirty, day(100)), OptionKind.RETURN)
    found = ask(thirty_one, day(100)).find(OptionKind.RETURN, "car.repair_days_30")
    assert found is not None and found.basis.article == "第二十四条"


def test_a_repair_by_an_unauthorized_repairer_does_not_count() -> None:
    """Only the repairs of the repairer carrying the 三包 duty count towards 第二十四条."""
    own = tuple(RepairVisit(day(10 + i), day(10 + i), fault="abs", serious_safety=True) for i in range(2))
    elsewhere = tuple(replace(v, authorized=False) for v in own)

    assert "car.serious_fault_twice" in rule_ids(
        ask(car(repairs=own), day(100), fault=FaultType.SERIOUS_SAFETY), OptionKind.RETURN
    )
    assert "car.serious_fault_twice" not in rule_ids(
        ask(car(repairs=elsewhere), day(100), fault=FaultType.SERIOUS_SAFETY), OptionKind.RETURN
    )


def test_a_car_used_for_hire_is_not_a_household_car() -> None:
    decision = ask(car(commercial_use=True), day(10), fault=FaultType.BRAKE_FAILURE)

    assert decision.kinds() == {OptionKind.PAID_REPAIR}
    assert "营运" in decision.refusals[0].reason_zh


# --- Carriage of a quality return: 消法第二十四条 ------------------------------------------------


def test_an_in_store_quality_return_puts_the_carriage_on_the_seller() -> None:
    decision = ask(goods(), day(3), kind=RequestKind.RETURN)

    option = decision.find(OptionKind.RETURN, "goods.return_7d")
    assert option is not None
    assert option.return_shipping_paid_by == "seller"
    assert any(b.article == "第二十四条" and "运输" in b.clause for b in option.supporting)
    assert "第二十四条" in option.reason_zh and "Art. 24" in option.reason_en


def test_free_repair_and_exchange_also_carry_the_seller_paying_carriage() -> None:
    decision = ask(goods(), day(10))

    for kind in (OptionKind.FREE_REPAIR, OptionKind.EXCHANGE):
        option = decision.find(kind)
        assert option is not None and option.return_shipping_paid_by == "seller"


def test_a_paid_repair_states_no_seller_carriage() -> None:
    option = ask(goods(), day(800)).find(OptionKind.PAID_REPAIR)

    assert option is not None and option.return_shipping_paid_by is None


def test_a_no_reason_return_leaves_the_carriage_on_the_buyer_citing_article_25() -> None:
    option = ask(online(), day(5), fault=FaultType.NONE, kind=RequestKind.RETURN).find(OptionKind.RETURN)

    assert option is not None and option.return_shipping_paid_by == "customer"
    assert any(b.article == "第二十五条" for b in option.supporting)


# --- The end of the seven days on a holiday: 民法典第二百零三条, an organization setting ------------


def _ask_online(rules: OrgRules, on_day: int, rest: tuple[int, ...]):
    facts = online(rest_days=tuple(day(n) for n in rest))  # delivered on day 2: seven days end on day 9
    return evaluate(facts, Request(on=day(on_day), kind=RequestKind.RETURN, fault=FaultType.NONE), rules)


def test_a_period_ending_on_a_rest_day_runs_to_the_next_working_day_by_default() -> None:
    decision = _ask_online(OrgRules(), 11, rest=(9, 10))

    option = decision.find(OptionKind.RETURN)
    assert option is not None and option.deadline == day(11)
    assert "第二百零三条" in option.reason_zh
    assert any(b.article == "第二百零三条" for b in option.supporting)


def test_an_organization_that_does_not_extend_refuses_after_the_seventh_day_and_says_so() -> None:
    decision = _ask_online(OrgRules(holiday_extends_no_reason=False), 11, rest=(9, 10))

    assert OptionKind.RETURN not in decision.kinds()
    refusal = next(r for r in decision.refusals if r.rule_id == "online.no_reason_return")
    assert "不顺延" in refusal.reason_zh and str(day(9)) in refusal.reason_zh


def test_a_rest_day_inside_the_period_moves_nothing() -> None:
    option = _ask_online(OrgRules(), 9, rest=(5, 6)).find(OptionKind.RETURN)

    assert option is not None and option.deadline == day(9) and "第二百零三条" not in option.reason_zh
