"""Extended warranty contracts: they turn a paid repair outside 三包 into a covered one.

A contract is consulted only when the law offers no free repair, because the statutory repair
costs the customer nothing and does not use up a claim. Damage the customer caused (misuse,
unauthorized disassembly, force majeure) is outside a contract just as it is outside 三包.
"""

from __future__ import annotations

from decimal import Decimal

from . import citations as cite
from .context import Context
from .facts import CategoryKind, ExtendedWarrantyContract
from .outcome import Amounts, Findings, Option, OptionKind, Payer, Refusal, money


def evaluate(ctx: Context) -> Findings:
    out = Findings()
    for contract in ctx.facts.contracts:
        rule_id = f"ew.covered_repair:{contract.contract_id}"
        problem = _problem(ctx, contract)
        if problem is not None:
            zh, en = problem
            basis = cite.contract_basis(contract.contract_id, "延保状态", "Contract status")
            out.refusals.append(Refusal(OptionKind.FREE_REPAIR, rule_id, basis, zh, en))
            continue
        remaining = _remaining(contract)
        covered_zh = "、".join(name for name, on in _items_zh(contract) if on)
        covered_en = ", ".join(name for name, on in _items_en(contract) if on)
        unpaid_zh = "、".join(name for name, on in _items_zh(contract) if not on)
        unpaid_en = ", ".join(name for name, on in _items_en(contract) if not on)
        zh = f"延保合同{contract.contract_id}有效至{contract.ends}，承担{covered_zh}"
        en = f"Extended warranty {contract.contract_id} is active until {contract.ends} and covers {covered_en}"
        if unpaid_zh:
            zh += f"；{unpaid_zh}由消费者按报价支付"
            en += f"; {unpaid_en} are charged by quote"
        if remaining is not None:
            zh += f"；剩余保障额度{remaining}元"
            en += f"; {remaining} of cover remains"
        out.options.append(
            Option(
                OptionKind.FREE_REPAIR,
                rule_id,
                cite.contract_basis(contract.contract_id, f"保障范围：{covered_zh}", f"Covers: {covered_en}"),
                contract.ends,
                zh,
                en,
                amounts=Amounts(coverage_remaining=remaining),
                cost_borne_by=Payer.WARRANTY_PROVIDER,
                requires_quote=bool(unpaid_zh),
            )
        )
    return out


def _problem(ctx: Context, contract: ExtendedWarrantyContract) -> tuple[str, str] | None:
    """Why this contract cannot pay for the repair today, or None if it can."""
    if contract.cancelled:
        return "延保合同已取消", "The contract was cancelled"
    if ctx.on < contract.starts:
        return f"延保合同自{contract.starts}起生效", f"The contract starts on {contract.starts}"
    if ctx.on > contract.ends:
        return f"延保合同已于{contract.ends}到期", f"The contract expired on {contract.ends}"
    if ctx.facts.terms.kind == CategoryKind.CAR and contract.max_km is not None and ctx.km > contract.max_km:
        return f"已超过延保里程{contract.max_km}公里", f"Past the contract's {contract.max_km} km"
    if contract.max_claims is not None and len(contract.claims) >= contract.max_claims:
        return f"已用完{contract.max_claims}次理赔", f"All {contract.max_claims} claims have been used"
    remaining = _remaining(contract)
    if remaining is not None and remaining <= 0:
        return "保障额度已用完", "The cover limit has been used up"
    if not (contract.covers_parts or contract.covers_labour or contract.covers_travel):
        return "合同不承担任何费用", "The contract covers nothing"
    return None


def _remaining(contract: ExtendedWarrantyContract) -> Decimal | None:
    if contract.max_total is None:
        return None
    used = sum((claim.amount for claim in contract.claims), start=Decimal(0))
    return money(max(Decimal(0), contract.max_total - used))


def _items_zh(contract: ExtendedWarrantyContract) -> list[tuple[str, bool]]:
    return [
        ("零件", contract.covers_parts),
        ("工时", contract.covers_labour),
        ("上门交通", contract.covers_travel),
    ]


def _items_en(contract: ExtendedWarrantyContract) -> list[tuple[str, bool]]:
    return [
        ("parts", contract.covers_parts),
        ("labour", contract.covers_labour),
        ("travel", contract.covers_travel),
    ]
