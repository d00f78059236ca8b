"""Seven-day no-reason return for online purchases: 《网络购买商品七日无理由退货暂行办法》."""

from __future__ import annotations

from datetime import date, timedelta

from . import citations as cite
from .context import Context
from .facts import (
    CONFIRMABLE_EXCLUSIONS,
    OUTRIGHT_EXCLUSIONS,
    ConditionReport,
    NoReasonExclusion,
    SaleChannel,
)
from .outcome import ZERO, Amounts, Basis, Findings, Option, OptionKind, Payer, Refusal, money
from .rules import REFUND_DUE_DAYS

RULE = "online.no_reason_return"

_EXCLUSION_TEXT = {
    NoReasonExclusion.CUSTOMIZED: ("消费者定作的商品", "goods made to the buyer's order"),
    NoReasonExclusion.PERISHABLE: ("鲜活易腐的商品", "fresh or perishable goods"),
    NoReasonExclusion.DIGITAL_DOWNLOAD: ("在线下载的数字化商品", "digital goods downloaded online"),
    NoReasonExclusion.DIGITAL_MEDIA: (
        "已拆封的音像制品、计算机软件等数字化商品",
        "unsealed audio, video or software",
    ),
    NoReasonExclusion.PERIODICAL: ("交付的报纸、期刊", "newspapers and periodicals"),
    NoReasonExclusion.UNSEALING_CHANGES: (
        "拆封后易影响人身安全、生命健康或易导致品质改变的商品",
        "goods that endanger safety or change in quality once unsealed",
    ),
    NoReasonExclusion.ACTIVATION_DEVALUES: (
        "一经激活或试用后价值贬损较大的商品",
        "goods that lose much value once activated",
    ),
    NoReasonExclusion.DISCLOSED_NEAR_EXPIRY_OR_FLAWED: (
        "销售时已明示的临近保质期或有瑕疵的商品",
        "goods sold as near expiry or flawed, as disclosed",
    ),
}

# 第九条: what makes returned goods "not in good condition". Opening the package and reasonable
# testing (package_opened, tested) are deliberately absent: 第八条 allows them.
_DEFECTS = (
    ("seal_broken", "必要的一次性密封包装或封条被破坏", "a necessary seal was broken"),
    ("activated", "已激活或留有授权信息", "activated or authorised"),
    ("personal_data_traces", "留有不合理的个人使用数据", "personal data left on the device"),
    (
        "serial_or_label_damaged",
        "认证标志、指示标贴或序列号被破坏、涂改",
        "certification marks, labels or serial number damaged",
    ),
    ("unauthorized_repair", "经过未经授权的维修、改动", "repaired or modified without authorisation"),
    ("wear_marks", "有难以恢复原状的外观使用痕迹", "wear marks that cannot be undone"),
    ("accessories_missing", "商品本身或配件、商标标识不齐全", "parts, accessories or brand labels missing"),
    ("tags_removed", "商标标识被摘、被剪", "tags removed or cut"),
    ("soiled_or_damaged", "商品受污、受损", "soiled or damaged"),
    # Damage that also takes goods out of 三包 leaves them short of 完好 just the same.
    ("misuse_or_storage_damage", "因使用、保管不当受损", "damaged by misuse or poor storage"),
    ("unauthorized_disassembly", "被非授权修理者拆动", "taken apart by an unauthorized repairer"),
    ("force_majeure_damage", "因不可抗力受损", "damaged by force majeure"),
)


def evaluate(ctx: Context) -> Findings:
    out = Findings()
    facts, setting = ctx.facts, ctx.rules.no_reason_days
    if facts.channel != SaleChannel.ONLINE:
        return out
    if facts.delivered_on is None:
        out.refusals.append(
            _refusal(
                "尚未签收，七日期间自签收次日起算",
                "Not signed for yet: the 7 days start the day after sign-off",
            )
        )
        return out
    deadline, note_zh, note_en = _deadline(ctx, facts.delivered_on + timedelta(days=setting.effective))
    out.facts["no_reason_deadline"] = deadline
    if ctx.on > deadline:
        out.refusals.append(
            _refusal(
                f"无理由退货期已于{deadline}届满{note_zh}",
                f"The no-reason window ended on {deadline}{note_en}",
            )
        )
        return out

    kind, condition = facts.terms.no_reason_exclusion, facts.condition
    unsealed = condition is not None and condition.seal_broken
    notes_zh: list[str] = []
    notes_en: list[str] = []
    if kind in OUTRIGHT_EXCLUSIONS and (kind != NoReasonExclusion.DIGITAL_MEDIA or unsealed):
        zh, en = _EXCLUSION_TEXT[kind]
        out.refusals.append(
            _refusal(f"不适用无理由退货：{zh}", f"Not returnable without reason: {en}", cite.ONLINE_OUTRIGHT)
        )
        return out
    if kind == NoReasonExclusion.DIGITAL_MEDIA:
        notes_zh.append("须保持未拆封")
        notes_en.append("it must stay sealed")
    if kind in CONFIRMABLE_EXCLUSIONS:
        zh, en = _EXCLUSION_TEXT[kind]
        if facts.buyer_confirmed_exclusion:
            out.refusals.append(
                _refusal(
                    f"购买时已确认不适用无理由退货：{zh}",
                    f"The buyer confirmed at purchase: {en}",
                    cite.ONLINE_CONFIRMABLE,
                )
            )
            return out
        notes_zh.append(f"虽属{zh}，但购买时未经消费者确认，不得拒绝退货")
        notes_en.append(
            f"although these are {en}, the buyer did not confirm that at purchase, so it cannot be refused"
        )

    defects = _defects(condition)
    if defects:
        out.refusals.append(
            _refusal(
                "商品不完好：" + "；".join(zh for zh, _ in defects),
                "Not in good condition: " + "; ".join(en for _, en in defects),
                cite.ONLINE_NOT_GOOD,
            )
        )
        return out
    if condition is None:
        notes_zh.append("退回商品须完好（可打开包装查验、合理调试）")
        notes_en.append(
            "the goods must come back in good condition (opening and reasonable testing are fine)"
        )
    out.options.append(_option(ctx, deadline, notes_zh, notes_en, note_zh, note_en))
    return out


def _deadline(ctx: Context, last_day: date) -> tuple[date, str, str]:
    """The period's last day, moved past statutory rest days when the organization extends it.

    《民法典》第二百零三条: a period whose last day is a statutory rest day ends on the day after
    the rest days. Whether that reaches the seven days of 《消费者权益保护法》第二十五条 is unsettled,
    so the organization chooses (default: extend, which never gives the customer less).
    """
    rest = set(ctx.facts.rest_days)
    if last_day not in rest:
        return last_day, "", ""
    if not ctx.rules.holiday_extends_no_reason:
        return (
            last_day,
            f"（最后一日{last_day}为法定休假日，按本机构设置不顺延）",
            f" (its last day, {last_day}, is a statutory rest day; this organization does not extend it)",
        )
    moved = last_day
    while moved in rest:
        moved += timedelta(days=1)
    return (
        moved,
        f"（最后一日{last_day}为法定休假日，依《民法典》第二百零三条顺延至{moved}）",
        f" (its last day, {last_day}, is a statutory rest day, so it runs to {moved} under the Civil Code (《民法典》) Art. 203)",
    )


def _option(
    ctx: Context,
    deadline: date,
    notes_zh: list[str],
    notes_en: list[str],
    extended_zh: str,
    extended_en: str,
) -> Option:
    facts, setting = ctx.facts, ctx.rules.no_reason_days
    kept = [gift for gift in facts.gifts if not gift.returned]
    gift_charge = money(sum((gift.stated_price for gift in kept), start=ZERO))
    refund = max(money(facts.price) - gift_charge, ZERO)
    # The buyer pays return shipping, unless the seller agreed otherwise or the goods are faulty.
    seller_ships = ctx.has_fault or facts.seller_pays_return_shipping
    age = ctx.days_since(facts.delivered_on or ctx.on)
    basis = cite.ONLINE_RETURN
    if age > setting.legal_minimum:
        basis = cite.org_basis(
            ctx.rules.org_name,
            f"网购无理由退货期延长至{setting.effective}日",
            f"No-reason return period for online purchases extended to {setting.effective} days",
        )
    zh = f"网购商品签收后第{age}日，可七日无理由退货，截止{deadline}{extended_zh}；收到退货后7日内按原支付方式退款"
    en = (
        f"Online purchase, day {age} after sign-off: no-reason return until {deadline}{extended_en}; refund within "
        "7 days of receiving the goods, by the original payment method"
    )
    if kept:
        zh += f"；未退回赠品按标明价格扣除{gift_charge}元"
        en += f"; gifts not returned are charged at their stated price ({gift_charge})"
    if notes_zh:
        zh += "；" + "；".join(notes_zh)
        en += "; " + "; ".join(notes_en)
    return Option(
        OptionKind.RETURN,
        RULE,
        basis,
        deadline,
        zh,
        en,
        amounts=Amounts(refund=refund, gift_charge=gift_charge),
        cost_borne_by=Payer.SELLER,
        return_shipping_paid_by=Payer.SELLER if seller_ships else Payer.CUSTOMER,
        refund_due_days=REFUND_DUE_DAYS,
        refund_method="original_payment",
        supporting=(
            cite.ONLINE_GOOD_CONDITION,
            cite.CONSUMER_LAW_24 if ctx.has_fault else cite.CONSUMER_LAW_25,
        )
        + ((cite.CIVIL_CODE_203,) if extended_zh and ctx.rules.holiday_extends_no_reason else ()),
    )


def _defects(condition: ConditionReport | None) -> list[tuple[str, str]]:
    if condition is None:
        return []
    return [(zh, en) for name, zh, en in _DEFECTS if getattr(condition, name)]


def _refusal(zh: str, en: str, basis: Basis = cite.ONLINE_RETURN) -> Refusal:
    return Refusal(OptionKind.RETURN, RULE, basis, zh, en)
