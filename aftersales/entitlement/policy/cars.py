"""Car 三包: 《家用汽车产品修理更换退货责任规定》 (2021 text, in force 2022-01-01)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from aftersales.core.dates import add_months

from . import citations as cite
from .context import Context, car_repair_days
from .exclusions import describe, exclusions
from .facts import CORE_ASSEMBLIES, SEVERE_CAR_FAULTS, FaultType
from .outcome import ZERO, Amounts, Basis, Findings, Option, OptionKind, Payer, Refusal, money
from .rules import (
    CAR_CORE_DAYS,
    CAR_LOANER_AFTER_DAYS,
    CAR_REPAIR_DAYS_LIMIT,
    CAR_REPAIRS_BEFORE_EXCHANGE,
    CAR_SAME_FAULT_LIMIT,
    CAR_SEVERE_FAULT_DAYS,
    CAR_SEVERE_FAULT_KM,
    Setting,
)


@dataclass(frozen=True)
class CarRight:
    """A rule entitling the customer to a new car or their money back."""

    rule_id: str
    basis: Basis
    deadline: date
    free: bool  # no use compensation: the 7-day and 60-day rules say "免费"
    zh: str
    en: str


def evaluate(ctx: Context) -> Findings:
    out = Findings()
    rules, km = ctx.rules, ctx.km
    warranty_end = add_months(ctx.start, rules.car_warranty_months.effective)
    sanbao_end = add_months(ctx.start, rules.car_sanbao_months.effective)
    in_warranty = ctx.on <= warranty_end and km <= rules.car_warranty_km.effective
    in_sanbao = ctx.on <= sanbao_end and km <= rules.car_sanbao_km.effective
    repair_days = sum(car_repair_days(visit, ctx.on) for visit in ctx.visits)
    out.facts.update(
        period_start=ctx.start,
        km_driven=km,
        warranty_end=warranty_end,
        sanbao_end=sanbao_end,
        repair_days=repair_days,
        repairs_counted=len(ctx.visits),
        exchanged=ctx.exchanged,
    )

    found = exclusions(ctx.facts)
    if found:
        zh, en = describe(found)
        if ctx.has_fault:
            out.options.append(
                _paid_repair(cite.CAR_EXCLUDED, f"不承担三包责任：{zh}", f"Not covered by 三包: {en}")
            )
        out.refusals.append(
            Refusal(
                OptionKind.FREE_REPAIR,
                "car.excluded",
                cite.CAR_EXCLUDED,
                f"不承担三包责任：{zh}",
                f"Not covered: {en}",
            )
        )
        return out

    out.options.extend(_loaners(ctx, warranty_end))
    if ctx.has_fault:
        if in_warranty:
            basis = _extended(ctx, rules.car_warranty_months, rules.car_warranty_km, cite.CAR_FREE_REPAIR)
            out.options.append(
                Option(
                    OptionKind.FREE_REPAIR,
                    "car.free_repair",
                    basis,
                    warranty_end,
                    f"包修期内（至{warranty_end}或{rules.car_warranty_km.effective}公里）免费修理，已行驶{km}公里",
                    f"Free repair within the repair warranty (to {warranty_end} or "
                    f"{rules.car_warranty_km.effective} km); {km} km driven",
                    cost_borne_by=Payer.SELLER,
                    supporting=(cite.CAR_PERIODS,),
                )
            )
        else:
            out.options.append(
                _paid_repair(
                    cite.CAR_OUT_OF_PERIOD,
                    f"包修期已届满（{warranty_end}或{rules.car_warranty_km.effective}公里）",
                    f"The repair warranty has ended ({warranty_end} or {rules.car_warranty_km.effective} km)",
                )
            )

    rights = _early_rights(ctx)
    if in_sanbao:

        def sanbao_rule(legal: Basis) -> Basis:
            return _extended(ctx, rules.car_sanbao_months, rules.car_sanbao_km, legal)

        rights.extend(_sanbao_rights(ctx, repair_days, sanbao_end, sanbao_rule))
    for right in rights:
        out.options.extend(_exchange_or_return(ctx, right))
    return out


def _early_rights(ctx: Context) -> list[CarRight]:
    """The 7-day core-assembly rule and the 60-day / 3,000 km severe-fault rule."""
    rights: list[CarRight] = []
    age, km, fault = ctx.days_since(ctx.start), ctx.km, ctx.request.fault
    if fault in SEVERE_CAR_FAULTS and age <= CAR_SEVERE_FAULT_DAYS and km <= CAR_SEVERE_FAULT_KM:
        rights.append(
            CarRight(
                "car.severe_60d",
                cite.CAR_SEVERE_60D,
                ctx.start + timedelta(days=CAR_SEVERE_FAULT_DAYS),
                True,
                f"三包有效期起算后{age}日、{km}公里内出现{_FAULT_ZH[fault]}",
                f"{_FAULT_EN[fault]} {age} days and {km} km into the 三包 period",
            )
        )
    if fault == FaultType.CORE_ASSEMBLY_REPLACEMENT and age <= CAR_CORE_DAYS:
        rights.append(
            CarRight(
                "car.core_7d",
                cite.CAR_CORE_7D,
                ctx.start + timedelta(days=CAR_CORE_DAYS),
                True,
                f"三包有效期起算后{age}日内需更换发动机、变速器、动力蓄电池或行驶驱动电机",
                f"Engine, transmission, power battery or drive motor needs replacing {age} days in",
            )
        )
    return rights


def _sanbao_rights(
    ctx: Context, repair_days: int, end: date, rule: Callable[[Basis], Basis]
) -> list[CarRight]:
    """第二十四条: the four conditions that, within the 三包 period, open an exchange or a return."""
    rights: list[CarRight] = []
    visits, fault = ctx.visits, ctx.request.fault
    serious = sum(1 for visit in visits if visit.serious_safety)
    if serious >= CAR_REPAIRS_BEFORE_EXCHANGE and (
        fault == FaultType.SERIOUS_SAFETY or fault in SEVERE_CAR_FAULTS
    ):
        rights.append(
            CarRight(
                "car.serious_fault_twice",
                rule(cite.CAR_SERIOUS_TWICE),
                end,
                False,
                f"严重安全性能故障已修理{serious}次，仍未排除或出现新的严重安全性能故障",
                f"A serious safety fault repaired {serious} times is still there, or a new one appeared",
            )
        )
    replaced = Counter(visit.part_replaced for visit in visits if visit.part_replaced)
    core = sum(count for part, count in replaced.items() if part in CORE_ASSEMBLIES)
    if core >= CAR_REPAIRS_BEFORE_EXCHANGE and ctx.has_fault:
        rights.append(
            CarRight(
                "car.core_replaced_twice",
                rule(cite.CAR_CORE_TWICE),
                end,
                False,
                f"核心总成已累计更换{core}次，仍不能正常使用",
                f"Core assemblies replaced {core} times and the car still fails",
            )
        )
    main = set(ctx.facts.terms.main_parts)
    twice = sorted(
        part for part, count in replaced.items() if part in main and count >= CAR_REPAIRS_BEFORE_EXCHANGE
    )
    if twice and ctx.has_fault:
        rights.append(
            CarRight(
                "car.part_replaced_twice",
                rule(cite.CAR_PART_TWICE),
                end,
                False,
                f"同一主要零部件（{'、'.join(twice)}）累计更换2次仍不能正常使用",
                f"The same main part ({', '.join(twice)}) replaced twice and the car still fails",
            )
        )
    if repair_days > CAR_REPAIR_DAYS_LIMIT:
        rights.append(
            CarRight(
                "car.repair_days_30",
                rule(cite.CAR_REPAIR_DAYS),
                end,
                False,
                f"因质量问题累计修理{repair_days}日，超过30日",
                f"{repair_days} days in repair for quality problems, more than 30",
            )
        )
    same_fault = Counter(visit.fault for visit in visits if visit.fault)
    if same_fault:
        code, count = same_fault.most_common(1)[0]
        if count > CAR_SAME_FAULT_LIMIT:
            rights.append(
                CarRight(
                    "car.same_fault_5",
                    rule(cite.CAR_SAME_FAULT),
                    end,
                    False,
                    f"同一质量问题（{code}）已修理{count}次，超过4次",
                    f"The same fault ({code}) repaired {count} times, more than 4",
                )
            )
    return rights


def _exchange_or_return(ctx: Context, right: CarRight) -> list[Option]:
    facts = ctx.facts
    compensation = (
        ZERO if right.free else use_compensation(facts.price, ctx.km, facts.terms.use_compensation_rate)
    )
    note_zh = "，免费" if right.free else f"，消费者支付合理使用补偿{compensation}元"
    note_en = " at no charge" if right.free else f"; the customer pays use compensation of {compensation}"
    supporting = () if right.free else (cite.CAR_USE_COMPENSATION,)
    options: list[Option] = []
    if facts.same_model_available:
        options.append(
            Option(
                OptionKind.EXCHANGE,
                right.rule_id,
                right.basis,
                right.deadline,
                f"{right.zh}：可更换同品牌同型号车辆{note_zh}",
                f"{right.en}: exchange for the same model{note_en}",
                amounts=Amounts(use_compensation=compensation),
                cost_borne_by=Payer.SELLER,
                supporting=supporting,
            )
        )
    options.append(
        Option(
            OptionKind.RETURN,
            right.rule_id,
            right.basis,
            right.deadline,
            f"{right.zh}：可退车{note_zh}",
            f"{right.en}: return the car{note_en}",
            amounts=Amounts(refund=money(facts.price) - compensation, use_compensation=compensation),
            cost_borne_by=Payer.SELLER,
            supporting=supporting,
        )
    )
    return options


def use_compensation(price: Decimal, km: int, rate: Decimal) -> Decimal:
    """Reasonable use compensation: price × km ÷ 1,000 × n, never more than the price."""
    return money(min(price, price * km / 1000 * rate))


def _loaners(ctx: Context, warranty_end: date) -> list[Option]:
    """第二十一条: from the 6th day of one repair within the repair warranty, a loaner or transport money.

    "Within the repair warranty" is both its months and its kilometres (包修期: 3 years or 60,000 km,
    whichever comes first). The reading at drop-off decides when the repair
    record has one; otherwise the reading the customer gives now (the car has not driven further
    while in the workshop, so for an unfinished repair it is the drop-off reading).
    """
    options: list[Option] = []
    limit_km = ctx.rules.car_warranty_km.effective
    for visit in ctx.visits:
        days = car_repair_days(visit, ctx.on)
        if days <= CAR_LOANER_AFTER_DAYS or visit.dropped_off > warranty_end:
            continue
        reading = visit.odometer_km if visit.odometer_km is not None else ctx.facts.odometer_km
        if reading is not None and reading - ctx.start_km > limit_km:
            continue
        if visit.returned is None:
            zh = f"{visit.dropped_off}送修已{days}日（超过5日），自第6日起提供备用车或交通费用补偿"
            en = f"In repair since {visit.dropped_off} for {days} days: a loaner car or transport money from day 6"
        else:
            extra = days - CAR_LOANER_AFTER_DAYS
            zh = f"{visit.dropped_off}送修共{days}日，应就超过5日的{extra}日提供交通费用补偿"
            en = f"The repair from {visit.dropped_off} took {days} days: transport compensation for {extra} days"
        options.append(
            Option(
                OptionKind.LOANER, "car.loaner", cite.CAR_LOANER, None, zh, en, cost_borne_by=Payer.REPAIRER
            )
        )
    return options


def _paid_repair(basis: Basis, zh: str, en: str) -> Option:
    return Option(
        OptionKind.PAID_REPAIR,
        "car.paid_repair",
        basis,
        None,
        f"{zh}，可收费修理，修理前提供报价",
        f"{en}; a paid repair is available with a quote first",
        cost_borne_by=Payer.CUSTOMER,
        requires_quote=True,
    )


def _extended(ctx: Context, months: Setting, km: Setting, legal: Basis) -> Basis:
    """The legal basis, or the organization's promise when only its longer period still covers the car."""
    legal_end = add_months(ctx.start, months.legal_minimum)
    if ctx.on <= legal_end and ctx.km <= km.legal_minimum:
        return legal
    return cite.org_basis(
        ctx.rules.org_name,
        f"{months.label_zh}延长至{months.effective}个月/{km.effective}公里",
        f"{months.label_en} extended to {months.effective} months / {km.effective} km",
    )


_FAULT_ZH = {
    FaultType.STEERING_FAILURE: "转向系统失效",
    FaultType.BRAKE_FAILURE: "制动系统失效",
    FaultType.BODY_CRACK: "车身开裂",
    FaultType.FUEL_LEAK: "燃油泄漏",
    FaultType.POWER_BATTERY_FIRE: "动力蓄电池起火",
}
_FAULT_EN = {
    FaultType.STEERING_FAILURE: "Steering failure",
    FaultType.BRAKE_FAILURE: "Brake failure",
    FaultType.BODY_CRACK: "Body crack",
    FaultType.FUEL_LEAK: "Fuel leak",
    FaultType.POWER_BATTERY_FIRE: "Power battery fire",
}
