"""Writes for entitlements: decisions with their facts, organization rules, extended warranties.

The return workflow is in ``rma/`` and quotes in ``quotes.py``; both record their decisions here.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from aftersales.accounts.roles import Cap, can
from aftersales.core.amounts import parse_amount
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import snapshot
from aftersales.entitlement.errors import invalid_input
from aftersales.entitlement.models import (
    CategoryPolicy,
    EntitlementDecision,
    ExtendedWarrantyContract,
    ReturnAuthorization,
    SaleTerms,
    UnitDisposition,
    WarrantyClaim,
)
from aftersales.entitlement.policy import (
    Decision,
    InvalidFacts,
    Option,
    OrgRules,
    Setting,
    effective_rules,
    evaluate,
)
from aftersales.entitlement.present import english
from aftersales.service.event_text import text
from aftersales.service.events import event_add
from aftersales.service.models import RequestEvent

if TYPE_CHECKING:
    from aftersales.accounts.models import User
    from aftersales.catalog.models import ProductCategory
    from aftersales.customers.models import Unit
    from aftersales.entitlement.models import Quote
    from aftersales.service.models import ServiceRequest


def require(by: User | None, cap: Cap) -> None:
    if not can(by, cap):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def same_org(by: User | None, organization_id: int) -> None:
    """Staff act only inside their organization (platform admins anywhere)."""
    if by is not None and by.organization_id is not None and by.organization_id != organization_id:
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def evaluate_inputs(inputs: build.Inputs, rename: dict[str, str] | None = None) -> Decision:
    """Evaluate, turning impossible facts into field errors (422 in the API, form errors in the UI)."""
    try:
        return inputs.evaluate()
    except InvalidFacts as exc:
        raise invalid_input(exc, rename) from exc


def decision_record(
    *,
    inputs: build.Inputs,
    decision: Decision,
    outcome: str,
    by: User | None,
    option: Option | None = None,
    option_kind: str = "",
    reason: str = "",
    goodwill: bool = False,
    rma: ReturnAuthorization | None = None,
    request: ServiceRequest | None = None,
) -> EntitlementDecision:
    """Store a decision with the exact facts and engine answer it was taken on."""
    return EntitlementDecision.objects.create(
        organization_id=inputs.unit.organization_id,
        unit=inputs.unit,
        request=request,
        rma=rma,
        outcome=outcome,
        option_kind=option.kind.value if option is not None else option_kind,
        rule_id=option.rule_id if option is not None else "",
        goodwill=goodwill,
        reason=reason,
        facts=snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
        decision=snapshot.decision_json(decision),
        decided_by=by,
        decided_at=timezone.now(),
    )


def explain(record: EntitlementDecision) -> Decision:
    """The engine's answer recomputed from the stored facts: how a past decision is explained."""
    facts, request, rules = snapshot.inputs_from_json(record.facts)

    return evaluate(facts, request, rules)


def unit_is_returned(unit: Unit) -> bool:
    return UnitDisposition.objects.filter(unit=unit).exists()


# --- Organization rules per category ---------------------------------------------------------

RULE_FIELDS = {
    "goods.return_days": "return_days",
    "goods.exchange_days": "exchange_days",
    "online.no_reason_days": "no_reason_days",
    "goods.whole_unit_months": "whole_unit_months",
    "car.warranty_months": "car_warranty_months",
    "car.warranty_km": "car_warranty_km",
    "car.sanbao_months": "car_sanbao_months",
    "car.sanbao_km": "car_sanbao_km",
}
UNIT_LABELS = {"days": gettext_lazy("日"), "months": gettext_lazy("个月"), "km": gettext_lazy("公里")}


def rule_field(rule_id: str) -> str:
    return (
        "main_parts_months" if rule_id.startswith("goods.part_months:") else RULE_FIELDS.get(rule_id, rule_id)
    )


def effective_settings(category: ProductCategory, policy: CategoryPolicy | None = None) -> list[Setting]:
    """Each rule of the category with its legal minimum, the configured value and the one that applies."""
    terms = build.category_terms(category)
    if policy is None:
        rules = build.org_rules_for(category.organization, category)
    else:
        rules = OrgRules(category.organization.name, (build.extension_for(policy),))
    return effective_rules(terms, rules)


def policy_errors(policy: CategoryPolicy) -> dict[str, str]:
    """Configured values below the legal minimum, by form field, with a reason a person can act on."""
    errors: dict[str, str] = {}
    for setting in effective_settings(policy.category, policy):
        if not setting.below_minimum:
            continue
        unit = UNIT_LABELS.get(setting.unit, setting.unit)
        errors.setdefault(
            rule_field(setting.rule_id),
            _(
                "%(label)s不能低于法定最低标准 %(legal)s%(unit)s（填写了 %(value)s%(unit)s）；请留空或填写更长的期限。"
            )
            % {
                "label": setting.label_en if english() else setting.label_zh,
                "legal": setting.legal_minimum,
                "unit": unit,
                "value": setting.configured,
            },
        )
    return errors


# --- Extended warranty ------------------------------------------------------------------------


def contract_create(
    *,
    unit: Unit,
    by: User | None,
    starts: date,
    ends: date,
    price: Decimal | str | int,
    covers_parts: bool = True,
    covers_labour: bool = True,
    covers_travel: bool = False,
    max_claims: int | None = None,
    max_total: Decimal | str | None = None,
    max_km: int | None = None,
    number: str = "",
    request: ServiceRequest | None = None,
) -> ExtendedWarrantyContract:
    require(by, Cap.SELL_WARRANTY)
    same_org(by, unit.organization_id)
    errors: dict[str, str] = {}
    amount = parse_amount(price, "price", errors)
    limit = parse_amount(max_total, "max_total", errors, required=False)
    if starts is None:
        errors["starts"] = _("请填写生效日期。")
    if ends is None:
        errors["ends"] = _("请填写到期日期。")
    elif starts is not None and ends < starts:
        errors["ends"] = _("到期日期不能早于生效日期。")
    if starts is not None and starts < unit.purchase_date:
        errors["starts"] = _("生效日期不能早于购买日期 %(d)s。") % {"d": unit.purchase_date}
    if max_claims is not None and max_claims < 0:
        errors["max_claims"] = _("不能为负数。")
    if max_km is not None and max_km < 0:
        errors["max_km"] = _("不能为负数。")
    if request is not None and request.unit_id != unit.pk:
        errors["request"] = _("服务单不是这台机器的。")
    if errors or amount is None:
        raise InvalidInput(errors)
    if unit_is_returned(unit):
        raise Conflict(_("这台机器已退回，不能再购买延保。"), {"unit": _("已退回")})
    number = (number or "").strip()[:40]
    with transaction.atomic():
        if (
            number
            and ExtendedWarrantyContract.objects.filter(
                organization_id=unit.organization_id, number=number
            ).exists()
        ):
            raise Conflict(_("合同号已存在。"), {"number": _("合同号已存在。")})
        contract = ExtendedWarrantyContract.objects.create(
            organization_id=unit.organization_id,
            unit=unit,
            number=number or uuid.uuid4().hex[:40],
            starts=starts,
            ends=ends,
            price=amount,
            covers_parts=covers_parts,
            covers_labour=covers_labour,
            covers_travel=covers_travel,
            max_claims=max_claims,
            max_total=limit,
            max_km=max_km,
            request=request,
            created_by=by,
        )
        if not number:
            contract.number = f"EW-{starts.year}-{contract.pk:06d}"
            contract.save(update_fields=["number"])
        if request is not None:
            event_add(
                request=request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                reason=text(codes.CONTRACT_ADDED),
                data={
                    "contract": contract.number,
                    "changes": {gettext_noop("延保合同"): [None, contract.number]},
                },
            )
    return contract


def contract_cancel(
    *, contract: ExtendedWarrantyContract, by: User | None, reason: str
) -> ExtendedWarrantyContract:
    require(by, Cap.SELL_WARRANTY)
    same_org(by, contract.organization_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请填写原因。")})
    with transaction.atomic():
        locked = ExtendedWarrantyContract.objects.select_for_update().get(pk=contract.pk)
        if locked.cancelled_at is not None:
            raise Conflict(_("合同已取消。"), {"contract": _("合同已取消。")})
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason[:200]
        locked.save(update_fields=["cancelled_at", "cancel_reason"])
    return locked


def claim_add(
    *,
    contract: ExtendedWarrantyContract,
    by: User | None,
    amount: Decimal | str | int,
    claimed_on: date | None = None,
    description: str = "",
    request: ServiceRequest | None = None,
    quote: Quote | None = None,
) -> WarrantyClaim:
    """A repair paid by the contract; refused when the contract is not active or its limits are used up."""
    if quote is None:
        require(by, Cap.SELL_WARRANTY)
    same_org(by, contract.organization_id)
    errors: dict[str, str] = {}
    value = parse_amount(amount, "amount", errors)
    day = claimed_on or build.today_for(contract.organization)
    if day > build.today_for(contract.organization):
        errors["claimed_on"] = _("理赔日期不能晚于今天。")
    if errors:
        raise InvalidInput(errors)
    assert value is not None
    with transaction.atomic():
        locked = ExtendedWarrantyContract.objects.select_for_update().get(pk=contract.pk)
        state = locked.state_on(day)
        if state != ExtendedWarrantyContract.State.ACTIVE:
            raise Conflict(
                _("合同在 %(d)s 不在有效期内（%(s)s）。")
                % {"d": day, "s": ExtendedWarrantyContract.State(state).label},
                {"contract": state},
            )
        left = locked.claims_left()
        if left is not None and left <= 0:
            raise Conflict(_("理赔次数已用完。"), {"contract": _("理赔次数已用完。")})
        remaining = locked.remaining()
        if remaining is not None and value > remaining:
            raise InvalidInput({"amount": _("超过剩余保障额度 %(r)s 元。") % {"r": remaining}})
        claim = WarrantyClaim.objects.create(
            contract=locked,
            request=request,
            quote=quote,
            claimed_on=day,
            amount=value,
            description=(description or "").strip()[:200],
            created_by=by,
        )
        if request is not None:
            event_add(
                request=request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                reason=text(codes.CLAIM_ADDED),
                data={
                    "contract": locked.number,
                    "amount": str(value),
                    "changes": {gettext_noop("延保理赔"): [None, f"{locked.number} ¥{value}"]},
                },
            )
    return claim


# --- Sale terms ---------------------------------------------------------------------------------


def sale_terms_save(*, terms: SaleTerms, by: User | None) -> SaleTerms:
    """Record what was agreed at the sale (staff who may edit customers, in the unit's organization)."""
    if by is None or not can(by, Cap.EDIT_CUSTOMERS):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
    same_org(by, terms.unit.organization_id)
    errors: dict[str, str] = {}
    if terms.buyer_confirmed_no_return:
        if terms.confirmed_at is None:
            errors["confirmed_at"] = _("请填写买家确认的时间。")
        elif build.local_date(
            terms.confirmed_at, terms.unit.organization
        ) > terms.unit.purchase_date + timedelta(days=1):
            errors["confirmed_at"] = _("须为购买时的确认（购买日期 %(d)s）。") % {
                "d": terms.unit.purchase_date
            }
        if not terms.confirmed_via:
            errors["confirmed_via"] = _("请选择确认方式。")
    if errors:
        raise InvalidInput(errors)
    terms.recorded_by = by
    terms.save()
    return terms
