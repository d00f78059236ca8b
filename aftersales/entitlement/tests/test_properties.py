"""Properties over generated histories: waiting never revives a lapsed right, amounts stay sane.

"An option" here is a (kind, rule) pair: the same kind may legitimately come back through a
different rule (a 15-day exchange lapses, then a repair stuck 90 days for parts opens another),
but no single rule may close and then reopen while the facts stay the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.entitlement.policy import (
    CategoryKind,
    ConditionReport,
    Decision,
    Exchange,
    ExtendedWarrantyContract,
    Facts,
    FaultType,
    NoReasonExclusion,
    OptionKind,
    RepairVisit,
    Request,
    RequestKind,
    SaleChannel,
    WarrantyClaim,
    evaluate,
)

from .factories import CAR, TV

SOLD = date(2023, 1, 1)
HORIZON = 1200  # days swept after the last dated fact: past the 3-year car warranty
PARTS = st.sampled_from([None, "engine", "transmission", "steering_rack", "panel", "remote"])
# Faults first, so that shrinking and hypothesis' bias toward early elements favour the rules with most to check.
FAULTS = st.sampled_from(sorted(FaultType, key=lambda fault: fault == FaultType.NONE))


def _day(n: int) -> date:
    return SOLD + timedelta(days=n)


@st.composite
def visits(draw: st.DrawFn) -> RepairVisit:
    dropped = draw(st.integers(0, 400))
    length = draw(st.one_of(st.none(), st.integers(0, 120)))
    waiting = draw(st.integers(0, length if length is not None else 10))
    return RepairVisit(
        dropped_off=_day(dropped),
        returned=None if length is None else _day(dropped + length),
        fault=draw(st.sampled_from(["a", "b", ""])),
        part_replaced=draw(PARTS),
        days_waiting_for_parts=waiting,
        authorized=draw(st.booleans()),
        quality_fault=draw(st.booleans()),
        serious_safety=draw(st.booleans()),
    )


@st.composite
def contracts(draw: st.DrawFn) -> ExtendedWarrantyContract:
    starts = draw(st.integers(0, 900))
    claims = draw(st.lists(st.integers(0, 60), max_size=2))
    return ExtendedWarrantyContract(
        "EW",
        starts=_day(starts),
        ends=_day(starts + draw(st.integers(0, 800))),
        price=Decimal("100"),
        covers_labour=draw(st.booleans()),
        max_claims=draw(st.one_of(st.none(), st.integers(0, 3))),
        max_total=draw(st.one_of(st.none(), st.sampled_from([Decimal("50"), Decimal("500")]))),
        max_km=draw(st.one_of(st.none(), st.integers(0, 80_000))),
        claims=tuple(WarrantyClaim(_day(c), Decimal("40")) for c in claims),
    )


@st.composite
def conditions(draw: st.DrawFn) -> ConditionReport | None:
    if draw(st.integers(0, 3)) > 0:
        return None
    flags = draw(
        st.sets(
            st.sampled_from(["misuse_or_storage_damage", "seal_broken", "activated", "tested"]), max_size=2
        )
    )
    return ConditionReport(**dict.fromkeys(flags, True))


@st.composite
def histories(draw: st.DrawFn) -> tuple[Facts, Request]:
    is_car = draw(st.booleans())
    terms = replace(
        CAR if is_car else TV,
        no_reason_exclusion=draw(st.sampled_from(list(NoReasonExclusion))),
        whole_unit_months=draw(st.integers(1, 24)),
    )
    exchange = draw(st.one_of(st.none(), st.integers(0, 400)))
    exchange_km = draw(st.integers(0, 50))
    facts = Facts(
        terms=terms,
        price=draw(st.sampled_from([Decimal("0"), Decimal("999.99"), Decimal("150000")])),
        purchased_on=SOLD,
        invoiced_on=draw(st.one_of(st.none(), st.integers(0, 5).map(_day))),
        delivered_on=draw(st.one_of(st.none(), st.integers(0, 10).map(_day))),
        channel=draw(st.sampled_from(list(SaleChannel))),
        has_voucher=draw(st.integers(0, 3)) > 0,
        repairs=tuple(draw(st.lists(visits(), max_size=6))),
        exchanges=() if exchange is None else (Exchange(_day(exchange), exchange_km),),
        odometer_km=exchange_km + draw(st.integers(0, 70_000)) if is_car else None,
        contracts=tuple(draw(st.lists(contracts(), max_size=1))),
        condition=draw(conditions()),
        buyer_confirmed_exclusion=draw(st.booleans()),
        same_model_available=draw(st.booleans()),
    )
    request = Request(
        on=SOLD,  # replaced by each swept day
        kind=draw(st.sampled_from(list(RequestKind))),
        fault=draw(FAULTS),
        part=draw(PARTS),
    )
    return facts, request


def _first_possible_day(facts: Facts) -> date:
    """The earliest request date on which none of the facts lies in the future."""
    dated = [facts.purchased_on, facts.invoiced_on, facts.delivered_on]
    dated += [exchange.on for exchange in facts.exchanges]
    for visit in facts.repairs:
        dated += [visit.returned, visit.dropped_off + timedelta(days=visit.days_waiting_for_parts)]
    dated += [claim.on for contract in facts.contracts for claim in contract.claims]
    return max(day for day in dated if day is not None)


def _sweep(facts: Facts, request: Request) -> list[Decision]:
    first = _first_possible_day(facts)
    return [evaluate(facts, replace(request, on=first + timedelta(days=n))) for n in range(0, HORIZON, 1)]


@settings(max_examples=150, deadline=None, database=None)
@given(histories())
def test_waiting_longer_never_reopens_an_option_that_had_closed(history: tuple[Facts, Request]) -> None:
    facts, request = history
    closed_after_open: dict[tuple[OptionKind, str], date] = {}
    was_open: set[tuple[OptionKind, str]] = set()
    for decision in _sweep(facts, request):
        now_open: set[tuple[OptionKind, str]] = {
            (option.kind, option.rule_id) for option in decision.options if option.kind != OptionKind.NONE
        }
        for key in now_open:
            assert key not in closed_after_open, (
                f"{key} closed on {closed_after_open[key]} and reopened on {decision.evaluated_on}"
            )
        for key in was_open - now_open:
            closed_after_open[key] = decision.evaluated_on
        was_open = now_open


@settings(max_examples=60, deadline=None, database=None)
@given(histories(), st.integers(0, HORIZON))
def test_deadlines_and_amounts_are_consistent(history: tuple[Facts, Request], offset: int) -> None:
    facts, request = history
    on = _first_possible_day(facts) + timedelta(days=offset)

    decision = evaluate(facts, replace(request, on=on))

    assert decision.options, "a decision always says something, if only that nothing is open"
    for option in decision.options:
        assert option.deadline is None or option.deadline >= on, option
        amounts = option.amounts
        assert Decimal(0) <= amounts.refund <= facts.price
        assert amounts.depreciation >= 0 and amounts.use_compensation >= 0 and amounts.gift_charge >= 0
        if option.kind == OptionKind.RETURN and option.rule_id.startswith("goods."):
            assert amounts.refund + amounts.depreciation == facts.price.quantize(Decimal("0.01"))
        assert option.reason_zh and option.reason_en
    kinds = decision.kinds()
    if OptionKind.NONE in kinds:
        assert kinds == {OptionKind.NONE}


@settings(max_examples=40, deadline=None, database=None)
@given(histories())
def test_the_7_and_15_day_windows_never_outlast_their_days(history: tuple[Facts, Request]) -> None:
    facts, request = history
    if facts.terms.kind == CategoryKind.CAR:
        return
    for decision in _sweep(facts, request)[:40]:
        age = (decision.evaluated_on - facts.purchased_on).days
        if decision.find(OptionKind.RETURN, "goods.return_7d") is not None:
            assert age <= 7
        if decision.find(OptionKind.EXCHANGE, "goods.exchange_15d") is not None:
            assert age <= 15
