"""Returns, exchanges and refunds (RMA) on top of a service request.

request → eligibility (the engine, shown to agent and customer) → approve / reject with a reason →
return shipment → received → inspected (the condition report feeds the engine again) → refund
(amount, method, due date, escalated before it is late) or exchange (new serial, old unit marked
returned, 三包 restarting at the exchange date) → closed.

Each step locks the RMA row, checks its status, writes a timeline event on the request, moves the
request along its own lifecycle table (``flow.drive``) and queues the notifications, in one
transaction. Every approve / reject / refund / exchange is stored with the facts it used.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.accounts.models import Role
from aftersales.core.amounts import parse_amount
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.customers.services import unit_create
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import flow, notify, snapshot
from aftersales.entitlement.models import (
    ConditionReport,
    EntitlementDecision,
    ReturnAuthorization,
    UnitDisposition,
)
from aftersales.entitlement.models.returns import FaultType, RefundMethod
from aftersales.entitlement.permissions import Act
from aftersales.entitlement.policy import Decision, InvalidFacts, Option, OptionKind
from aftersales.entitlement.policy.rules import REFUND_DUE_DAYS
from aftersales.entitlement.services import (
    decision_record,
    evaluate_inputs,
    require,
    same_org,
    unit_is_returned,
)
from aftersales.service import event_text
from aftersales.service.attachments import attachment_add, check_upload
from aftersales.service.event_text import EventText
from aftersales.service.event_text import text as ev
from aftersales.service.models import Attachment, Fulfilment, Kind, RequestEvent, ServiceRequest, Status
from aftersales.service.services import event_add, request_create, request_transition

if TYPE_CHECKING:
    from aftersales.accounts.models import User
    from aftersales.customers.models import Unit

RMA = ReturnAuthorization
S = ReturnAuthorization.Status
RMA_KINDS = (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND)
MAX_PHOTOS = 10


@contextmanager
def org_language() -> Iterator[None]:
    """Timeline texts and customer messages are written in the organization's language."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def option_key(option: Option) -> str:
    return f"{option.kind.value}:{option.rule_id}"


def _is_customer(by: User | None) -> bool:
    return by is not None and by.role == Role.CUSTOMER


def _owner_or_staff(by: User | None, rma: ReturnAuthorization, act: Act) -> None:
    if _is_customer(by):
        assert by is not None
        if rma.request.customer.user_id != by.pk:
            raise PermissionDenied(_("这不是您的退换货单。"))
        return
    require(by, act)
    same_org(by, rma.organization_id)


def _lock(rma: ReturnAuthorization) -> ReturnAuthorization:
    return (
        RMA.objects.select_for_update(of=("self",))
        .select_related("organization", "request", "request__customer", "request__organization", "unit",
                        "unit__organization", "unit__product_model", "unit__product_model__category",
                        "replacement_unit")
        .get(pk=rma.pk)
    )


def _check(rma: ReturnAuthorization, version: int | None, allowed: set[str], step: str) -> None:
    if version is not None and version != rma.version:
        raise Conflict(_("退换货单已被他人修改（当前版本 %(v)d），请刷新后再试。") % {"v": rma.version},
                       {"version": str(rma.version)})
    if rma.status not in allowed:
        raise Conflict(
            _("退换货单当前为“%(status)s”，不能执行“%(step)s”。") % {"status": rma.get_status_display(), "step": step},
            {"status": rma.status},
        )


def _save(rma: ReturnAuthorization, *fields: str) -> None:
    rma.version += 1
    rma.save(update_fields=[*fields, "version", "updated_at"])


def _event(rma: ReturnAuthorization, by: User | None, step: str, text: str | EventText,
           changes: Mapping[str, list[Any]], public: bool = True, **data: Any) -> None:
    # The request's timeline lists a field event's changes; the step's text goes in as one of them
    # (as its code when it has one, so the page shows it in the reader's language).
    said = event_text.as_value(text)
    rows = {**changes, gettext_noop("说明"): [None, said]}
    event_add(request=rma.request, kind=RequestEvent.Kind.FIELD, by=by, public=public, reason=text,
              data={"rma": rma.number, "step": step, "changes": rows, **data})


def _today(rma: ReturnAuthorization) -> date:
    return build.today_for(rma.organization)


def _not_future(errors: dict[str, str], field: str, day: date | None, today: date) -> None:
    if day is not None and day > today:
        errors[field] = _("日期不能晚于今天。")


def _requested_odometer(rma: ReturnAuthorization) -> int | None:
    """The odometer reading given with the request (a car's facts need one before any inspection)."""
    facts = ((rma.eligibility or {}).get("requested") or {}).get("facts") or {}
    value = (facts.get("facts") or {}).get("odometer_km")
    return value if isinstance(value, int) else None


def _inputs(rma: ReturnAuthorization, report: object = build._LATEST) -> build.Inputs:
    if report is build._LATEST:
        report = rma.inspections.order_by("-inspected_at", "-id").first() or build.latest_report(rma.unit)
    # An inspection's reading wins; until one is taken the reading given with the request stands.
    read = getattr(report, "odometer_km", None)
    return build.inputs_for_request(rma.request, report=report, odometer_km=None if read is not None else
                                    _requested_odometer(rma))


def _wanted(rma: ReturnAuthorization) -> OptionKind:
    return OptionKind.EXCHANGE if rma.request.kind == Kind.EXCHANGE else OptionKind.RETURN


def choose(decision: Decision, rma: ReturnAuthorization, key: str = "", kind: OptionKind | None = None) -> Option | None:
    """The option named by key, else the approved one, else one of the kind asked for."""
    kinds = (kind,) if kind is not None else (OptionKind.RETURN, OptionKind.EXCHANGE)
    candidates = [o for o in decision.options if o.kind in kinds]
    if key:
        return next((o for o in candidates if option_key(o) == key), None)
    if rma.option_rule_id:
        approved = next((o for o in candidates if option_key(o) == f"{rma.option_kind}:{rma.option_rule_id}"), None)
        if approved is not None:
            return approved
    wanted = kind or _wanted(rma)
    return next((o for o in candidates if o.kind == wanted), candidates[0] if candidates else None)


def _refusals(decision: Decision, kind: OptionKind) -> str:
    en = translation.get_language() == "en"
    return "；".join(r.reason_en if en else r.reason_zh for r in decision.refusals if r.kind == kind)


def _summary(decision: Decision) -> str:
    en = translation.get_language() == "en"
    return "；".join(o.reason_en if en else o.reason_zh for o in decision.options)


# --- Request -----------------------------------------------------------------------------------


def _check_unit(unit: Unit, by: User | None) -> None:
    if _is_customer(by):
        assert by is not None
        if unit.customer is None or unit.customer.user_id != by.pk:
            raise PermissionDenied(_("这不是您的机器。"))
    else:
        require(by, Act.DECIDE_RETURNS)
        same_org(by, unit.organization_id)
    if unit.customer is None:
        raise InvalidInput({"unit": _("这台机器没有登记客户。")})
    if unit_is_returned(unit):
        raise Conflict(_("这台机器已经退回。"), {"unit": _("已退回")})
    open_rma = RMA.objects.filter(unit=unit).exclude(status__in=[S.CLOSED, S.REJECTED]).first()
    if open_rma is not None:
        raise Conflict(_("这台机器已有进行中的退换货单 %(n)s。") % {"n": open_rma.number}, {"unit": open_rma.number})


def _check_request_fields(kind: str, fault: str, part: str, odometer_km: int | None) -> None:
    errors: dict[str, str] = {}
    if kind not in RMA_KINDS:
        errors["kind"] = _("只能申请退货、换货或退款。")
    if fault not in FaultType.values:
        errors["fault"] = _("未知的问题类型。")
    if odometer_km is not None and odometer_km < 0:
        errors["odometer_km"] = _("里程表读数不能为负数。")
    if len(part or "") > 100:
        errors["part"] = _("最多 100 个字符。")
    if errors:
        raise InvalidInput(errors)


def _open(request: ServiceRequest, unit: Unit, by: User | None, fault: str, part: str,
          odometer_km: int | None) -> ReturnAuthorization:
    """The RMA record for a request, with the engine's eligibility; inside the caller's transaction."""
    rma = RMA.objects.create(
        number=uuid.uuid4().hex[:20], organization=unit.organization, request=request, unit=unit, fault=fault,
        part=(part or "").strip(), created_by=by, created_at=request.created_at,
    )
    rma.number = f"RA-{rma.created_at.year}-{rma.pk:06d}"
    inputs = build.inputs_for_request(request, odometer_km=odometer_km)
    decision = evaluate_inputs(inputs)
    rma.eligibility = {"requested": {"facts": snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
                                     "decision": snapshot.decision_json(decision)}}
    rma.save(update_fields=["number", "eligibility"])
    with org_language():
        offered = choose(decision, rma)
        text = (_("已收到您的%(kind)s申请 %(number)s。初步评估：%(summary)s。客服审核后会通知您。")
                % {"kind": request.get_kind_display(), "number": rma.number, "summary": _summary(decision)})
        _event(rma, by, "requested", text, {_("退换货单"): [None, rma.number]},
               eligible=offered is not None, option=option_key(offered) if offered else None)
        notify.rma_step(rma, "requested", text)
    return rma


def rma_request(
    *, unit: Unit, by: User | None, kind: str, fault: str, description: str, channel: str = "web", part: str = "",
    odometer_km: int | None = None,
) -> ReturnAuthorization:
    """Open a return, exchange or refund for a unit; the engine's eligibility is stored with it."""
    _check_request_fields(kind, fault, part, odometer_km)
    _check_unit(unit, by)
    assert unit.customer is not None
    with transaction.atomic():
        request = request_create(
            organization=unit.organization, customer=unit.customer, by=by, kind=kind, channel=channel,
            description=description, unit=unit, fault_category=fault, fulfilment=Fulfilment.MAIL_IN,
            allow_duplicate=True, notify=False,
        )
        return _open(request, unit, by, fault, part, odometer_km)


def rma_attach(
    *, request: ServiceRequest, by: User | None, fault: str = FaultType.PERFORMANCE, part: str = "",
    odometer_km: int | None = None,
) -> ReturnAuthorization:
    """Start the return workflow on a return/exchange/refund request opened elsewhere (phone, email)."""
    _check_request_fields(request.kind, fault, part, odometer_km)
    if request.unit is None:
        raise InvalidInput({"unit": _("服务单没有关联机器。")})
    if not request.is_open or request.status not in (Status.NEW, Status.ACCEPTED, Status.ASSIGNED):
        raise Conflict(_("只能为尚未处理的服务单开始退换货流程。"), {"status": request.status})
    if RMA.objects.filter(request=request).exists():
        raise Conflict(_("这张服务单已有退换货单。"), {"request": request.number})
    _check_unit(request.unit, by)
    with transaction.atomic():
        return _open(request, request.unit, by, fault, part, odometer_km)


# --- Approve or reject -------------------------------------------------------------------------


def rma_approve(
    *, rma: ReturnAuthorization, by: User | None, option: str = "", reason: str = "", goodwill: bool = False,
    resolution: str = "", version: int | None = None,
) -> ReturnAuthorization:
    """Approve on one of the engine's options (by key "kind:rule_id"), or as goodwill with a reason."""
    require(by, Act.DECIDE_RETURNS)
    same_org(by, rma.organization_id)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.REQUESTED}, _("批准"))
        inputs = _inputs(locked)
        decision = evaluate_inputs(inputs)
        chosen = choose(decision, locked, option)
        if chosen is None and not goodwill:
            field_reason = _("所选方案已不适用。") if option else _(
                "引擎没有给出退货或换货方案。如仍要批准，请选择善意处理并说明原因，或拒绝申请。")
            raise InvalidInput({"option": field_reason})
        if chosen is None:
            if not reason:
                raise InvalidInput({"reason": _("善意处理须说明原因。")})
            if resolution not in RMA.Resolution.values:
                resolution = RMA.Resolution.EXCHANGE if _wanted(locked) == OptionKind.EXCHANGE else RMA.Resolution.REFUND
        else:
            resolution = RMA.Resolution.REFUND if chosen.kind == OptionKind.RETURN else RMA.Resolution.EXCHANGE
        decision_record(inputs=inputs, decision=decision, outcome=EntitlementDecision.Outcome.APPROVED, by=by,
                        option=chosen, option_kind=_wanted(locked).value if chosen is None else "", reason=reason,
                        goodwill=chosen is None, rma=locked, request=locked.request)
        old = locked.get_status_display()
        locked.status = S.APPROVED
        locked.resolution = resolution
        locked.option_kind = chosen.kind.value if chosen else _wanted(locked).value
        locked.option_rule_id = chosen.rule_id if chosen else "goodwill"
        _save(locked, "status", "resolution", "option_kind", "option_rule_id")
        with org_language():
            basis = chosen.basis.citation() if chosen else _("善意处理")
            text = _("已批准%(res)s（依据：%(basis)s）。请将商品寄回，并填写寄回的承运商和运单号。") % {
                "res": locked.get_resolution_display(), "basis": basis}
            if reason:
                text += _("说明：%(r)s") % {"r": reason}
            flow.drive(locked.request, to=Status.AWAITING_CUSTOMER, by=by, reason=ev(codes.RMA_APPROVED_WAITING))
            _event(locked, by, "approved", text, {_("退换货状态"): [old, locked.get_status_display()]},
                   option=f"{locked.option_kind}:{locked.option_rule_id}", goodwill=chosen is None)
            notify.rma_step(locked, "approved", text)
    return locked


def _decision_or_invalid(inputs: build.Inputs) -> Decision | None:
    try:
        return inputs.evaluate()
    except InvalidFacts:
        return None


def rma_reject(*, rma: ReturnAuthorization, by: User | None, reason: str, version: int | None = None) -> ReturnAuthorization:
    """Refuse, with the reason the customer will read; after inspection the goods go back to them."""
    require(by, Act.DECIDE_RETURNS)
    same_org(by, rma.organization_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请填写拒绝原因。")})
    if len(reason) > 2000:
        raise InvalidInput({"reason": _("最多 2000 个字符。")})
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.REQUESTED, S.RECEIVED, S.INSPECTED}, _("拒绝"))
        inputs = _inputs(locked)
        decision = _decision_or_invalid(inputs)
        if decision is not None:
            decision_record(inputs=inputs, decision=decision, outcome=EntitlementDecision.Outcome.REJECTED, by=by,
                            reason=reason, rma=locked, request=locked.request)
        else:
            # Facts the engine refuses are still the facts the rejection was taken on.
            EntitlementDecision.objects.create(
                organization_id=locked.organization_id, unit=locked.unit, request=locked.request, rma=locked,
                outcome=EntitlementDecision.Outcome.REJECTED, reason=reason,
                facts=snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
                decision={"invalid_facts": True}, decided_by=by, decided_at=timezone.now(),
            )
        before_goods = locked.status == S.REQUESTED
        old = locked.get_status_display()
        locked.status = S.REJECTED
        locked.rejection_reason = reason
        _save(locked, "status", "rejection_reason")
        with org_language():
            if before_goods:
                flow.drive(locked.request, to=Status.CANCELLED, by=by, reason=reason, allow=frozenset({"cancel"}))
                said = ev(codes.RMA_REJECTED, r=reason)
            else:
                flow.drive(locked.request, to=Status.RESOLVED, by=by, reason=reason)
                said = ev(codes.RMA_REJECTED_AFTER, r=reason)
            _event(locked, by, "rejected", said, {_("退换货状态"): [old, locked.get_status_display()]})
            notify.rma_step(locked, "rejected", str(said))
    return locked


# --- Goods back --------------------------------------------------------------------------------


def rma_ship(
    *, rma: ReturnAuthorization, by: User | None, carrier: str, tracking: str, shipped_on: date | None = None,
    version: int | None = None,
) -> ReturnAuthorization:
    """The customer (or an agent for them) records the return shipment."""
    _owner_or_staff(by, rma, Act.HANDLE_GOODS)
    carrier, tracking = (carrier or "").strip(), (tracking or "").strip()
    errors: dict[str, str] = {}
    if not carrier:
        errors["carrier"] = _("请填写承运商。")
    elif len(carrier) > 60:
        errors["carrier"] = _("最多 60 个字符。")
    if not tracking:
        errors["tracking"] = _("请填写运单号。")
    elif len(tracking) > 60:
        errors["tracking"] = _("最多 60 个字符。")
    today = _today(rma)
    shipped_on = shipped_on or today
    _not_future(errors, "shipped_on", shipped_on, today)
    if shipped_on < build.local_date(rma.created_at, rma.organization):
        errors["shipped_on"] = _("寄回日期不能早于申请日期。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.APPROVED, S.SHIPPED}, _("登记寄回"))
        old = [locked.return_carrier or None, locked.return_tracking or None]
        locked.status = S.SHIPPED
        locked.return_carrier, locked.return_tracking, locked.return_shipped_on = carrier, tracking, shipped_on
        _save(locked, "status", "return_carrier", "return_tracking", "return_shipped_on")
        with org_language():
            flow.drive(locked.request, to=Status.IN_PROGRESS, by=by, reason=ev(codes.RMA_GOODS_SHIPPED))
            said = ev(codes.RMA_SHIPPED, c=carrier, t=tracking)
            _event(locked, by, "shipped", said, {_("寄回运单"): [" ".join(filter(None, old)) or None, f"{carrier} {tracking}"]})
            notify.rma_step(locked, "shipped", str(said))
    return locked


def rma_receive(
    *, rma: ReturnAuthorization, by: User | None, received_on: date | None = None, version: int | None = None,
) -> ReturnAuthorization:
    require(by, Act.HANDLE_GOODS)
    same_org(by, rma.organization_id)
    today = _today(rma)
    received_on = received_on or today
    errors: dict[str, str] = {}
    _not_future(errors, "received_on", received_on, today)
    earliest = rma.return_shipped_on or build.local_date(rma.created_at, rma.organization)
    if received_on < earliest:
        errors["received_on"] = _("签收日期不能早于 %(d)s。") % {"d": earliest}
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.APPROVED, S.SHIPPED}, _("签收"))
        old = locked.get_status_display()
        locked.status = S.RECEIVED
        locked.received_on, locked.received_by = received_on, by
        _save(locked, "status", "received_on", "received_by")
        with org_language():
            flow.drive(locked.request, to=Status.IN_PROGRESS, by=by, reason=ev(codes.RMA_GOODS_RECEIVED))
            said = ev(codes.RMA_RECEIVED, d=str(received_on))
            _event(locked, by, "received", said, {_("退换货状态"): [old, locked.get_status_display()]})
            notify.rma_step(locked, "received", str(said))
    return locked


def rma_inspect(
    *, rma: ReturnAuthorization, by: User | None, findings: Mapping[str, bool], notes: str = "",
    odometer_km: int | None = None, photos: Sequence[tuple[str, bytes]] = (), attachment_ids: Sequence[int] = (),
    version: int | None = None,
) -> ConditionReport:
    """Record the condition (with photos); the engine re-decides on it and the result is kept."""
    require(by, Act.HANDLE_GOODS)
    same_org(by, rma.organization_id)
    errors: dict[str, str] = {}
    unknown = set(findings) - set(ConditionReport.FLAGS)
    if unknown:
        errors["findings"] = _("未知的检测项：%(f)s") % {"f": ", ".join(sorted(unknown))}
    if odometer_km is not None and odometer_km < 0:
        errors["odometer_km"] = _("里程表读数不能为负数。")
    if len(notes or "") > 5000:
        errors["notes"] = _("最多 5000 个字符。")
    if len(photos) + len(attachment_ids) > MAX_PHOTOS:
        errors["photos"] = _("最多 %(n)d 张照片。") % {"n": MAX_PHOTOS}
    if errors:
        raise InvalidInput(errors)
    for name, data in photos:
        check_upload(name, data, "photos")
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.RECEIVED, S.INSPECTED}, _("检测"))
        report = ConditionReport.objects.create(
            organization_id=locked.organization_id, unit=locked.unit, rma=locked, notes=(notes or "").strip(),
            odometer_km=odometer_km, inspected_by=by, inspected_at=timezone.now(),
            **{name: bool(findings.get(name)) for name in ConditionReport.FLAGS},
        )
        for name, data in photos:
            report.photos.add(attachment_add(request=locked.request, by=by, name=name, data=data, field="photos"))
        if attachment_ids:
            # Photos uploaded to the request beforehand (the API's way): they must be this request's images.
            uploaded = list(Attachment.objects.filter(request=locked.request, pk__in=attachment_ids,
                                                      content_type__startswith="image/"))
            missing = sorted(set(attachment_ids) - {a.pk for a in uploaded})
            if missing:
                raise InvalidInput({"photo_ids": _("服务单没有这些照片附件：%(ids)s") % {
                    "ids": ", ".join(str(i) for i in missing)}})
            report.photos.add(*uploaded)
        inputs = _inputs(locked, report=report)
        decision = evaluate_inputs(inputs)
        wanted = OptionKind.EXCHANGE if locked.resolution == RMA.Resolution.EXCHANGE else OptionKind.RETURN
        still = choose(decision, locked, kind=wanted)
        locked.eligibility = {**locked.eligibility, "inspected": {
            "facts": snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
            "decision": snapshot.decision_json(decision), "still_eligible": still is not None,
        }}
        old = locked.get_status_display()
        locked.status = S.INSPECTED
        locked.inspected_at = report.inspected_at
        _save(locked, "status", "eligibility", "inspected_at")
        with org_language():
            found = "；".join(report.findings()) or _("无异常")
            text = _("检测完成：%(f)s。") % {"f": found}
            if still is None:
                text += _("检测后已不符合%(res)s条件：%(why)s") % {
                    "res": locked.get_resolution_display(), "why": _refusals(decision, wanted) or _("见评估结果")}
            else:
                text += _("仍符合%(res)s条件。") % {"res": locked.get_resolution_display()}
            _event(locked, by, "inspected", text, {_("退换货状态"): [old, locked.get_status_display()]},
                   report=report.pk, still_eligible=still is not None)
            notify.rma_step(locked, "inspected", text)
    return report


# --- Refund or exchange ------------------------------------------------------------------------


def _settle_option(rma: ReturnAuthorization, decision: Decision, kind: OptionKind, goodwill: bool, reason: str) -> Option | None:
    chosen = choose(decision, rma, kind=kind)
    if chosen is None and not goodwill:
        raise Conflict(
            _("按检测后的事实已不符合条件：%(why)s。可以拒绝并寄还商品，或选择善意处理并说明原因。")
            % {"why": _refusals(decision, kind) or _("没有适用的方案")},
            {"option": _("已不符合条件")},
        )
    if chosen is None and not reason:
        raise InvalidInput({"reason": _("善意处理须说明原因。")})
    return chosen


def rma_refund(
    *, rma: ReturnAuthorization, by: User | None, method: str, amount: Decimal | str | None = None,
    reason: str = "", goodwill: bool = False, version: int | None = None,
) -> ReturnAuthorization:
    """Decide the refund: amount (the engine's by default), method and the date it is due by."""
    require(by, Act.DECIDE_RETURNS)
    same_org(by, rma.organization_id)
    errors: dict[str, str] = {}
    if method not in RefundMethod.values:
        errors["method"] = _("未知的退款方式。")
    value = parse_amount(amount, "amount", errors, required=False)
    if errors:
        raise InvalidInput(errors)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.INSPECTED}, _("退款"))
        inputs = _inputs(locked)
        decision = evaluate_inputs(inputs)
        chosen = _settle_option(locked, decision, OptionKind.RETURN, goodwill, reason)
        price = inputs.facts.price
        if value is None:
            value = chosen.amounts.refund if chosen is not None else price
        if value > price:
            raise InvalidInput({"amount": _("退款金额不能超过商品价格 %(p)s 元。") % {"p": price}})
        days = (chosen.refund_due_days if chosen is not None else None) or REFUND_DUE_DAYS
        due = (locked.received_on or _today(locked)) + timedelta(days=days)
        decision_record(inputs=inputs, decision=decision, outcome=EntitlementDecision.Outcome.REFUND, by=by,
                        option=chosen, option_kind=OptionKind.RETURN.value, reason=reason, goodwill=chosen is None,
                        rma=locked, request=locked.request)
        old = locked.get_status_display()
        locked.status = S.REFUND_PENDING
        locked.resolution = RMA.Resolution.REFUND
        locked.refund_amount, locked.refund_method, locked.refund_due_on = value, method, due
        _save(locked, "status", "resolution", "refund_amount", "refund_method", "refund_due_on")
        with org_language():
            said = ev(codes.RMA_REFUND_PENDING, a=str(value), m=method, d=str(due))
            _event(locked, by, "refund_pending", said, {_("退换货状态"): [old, locked.get_status_display()],
                                                         _("退款"): [None, f"¥{value}"]}, refund_due_on=due.isoformat())
            notify.rma_step(locked, "refund_pending", str(said))
    return locked


def _mark_returned(rma: ReturnAuthorization, on: date) -> None:
    UnitDisposition.objects.get_or_create(unit=rma.unit, defaults={"on": on, "rma": rma})


def rma_refund_paid(
    *, rma: ReturnAuthorization, by: User | None, reference: str = "", refunded_on: date | None = None,
    version: int | None = None,
) -> ReturnAuthorization:
    require(by, Act.DECIDE_RETURNS)
    same_org(by, rma.organization_id)
    today = _today(rma)
    refunded_on = refunded_on or today
    errors: dict[str, str] = {}
    _not_future(errors, "refunded_on", refunded_on, today)
    if rma.received_on and refunded_on < rma.received_on:
        errors["refunded_on"] = _("退款日期不能早于签收日期 %(d)s。") % {"d": rma.received_on}
    if len(reference or "") > 80:
        errors["reference"] = _("最多 80 个字符。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.REFUND_PENDING}, _("确认退款"))
        old = locked.get_status_display()
        locked.status = S.REFUNDED
        locked.refunded_on, locked.refund_reference = refunded_on, (reference or "").strip()
        _save(locked, "status", "refunded_on", "refund_reference")
        _mark_returned(locked, locked.received_on or refunded_on)
        with org_language():
            said = ev(codes.RMA_REFUNDED, a=str(locked.refund_amount), m=locked.refund_method)
            flow.drive(locked.request, to=Status.RESOLVED, by=by, reason=said)
            _event(locked, by, "refunded", said, {_("退换货状态"): [old, locked.get_status_display()]},
                   late=refunded_on > (locked.refund_due_on or refunded_on))
            notify.rma_step(locked, "refunded", str(said))
    return locked


def rma_exchange(
    *, rma: ReturnAuthorization, by: User | None, new_serial: str, carrier: str = "", tracking: str = "",
    shipped_on: date | None = None, reason: str = "", goodwill: bool = False, version: int | None = None,
) -> ReturnAuthorization:
    """Ship the replacement: a new unit with its own serial, whose 三包 period starts today."""
    require(by, Act.DECIDE_RETURNS)
    same_org(by, rma.organization_id)
    new_serial = (new_serial or "").strip()
    errors: dict[str, str] = {}
    if not new_serial:
        errors["new_serial"] = _("请填写新机序列号。")
    today = _today(rma)
    shipped_on = shipped_on or today
    _not_future(errors, "shipped_on", shipped_on, today)
    if len(carrier or "") > 60:
        errors["carrier"] = _("最多 60 个字符。")
    if len(tracking or "") > 60:
        errors["tracking"] = _("最多 60 个字符。")
    if errors:
        raise InvalidInput(errors)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.INSPECTED}, _("换货"))
        inputs = _inputs(locked)
        decision = evaluate_inputs(inputs)
        chosen = _settle_option(locked, decision, OptionKind.EXCHANGE, goodwill, reason)
        old_unit = locked.unit
        if shipped_on < (locked.received_on or shipped_on):
            raise InvalidInput({"shipped_on": _("发货日期不能早于签收日期 %(d)s。") % {"d": locked.received_on}})
        try:
            new_unit = unit_create(
                organization=locked.organization, by=by, product_model=old_unit.product_model,
                serial_number=new_serial, purchase_date=old_unit.purchase_date, customer=old_unit.customer,
                delivery_date=old_unit.delivery_date, invoice_number=old_unit.invoice_number,
                invoice_amount=old_unit.invoice_amount, sales_channel=old_unit.sales_channel, store=old_unit.store,
                order_number=old_unit.order_number,
            )
        except Conflict as exc:
            raise Conflict(exc.message, {"new_serial": exc.message}) from exc
        except InvalidInput as exc:
            raise InvalidInput({"new_serial" if k == "serial_number" else k: v for k, v in exc.errors.items()}) from exc
        decision_record(inputs=inputs, decision=decision, outcome=EntitlementDecision.Outcome.EXCHANGE, by=by,
                        option=chosen, option_kind=OptionKind.EXCHANGE.value, reason=reason, goodwill=chosen is None,
                        rma=locked, request=locked.request)
        old = locked.get_status_display()
        locked.status = S.EXCHANGE_SHIPPED
        locked.resolution = RMA.Resolution.EXCHANGE
        locked.replacement_unit = new_unit
        locked.exchanged_on = shipped_on
        locked.exchange_carrier, locked.exchange_tracking = (carrier or "").strip(), (tracking or "").strip()
        _save(locked, "status", "resolution", "replacement_unit", "exchanged_on", "exchange_carrier",
              "exchange_tracking")
        _mark_returned(locked, locked.received_on or shipped_on)
        with org_language():
            text = _("换货已发出，新机序列号 %(s)s；三包有效期自换货之日 %(d)s 起重新计算。") % {"s": new_serial, "d": shipped_on}
            if carrier or tracking:
                text += _("运单：%(c)s %(t)s。") % {"c": carrier, "t": tracking}
            flow.drive(locked.request, to=Status.RESOLVED, by=by, reason=text)
            _event(locked, by, "exchange_shipped", text, {_("退换货状态"): [old, locked.get_status_display()],
                                                           _("序列号"): [old_unit.serial_number, new_serial]})
            notify.rma_step(locked, "exchange_shipped", text)
    return locked


def rma_close(*, rma: ReturnAuthorization, by: User | None, version: int | None = None) -> ReturnAuthorization:
    """The customer confirms (or staff close) a finished refund or exchange."""
    _owner_or_staff(by, rma, Act.DECIDE_RETURNS)
    with transaction.atomic():
        locked = _lock(rma)
        _check(locked, version, {S.REFUNDED, S.EXCHANGE_SHIPPED}, _("完成"))
        request = locked.request
        request.refresh_from_db()
        if request.status == Status.RESOLVED:
            name = "customer_accept" if _is_customer(by) else "close"
            request_transition(request=request, name=name, by=by, notify=False)
        old = locked.get_status_display()
        locked.status = S.CLOSED
        locked.closed_at = timezone.now()
        _save(locked, "status", "closed_at")
        with org_language():
            said = ev(codes.RMA_CLOSED, n=locked.number)
            _event(locked, by, "closed", said, {_("退换货状态"): [old, locked.get_status_display()]})
            notify.rma_step(locked, "closed", str(said))
    return locked


# --- Refund deadlines --------------------------------------------------------------------------


def refunds_escalate(*, now: Any = None) -> int:
    """Raise refunds due tomorrow (level 1) and overdue ones (level 2); each level happens once.

    A level is claimed with a conditional update before anything is written, so two runners (or a
    retried job) escalate each refund once.
    """
    now = now or timezone.now()
    horizon = timezone.localdate(now) + timedelta(days=2)
    candidates = (
        RMA.objects.filter(status=S.REFUND_PENDING, refund_due_on__lte=horizon, escalation_level__lt=2)
        .select_related("organization", "request", "request__customer", "request__organization",
                        "request__assignee", "unit", "replacement_unit")
        .order_by("refund_due_on", "id")
    )
    raised = 0
    for rma in candidates:
        assert rma.refund_due_on is not None
        today = build.local_date(now, rma.organization)
        level = 2 if today > rma.refund_due_on else (1 if today >= rma.refund_due_on - timedelta(days=1) else 0)
        if level <= rma.escalation_level:
            continue
        with transaction.atomic():
            claimed = RMA.objects.filter(pk=rma.pk, status=S.REFUND_PENDING, escalation_level__lt=level).update(
                escalation_level=level, escalated_at=now)
            if not claimed:
                continue
            rma.escalation_level = level
            with org_language():
                said = ev(codes.RMA_REFUND_OVERDUE if level == 2 else codes.RMA_REFUND_DUE_SOON,
                          n=rma.number, d=str(rma.refund_due_on), a=str(rma.refund_amount))
                event_add(request=rma.request, kind=RequestEvent.Kind.SLA, by=None, public=False, reason=said,
                          data={"rma": rma.number, "refund_due_on": rma.refund_due_on.isoformat(), "level": level},
                          at=now)
                notify.rma_escalation(rma, level, str(said))
        raised += 1
    return raised
