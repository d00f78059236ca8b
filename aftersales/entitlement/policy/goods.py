"""Goods 三包: 《部分商品修理更换退货责任规定》 (7-day return, 15-day exchange, the 三包 period)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from . import citations as cite
from .context import Context, period_end, visit_days
from .exclusions import describe, exclusions
from .outcome import Amounts, Basis, Findings, Option, OptionKind, Payer, Refusal, money
from .rules import (
    GOODS_EXCHANGE_DAYS,
    GOODS_PARTS_WAIT_DAYS,
    GOODS_REPAIRER_DELAY_DAYS,
    GOODS_REPAIRS_BEFORE_EXCHANGE,
    GOODS_RETURN_DAYS,
    Setting,
)


@dataclass(frozen=True)
class ExchangeRight:
    """A rule that entitles the customer to an exchange, which 第十三条 can turn into a return."""

    rule_id: str
    basis: Basis
    deadline: date
    payer: Payer
    zh: str
    en: str


def evaluate(ctx: Context) -> Findings:
    out = Findings()
    facts, rules = ctx.facts, ctx.rules
    months = rules.months_for(ctx.request.part)
    end = period_end(ctx, months.effective, extend_by_repairs=True)
    legal_end = period_end(ctx, rules.legal_months_for(ctx.request.part), extend_by_repairs=True)
    completed = [visit for visit in ctx.visits if visit.returned is not None]
    out.facts.update(
        period_start=ctx.start,
        period_end=end,
        period_months=months.effective,
        days_excluded=ctx.excluded_days(),
        repairs_counted=len(completed),
        exchanged=ctx.exchanged,
    )

    found = exclusions(facts)
    if found:
        zh, en = describe(found)
        if ctx.has_fault:
            out.options.append(
                _paid_repair(cite.GOODS_EXCLUDED, f"不实行三包：{zh}", f"Not covered by 三包: {en}")
            )
        out.refusals.append(
            Refusal(
                OptionKind.FREE_REPAIR,
                "goods.excluded",
                cite.GOODS_EXCLUDED,
                f"不实行三包：{zh}",
                f"Not covered: {en}",
            )
        )
        return out

    # Coverage runs from the sale, even when the invoice (which starts the period) came later.
    in_period = ctx.on <= end
    beyond_legal = ctx.on > legal_end

    def period_rule(legal: Basis) -> Basis:
        return _beyond(ctx, months, beyond_legal, legal)

    rights: list[ExchangeRight] = []
    return_open = False
    if ctx.has_fault:
        return_open = _windows(ctx, out, rights)
        if len(completed) >= GOODS_REPAIRS_BEFORE_EXCHANGE and in_period:
            rights.append(
                ExchangeRight(
                    "goods.two_repairs",
                    period_rule(cite.GOODS_TWO_REPAIRS),
                    end,
                    Payer.SELLER,
                    f"三包有效期内已修理{len(completed)}次仍不能正常使用",
                    f"Still failing after {len(completed)} repairs within the 三包 period",
                )
            )
        if in_period:
            out.options.append(
                Option(
                    OptionKind.FREE_REPAIR,
                    "goods.free_repair",
                    period_rule(cite.GOODS_FREE_REPAIR),
                    end,
                    f"三包有效期内免费修理（含材料费和工时费），有效期至{end}（已扣除修理占用{ctx.excluded_days()}日）",
                    f"Free repair (parts and labour) within the 三包 period, which runs to {end} "
                    f"({ctx.excluded_days()} days in repair not counted)",
                    cost_borne_by=Payer.SELLER,
                    supporting=_period_clauses(ctx),
                )
            )
        else:
            out.options.append(
                _paid_repair(
                    cite.GOODS_OUT_OF_PERIOD, f"三包有效期已于{end}届满", f"The 三包 period ended on {end}"
                )
            )
    if in_period:
        rights.extend(_delayed_repairs(ctx, end, period_rule))
    for right in rights:
        out.options.extend(_exchange_options(ctx, right, return_open))
    return out


def _windows(ctx: Context, out: Findings, rights: list[ExchangeRight]) -> bool:
    """The 7-day and 15-day windows after the sale; True when the 7-day return is open."""
    rules, sold = ctx.rules, ctx.facts.purchased_on
    age = ctx.days_since(sold)
    return_deadline = sold + timedelta(days=rules.return_days.effective)
    return_open = age <= rules.return_days.effective
    if return_open:
        price = money(ctx.facts.price)
        out.options.append(
            Option(
                OptionKind.RETURN,
                "goods.return_7d",
                _beyond(ctx, rules.return_days, age > GOODS_RETURN_DAYS, cite.GOODS_RETURN_7D),
                return_deadline,
                f"售出后{age}日内出现性能故障，可退货，按发票价格一次退清货款",
                f"Performance fault {age} days after sale: return for the full invoice price",
                amounts=Amounts(refund=price),
                cost_borne_by=Payer.SELLER,
            )
        )
    else:
        out.refusals.append(
            Refusal(
                OptionKind.RETURN,
                "goods.return_7d",
                cite.GOODS_RETURN_7D,
                f"性能故障退货期已于{return_deadline}届满",
                f"The return window ended on {return_deadline}",
            )
        )
    exchange_deadline = sold + timedelta(days=rules.exchange_days.effective)
    if age <= rules.exchange_days.effective:
        rights.append(
            ExchangeRight(
                "goods.exchange_15d",
                _beyond(ctx, rules.exchange_days, age > GOODS_EXCHANGE_DAYS, cite.GOODS_EXCHANGE_15D),
                exchange_deadline,
                Payer.SELLER,
                f"售出后{age}日内出现性能故障，可换货",
                f"Performance fault {age} days after sale: exchange",
            )
        )
    return return_open


def _delayed_repairs(ctx: Context, end: date, period_rule: Callable[[Basis], Basis]) -> list[ExchangeRight]:
    """第十二条: a repair stuck over 90 days for want of parts, or over 30 days by the repairer's fault."""
    rights: list[ExchangeRight] = []
    parts_late = [
        v
        for v in ctx.visits
        if v.days_waiting_for_parts > 0 and visit_days(v, ctx.on) > GOODS_PARTS_WAIT_DAYS
    ]
    if parts_late:
        first = parts_late[0]
        rights.append(
            ExchangeRight(
                "goods.parts_90d",
                period_rule(cite.GOODS_PARTS_90D),
                end,
                Payer.SELLER,
                f"{first.dropped_off}送修，因生产者未供应零配件超过90日未修好",
                f"Dropped off on {first.dropped_off}, unrepaired after 90 days for want of parts",
            )
        )
    repairer_late = [
        v for v in ctx.visits if visit_days(v, ctx.on) - v.days_waiting_for_parts > GOODS_REPAIRER_DELAY_DAYS
    ]
    if repairer_late:
        first = repairer_late[0]
        rights.append(
            ExchangeRight(
                "goods.repairer_30d",
                period_rule(cite.GOODS_REPAIRER_30D),
                end,
                Payer.REPAIRER,
                f"{first.dropped_off}送修，因修理者自身原因修理期超过30日，费用由修理者承担",
                f"Dropped off on {first.dropped_off}, the repairer's own delay passed 30 days; "
                "the repairer bears the cost",
            )
        )
    return rights


def _exchange_options(ctx: Context, right: ExchangeRight, return_open: bool) -> list[Option]:
    """An exchange for the same model, or a return under 第十三条 (with depreciation if one exists)."""
    facts = ctx.facts
    options: list[Option] = []
    if facts.same_model_available:
        options.append(
            Option(
                OptionKind.EXCHANGE,
                right.rule_id,
                right.basis,
                right.deadline,
                f"{right.zh}：免费调换同型号同规格产品",
                f"{right.en}: free exchange for the same model",
                cost_borne_by=right.payer,
            )
        )
    if return_open:
        return options  # the 7-day return already refunds in full
    price = money(facts.price)
    if facts.same_model_available:
        dep = depreciation(ctx)
        options.append(
            Option(
                OptionKind.RETURN,
                right.rule_id,
                cite.GOODS_RETURN_INSTEAD,
                right.deadline,
                f"{right.zh}；有同型号产品而坚持退货的，扣除折旧费{dep}元",
                f"{right.en}; a return although the same model exists deducts depreciation of {dep}",
                amounts=Amounts(refund=price - dep, depreciation=dep),
                cost_borne_by=right.payer,
                supporting=(cite.GOODS_CATALOGUE,),
            )
        )
    else:
        options.append(
            Option(
                OptionKind.RETURN,
                right.rule_id,
                cite.GOODS_RETURN_INSTEAD,
                right.deadline,
                f"{right.zh}；无同型号同规格产品，可退货（或自愿调换其他型号）",
                f"{right.en}; no same model is available, so a full return (or another model if preferred)",
                amounts=Amounts(refund=price),
                cost_borne_by=right.payer,
            )
        )
    return options


def depreciation(ctx: Context) -> Decimal:
    """第十三条: price × daily rate × days used, from the invoice to the return, less repair days."""
    days_used = max(0, ctx.days_since(ctx.start) - ctx.excluded_days())
    price = ctx.facts.price
    return money(min(price, price * ctx.facts.terms.depreciation_rate_per_day * days_used))


def _period_clauses(ctx: Context) -> tuple[Basis, ...]:
    clauses = (cite.GOODS_PERIOD, cite.GOODS_CATALOGUE)
    return (*clauses, cite.GOODS_RESTART) if ctx.exchanged else clauses


def _paid_repair(basis: Basis, zh: str, en: str) -> Option:
    return Option(
        OptionKind.PAID_REPAIR,
        "goods.paid_repair",
        basis,
        None,
        f"{zh}，可收费修理，修理前提供报价",
        f"{en}; a paid repair is available with a quote first",
        cost_borne_by=Payer.CUSTOMER,
        requires_quote=True,
    )


def _beyond(ctx: Context, setting: Setting, beyond_legal: bool, legal: Basis) -> Basis:
    """The legal basis, or the organization's promise when the legal minimum alone would not reach."""
    if not beyond_legal:
        return legal
    unit = {"days": "日", "months": "个月"}.get(setting.unit, setting.unit)
    return cite.org_basis(
        ctx.rules.org_name,
        f"{setting.label_zh}延长至{setting.effective}{unit}",
        f"{setting.label_en} extended to {setting.effective} {setting.unit}",
    )
