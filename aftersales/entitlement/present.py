"""The engine's answer as people read it: labels, the reason in the active language, legal basis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aftersales.entitlement.policy import statutes

KIND_LABELS: dict[str, Promise] = {
    "return": _("退货"),
    "exchange": _("换货"),
    "free_repair": _("免费修理"),
    "paid_repair": _("收费修理"),
    "loaner": _("备用车或交通补偿"),
    "none": _("暂无可选方案"),
}
KIND_STYLES = {
    "return": "danger",
    "exchange": "warning",
    "free_repair": "success",
    "paid_repair": "secondary",
    "loaner": "info",
    "none": "light",
}
PAYER_LABELS: dict[str, Promise] = {
    "customer": _("消费者"),
    "seller": _("销售者"),
    "repairer": _("修理者"),
    "warranty_provider": _("延保提供方"),
}
AMOUNT_LABELS: dict[str, Promise] = {
    "refund": _("应退金额"),
    "depreciation": _("折旧费"),
    "use_compensation": _("合理使用补偿"),
    "gift_charge": _("未退赠品扣款"),
    "coverage_remaining": _("剩余保障额度"),
}
REFUND_METHOD_LABELS: dict[str, Promise] = {"original_payment": _("原路退回")}
FACT_LABELS: dict[str, Promise] = {
    "category": _("品类"),
    "kind": _("三包类别"),
    "channel": _("销售渠道"),
    "request_kind": _("申请类型"),
    "fault": _("问题类型"),
    "period_start": _("三包起算日"),
    "period_end": _("三包有效期至"),
    "period_months": _("三包有效期（月）"),
    "days_excluded": _("修理占用天数（不计入有效期）"),
    "repairs_counted": _("有效期内修理次数"),
    "exchanged": _("已换过货"),
    "no_reason_deadline": _("无理由退货截止"),
    "km_driven": _("本期行驶里程（公里）"),
    "warranty_end": _("包修期至"),
    "sanbao_end": _("三包有效期至"),
    "repair_days": _("累计修理天数"),
}


def english() -> bool:
    return (get_language() or "").startswith("en")


@dataclass
class OptionView:
    kind: str
    kind_label: Promise | str
    style: str
    rule_id: str
    reason: str
    citation: str
    clause: str
    deadline: str | None
    supporting: list[dict[str, str]] = field(default_factory=list)
    amounts: list[tuple[Promise | str, str]] = field(default_factory=list)
    cost_borne_by: Promise | str | None = None
    return_shipping_paid_by: Promise | str | None = None
    refund_due_days: int | None = None
    refund_method: Promise | str | None = None
    requires_quote: bool = False


@dataclass
class DecisionView:
    options: list[OptionView]
    refusals: list[OptionView]
    facts: list[tuple[Promise | str, Any]]
    evaluated_on: str

    def has(self, kind: str) -> bool:
        return any(o.kind == kind for o in self.options)

    @property
    def has_return(self) -> bool:
        return self.has("return")

    @property
    def has_exchange(self) -> bool:
        return self.has("exchange")

    def first(self, kind: str) -> OptionView | None:
        return next((o for o in self.options if o.kind == kind), None)


def _reason(raw: Mapping[str, Any]) -> str:
    return str(raw["reason_en"] if english() else raw["reason_zh"])


def _basis(raw: Mapping[str, Any]) -> dict[str, str]:
    """The citation and clause in the reader's language; decisions stored before English existed fall back."""
    if english():
        return {
            "citation": raw.get("citation_en") or statutes.citation_en(raw["document"], raw.get("article")),
            "clause": raw.get("clause_en") or raw["clause"],
        }
    return {
        "citation": raw.get("citation") or f"{raw['document']}{raw.get('article') or ''}",
        "clause": raw["clause"],
    }


def _option(raw: Mapping[str, Any]) -> OptionView:
    basis = _basis(raw["basis"])
    # A return shows what comes back (even when nothing is deducted); other options only what applies.
    amounts = [
        (AMOUNT_LABELS.get(name, name), value)
        for name, value in (raw.get("amounts") or {}).items()
        if value is not None
        and ((name == "refund" and raw["kind"] == "return") or value not in ("0", "0.00"))
    ]
    payer = raw.get("cost_borne_by")
    shipping = raw.get("return_shipping_paid_by")
    method = raw.get("refund_method")
    return OptionView(
        kind=raw["kind"],
        kind_label=KIND_LABELS.get(raw["kind"], raw["kind"]),
        style=KIND_STYLES.get(raw["kind"], "light"),
        rule_id=raw["rule_id"],
        reason=_reason(raw),
        citation=basis["citation"],
        clause=basis["clause"],
        deadline=raw.get("deadline"),
        supporting=[_basis(b) for b in raw.get("supporting") or ()],
        amounts=amounts,
        cost_borne_by=PAYER_LABELS.get(payer, payer) if payer else None,
        return_shipping_paid_by=PAYER_LABELS.get(shipping, shipping) if shipping else None,
        refund_due_days=raw.get("refund_due_days"),
        refund_method=REFUND_METHOD_LABELS.get(method, method) if method else None,
        requires_quote=bool(raw.get("requires_quote")),
    )


def present(data: Mapping[str, Any]) -> DecisionView | None:
    """A stored or fresh decision (snapshot.decision_json) ready for a template; None if empty."""
    if not data or "options" not in data:
        return None
    facts: list[tuple[Promise | str, Any]] = [
        (FACT_LABELS[k], v) for k, v in (data.get("facts_used") or {}).items() if k in FACT_LABELS
    ]
    return DecisionView(
        options=[_option(o) for o in data["options"]],
        refusals=[_option(r) for r in data.get("refusals") or ()],
        facts=facts,
        evaluated_on=data.get("evaluated_on", ""),
    )


def option_json(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One option for the API: everything stored, plus the reason in the active language."""
    out = dict(raw)
    out["reason"] = _reason(raw)
    return out
