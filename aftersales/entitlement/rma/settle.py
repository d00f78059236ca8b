"""Settling a return: the refund (amount, method, due date) or the exchange, then closing it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap
from aftersales.core.amounts import parse_amount
from aftersales.core.errors import Conflict, InvalidInput
from aftersales.customers.services import unit_create
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import flow, notify
from aftersales.entitlement.models import EntitlementDecision, ReturnAuthorization, UnitDisposition
from aftersales.entitlement.models.returns import RefundMethod
from aftersales.entitlement.policy import Decision, Option, OptionKind
from aftersales.entitlement.policy.rules import REFUND_DUE_DAYS
from aftersales.entitlement.rma.base import (
    RMA,
    check,
    choose,
    is_customer,
    lock,
    not_future,
    open_step,
    org_language,
    org_today,
    record_step,
    refusals,
    save,
)
from aftersales.entitlement.services import decision_record
from aftersales.service.access import request_access
from aftersales.service.event_text import text as ev
from aftersales.service.models import Status
from aftersales.service.services import request_transition

if TYPE_CHECKING:
    from aftersales.accounts.models import User


def _settle_option(
    rma: ReturnAuthorization, decision: Decision, kind: OptionKind, goodwill: bool, reason: str
) -> Option | None:
    chosen = choose(decision, rma, kind=kind)
    if chosen is None and not goodwill:
        raise Conflict(
            _("按检测后的事实已不符合条件：%(why)s。可以拒绝并寄还商品，或选择善意处理并说明原因。")
            % {"why": refusals(decision, kind) or _("没有适用的方案")},
            {"option": _("已不符合条件")},
        )
    if chosen is None and not reason:
        raise InvalidInput({"reason": _("善意处理须说明原因。")})
    return chosen


def rma_refund(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    method: str,
    amount: Decimal | str | None = None,
    reason: str = "",
    goodwill: bool = False,
    version: int | None = None,
) -> ReturnAuthorization:
    """Decide the refund: amount (the engine's by default), method and the date it is due by."""
    request_access(by, rma.request, cap=Cap.DECIDE_RETURNS)
    errors: dict[str, str] = {}
    if method not in RefundMethod.values:
        errors["method"] = _("未知的退款方式。")
    value = parse_amount(amount, "amount", errors, required=False)
    if errors:
        raise InvalidInput(errors)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked, step, inputs, decision = open_step(rma, version, "refund", by)
        chosen = _settle_option(locked, decision, OptionKind.RETURN, goodwill, reason)
        price = inputs.facts.price
        if value is None:
            value = chosen.amounts.refund if chosen is not None else price
        if value > price:
            raise InvalidInput({"amount": _("退款金额不能超过商品价格 %(p)s 元。") % {"p": price}})
        days = (chosen.refund_due_days if chosen is not None else None) or REFUND_DUE_DAYS
        due = (locked.received_on or org_today(locked)) + timedelta(days=days)
        decision_record(
            inputs=inputs,
            decision=decision,
            outcome=EntitlementDecision.Outcome.REFUND,
            by=by,
            option=chosen,
            option_kind=OptionKind.RETURN.value,
            reason=reason,
            goodwill=chosen is None,
            rma=locked,
            request=locked.request,
        )
        old = locked.get_status_display()
        locked.status = step.target
        locked.resolution = RMA.Resolution.REFUND
        locked.refund_amount, locked.refund_method, locked.refund_due_on = value, method, due
        save(locked, "status", "resolution", "refund_amount", "refund_method", "refund_due_on")
        with org_language():
            said = ev(codes.RMA_REFUND_PENDING, a=str(value), m=method, d=str(due))
            record_step(
                locked,
                by,
                "refund_pending",
                said,
                {_("退换货状态"): [old, locked.get_status_display()], _("退款"): [None, f"¥{value}"]},
                refund_due_on=due.isoformat(),
            )
            notify.rma_step(locked, "refund_pending", str(said))
    return locked


def _mark_returned(rma: ReturnAuthorization, on: date) -> None:
    UnitDisposition.objects.get_or_create(unit=rma.unit, defaults={"on": on, "rma": rma})


def rma_refund_paid(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    reference: str = "",
    refunded_on: date | None = None,
    version: int | None = None,
) -> ReturnAuthorization:
    request_access(by, rma.request, cap=Cap.DECIDE_RETURNS)
    today = org_today(rma)
    refunded_on = refunded_on or today
    errors: dict[str, str] = {}
    not_future(errors, "refunded_on", refunded_on, today)
    if rma.received_on and refunded_on < rma.received_on:
        errors["refunded_on"] = _("退款日期不能早于签收日期 %(d)s。") % {"d": rma.received_on}
    if len(reference or "") > 80:
        errors["reference"] = _("最多 80 个字符。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = lock(rma)
        step = check(locked, version, "refund_paid", by)
        old = locked.get_status_display()
        locked.status = step.target
        locked.refunded_on, locked.refund_reference = refunded_on, (reference or "").strip()
        save(locked, "status", "refunded_on", "refund_reference")
        _mark_returned(locked, locked.received_on or refunded_on)
        with org_language():
            said = ev(codes.RMA_REFUNDED, a=str(locked.refund_amount), m=locked.refund_method)
            flow.drive(locked.request, part_of=Cap.DECIDE_RETURNS, to=Status.RESOLVED, by=by, reason=said)
            record_step(
                locked,
                by,
                "refunded",
                said,
                {_("退换货状态"): [old, locked.get_status_display()]},
                late=refunded_on > (locked.refund_due_on or refunded_on),
            )
            notify.rma_step(locked, "refunded", str(said))
    return locked


def rma_exchange(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    new_serial: str,
    carrier: str = "",
    tracking: str = "",
    shipped_on: date | None = None,
    reason: str = "",
    goodwill: bool = False,
    version: int | None = None,
) -> ReturnAuthorization:
    """Ship the replacement: a new unit with its own serial, whose 三包 period starts today."""
    request_access(by, rma.request, cap=Cap.DECIDE_RETURNS)
    new_serial = (new_serial or "").strip()
    errors: dict[str, str] = {}
    if not new_serial:
        errors["new_serial"] = _("请填写新机序列号。")
    today = org_today(rma)
    shipped_on = shipped_on or today
    not_future(errors, "shipped_on", shipped_on, today)
    if len(carrier or "") > 60:
        errors["carrier"] = _("最多 60 个字符。")
    if len(tracking or "") > 60:
        errors["tracking"] = _("最多 60 个字符。")
    if errors:
        raise InvalidInput(errors)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked, step, inputs, decision = open_step(rma, version, "exchange", by)
        chosen = _settle_option(locked, decision, OptionKind.EXCHANGE, goodwill, reason)
        old_unit = locked.unit
        if shipped_on < (locked.received_on or shipped_on):
            raise InvalidInput(
                {"shipped_on": _("发货日期不能早于签收日期 %(d)s。") % {"d": locked.received_on}}
            )
        try:
            new_unit = unit_create(
                organization=locked.organization,
                by=by,
                product_model=old_unit.product_model,
                serial_number=new_serial,
                purchase_date=old_unit.purchase_date,
                customer=old_unit.customer,
                delivery_date=old_unit.delivery_date,
                invoice_number=old_unit.invoice_number,
                invoice_amount=old_unit.invoice_amount,
                sales_channel=old_unit.sales_channel,
                store=old_unit.store,
                order_number=old_unit.order_number,
            )
        except Conflict as exc:
            raise Conflict(exc.message, {"new_serial": exc.message}) from exc
        except InvalidInput as exc:
            raise InvalidInput(
                {"new_serial" if k == "serial_number" else k: v for k, v in exc.errors.items()}
            ) from exc
        decision_record(
            inputs=inputs,
            decision=decision,
            outcome=EntitlementDecision.Outcome.EXCHANGE,
            by=by,
            option=chosen,
            option_kind=OptionKind.EXCHANGE.value,
            reason=reason,
            goodwill=chosen is None,
            rma=locked,
            request=locked.request,
        )
        old = locked.get_status_display()
        locked.status = step.target
        locked.resolution = RMA.Resolution.EXCHANGE
        locked.replacement_unit = new_unit
        locked.exchanged_on = shipped_on
        locked.exchange_carrier, locked.exchange_tracking = (carrier or "").strip(), (tracking or "").strip()
        save(
            locked,
            "status",
            "resolution",
            "replacement_unit",
            "exchanged_on",
            "exchange_carrier",
            "exchange_tracking",
        )
        _mark_returned(locked, locked.received_on or shipped_on)
        with org_language():
            text = (
                ev(codes.RMA_EXCHANGE_SHIPPED_WAYBILL, s=new_serial, d=str(shipped_on), c=carrier, t=tracking)
                if carrier or tracking
                else ev(codes.RMA_EXCHANGE_SHIPPED, s=new_serial, d=str(shipped_on))
            )
            flow.drive(locked.request, part_of=Cap.DECIDE_RETURNS, to=Status.RESOLVED, by=by, reason=text)
            record_step(
                locked,
                by,
                "exchange_shipped",
                text,
                {
                    _("退换货状态"): [old, locked.get_status_display()],
                    _("序列号"): [old_unit.serial_number, new_serial],
                },
            )
            notify.rma_step(locked, "exchange_shipped", str(text))
    return locked


def rma_close(
    *, rma: ReturnAuthorization, by: User | None, version: int | None = None
) -> ReturnAuthorization:
    """The customer confirms (or staff close) a finished refund or exchange."""
    request_access(by, rma.request, cap=Cap.DECIDE_RETURNS, owner_may=True)
    with transaction.atomic():
        locked = lock(rma)
        step = check(locked, version, "close", by)
        request = locked.request
        request.refresh_from_db()
        if request.status == Status.RESOLVED:
            name = "customer_accept" if is_customer(by) else "close"
            request_transition(request=request, name=name, by=by, notify=False, part_of=Cap.DECIDE_RETURNS)
        old = locked.get_status_display()
        locked.status = step.target
        locked.closed_at = timezone.now()
        save(locked, "status", "closed_at")
        with org_language():
            said = ev(codes.RMA_CLOSED, n=locked.number)
            record_step(locked, by, "closed", said, {_("退换货状态"): [old, locked.get_status_display()]})
            notify.rma_step(locked, "closed", str(said))
    return locked
