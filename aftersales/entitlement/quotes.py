"""Quotes for repairs the customer pays for: built by staff, approved or declined by the customer.

A quote is only made when the engine says the repair is not free (out of 三包, excluded, or an
extended warranty that leaves part of the cost to the customer). While it waits the request is
``awaiting_customer``; the customer's answer is on the timeline and puts the request back to work.
Which step may follow which is the table ``TABLE`` below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap
from aftersales.catalog.models import SparePart
from aftersales.core import workflow
from aftersales.core.amounts import parse_amount
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import flow, notify, snapshot
from aftersales.entitlement.models import ExtendedWarrantyContract, Quote, QuoteLine
from aftersales.entitlement.policy import Decision, Option, OptionKind, Payer
from aftersales.entitlement.rma import org_language
from aftersales.entitlement.services import claim_add, evaluate_inputs, require, same_org
from aftersales.service.event_text import text
from aftersales.service.events import actor_of, event_add
from aftersales.service.lifecycle import QUOTABLE_KINDS, Actor
from aftersales.service.models import RequestEvent, ServiceRequest, Status

if TYPE_CHECKING:
    from aftersales.accounts.models import User

QUOTABLE = QUOTABLE_KINDS
MAX_LINES = 50

# The timeline's changes keep the source words; pages translate them when shown.
_QUOTE_STATUS = {
    Quote.Status.SENT: gettext_noop("待客户确认"),
    Quote.Status.APPROVED: gettext_noop("客户已同意"),
    Quote.Status.DECLINED: gettext_noop("客户已拒绝"),
    Quote.Status.WITHDRAWN: gettext_noop("已撤回"),
}


@dataclass(frozen=True)
class LineIn:
    kind: str
    description: str = ""
    quantity: Decimal | str | int = 1
    unit_price: Decimal | str | int | None = None
    part: str = ""  # spare part number (or id) from the catalog, for kind "part"


def quote_basis(decision: Decision) -> Option | None:
    """The option that calls for a quote: an extended warranty that pays part first, else a paid repair."""
    needing = [o for o in decision.options if o.requires_quote]
    covered = [o for o in needing if o.cost_borne_by == Payer.WARRANTY_PROVIDER]
    return (covered or needing)[0] if needing else None


def _part(organization_id: int, ref: str) -> SparePart | None:
    ref = (ref or "").strip()
    if not ref:
        return None
    qs = SparePart.objects.filter(organization_id=organization_id)
    found = qs.filter(part_number=ref).first()
    if found is None and ref.isdigit():
        found = qs.filter(pk=int(ref)).first()
    return found


def _lines(
    organization_id: int, lines: Sequence[LineIn], contract: ExtendedWarrantyContract | None
) -> list[QuoteLine]:
    errors: dict[str, str] = {}
    if not lines:
        errors["lines"] = _("请至少添加一项。")
    if len(lines) > MAX_LINES:
        errors["lines"] = _("最多 %(n)d 项。") % {"n": MAX_LINES}
    out: list[QuoteLine] = []
    covers = {
        QuoteLine.Kind.PART: bool(contract and contract.covers_parts),
        QuoteLine.Kind.LABOUR: bool(contract and contract.covers_labour),
        QuoteLine.Kind.TRAVEL: bool(contract and contract.covers_travel),
    }
    for i, line in enumerate(lines):
        key = f"lines[{i}]"
        if line.kind not in QuoteLine.Kind.values:
            errors[f"{key}.kind"] = _("类型只能是零件、工时或上门交通。")
            continue
        part = None
        if line.kind == QuoteLine.Kind.PART:
            part = _part(organization_id, line.part)
            if part is None:
                errors[f"{key}.part"] = _("请从备件目录中选择零件。")
                continue
        quantity = parse_amount(line.quantity, f"{key}.quantity", errors)
        price = parse_amount(
            line.unit_price if line.unit_price not in (None, "") else (part.price if part else None),
            f"{key}.unit_price",
            errors,
        )
        if quantity is not None and quantity <= 0:
            errors[f"{key}.quantity"] = _("数量必须大于 0。")
        description = (line.description or "").strip() or (part.name if part else "")
        if not description:
            errors[f"{key}.description"] = _("请填写项目说明。")
        if len(description) > 200:
            errors[f"{key}.description"] = _("最多 200 个字符。")
        if quantity is None or price is None or f"{key}.quantity" in errors or f"{key}.description" in errors:
            continue
        out.append(
            QuoteLine(
                kind=line.kind,
                spare_part=part,
                description=description,
                quantity=quantity,
                unit_price=price,
                covered=covers[QuoteLine.Kind(line.kind)],
            )
        )
    if errors:
        raise InvalidInput(errors)
    return out


def quote_create(
    *,
    request: ServiceRequest,
    by: User | None,
    lines: Sequence[LineIn],
    note: str = "",
    send: bool = False,
    odometer_km: int | None = None,
) -> Quote:
    """A quote on the engine's paid-repair option; a car's facts need its odometer reading."""
    require(by, Cap.QUOTE)
    same_org(by, request.organization_id)
    if request.kind not in QUOTABLE or request.unit is None:
        raise InvalidInput({"request": _("只有安装、维修、保养服务单可以报价。")})
    if not request.is_open:
        raise Conflict(_("服务单已结束。"), {"request": request.status})
    if Quote.objects.filter(request=request, status=Quote.Status.SENT).exists():
        raise Conflict(_("已有待客户确认的报价，请先撤回。"), {"request": _("已有待确认报价")})
    inputs = build.inputs_for_request(request, odometer_km=odometer_km)
    decision = evaluate_inputs(inputs)
    basis = quote_basis(decision)
    if basis is None:
        free = next((o for o in decision.options if o.kind == OptionKind.FREE_REPAIR), None)
        why = (free.reason_zh if free else "") or _("没有收费修理的依据")
        raise Conflict(_("不需要报价：%(why)s") % {"why": why}, {"request": _("免费修理，无需报价")})
    contract = None
    if basis.cost_borne_by == Payer.WARRANTY_PROVIDER and ":" in basis.rule_id:
        number = basis.rule_id.split(":", 1)[1]
        contract = ExtendedWarrantyContract.objects.filter(
            organization_id=request.organization_id, number=number
        ).first()
    rows = _lines(request.organization_id, lines, contract)
    with transaction.atomic():
        quote = Quote.objects.create(
            organization_id=request.organization_id,
            request=request,
            contract=contract,
            cover_limit=contract.remaining() if contract is not None else None,
            note=(note or "").strip()[:2000],
            entitlement={
                "facts": snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
                "decision": snapshot.decision_json(decision),
                "basis": f"{basis.kind.value}:{basis.rule_id}",
            },
            created_by=by,
            created_at=timezone.now(),
        )
        for row in rows:
            row.quote = quote
        QuoteLine.objects.bulk_create(rows)
        with org_language():
            event_add(
                request=request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                public=False,
                reason=text(codes.QUOTE_CREATED, t=str(quote.total)),
                data={"quote": quote.pk, "changes": {gettext_noop("报价"): [None, f"¥{quote.total}"]}},
            )
        if send:
            quote = quote_send(quote=quote, by=by)
    return quote


def _lock(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",))
        .select_related(
            "request",
            "request__customer",
            "request__organization",
            "request__unit",
            "organization",
            "contract",
        )
        .get(pk=quote.pk)
    )


Q = Quote.Status
_STAFF = {Actor.STAFF}
# The customer answers for themselves; staff may record an answer given by phone.
_DECIDERS = {Actor.STAFF, Actor.CUSTOMER}
# A quote's whole life, as the one table its services consult.
TABLE: tuple[workflow.Transition[Quote.Status], ...] = (
    workflow.transition("send", {Q.DRAFT}, Q.SENT, _STAFF),
    workflow.transition("approve", {Q.SENT}, Q.APPROVED, _DECIDERS),
    workflow.transition("decline", {Q.SENT}, Q.DECLINED, _DECIDERS, needs_reason=True),
    workflow.transition("withdraw", {Q.DRAFT, Q.SENT}, Q.WITHDRAWN, _STAFF),
)


def _take(quote: Quote, name: str, by: User | None) -> workflow.Transition[Quote.Status]:
    try:
        return workflow.take(TABLE, name, quote.status, actor_of(by))
    except workflow.Refused:
        raise Conflict(
            _("报价单当前为“%(s)s”，不能执行此操作。") % {"s": quote.get_status_display()},
            {"status": quote.status},
        ) from None


def quote_send(*, quote: Quote, by: User | None) -> Quote:
    require(by, Cap.QUOTE)
    same_org(by, quote.organization_id)
    with transaction.atomic():
        locked = _lock(quote)
        step = _take(locked, "send", by)
        locked.status = step.target
        locked.sent_at = timezone.now()
        locked.save(update_fields=["status", "sent_at"])
        with org_language():
            said = text(codes.QUOTE_SENT, t=str(locked.total), p=str(locked.payable))
            flow.drive(
                locked.request,
                part_of=Cap.QUOTE,
                to=Status.AWAITING_CUSTOMER,
                by=by,
                reason=text(codes.QUOTE_WAITING),
            )
            event_add(
                request=locked.request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                reason=said,
                data={"quote": locked.pk, "changes": {gettext_noop("报价"): [None, f"¥{locked.total}"]}},
            )
            notify.quote_step(locked, "sent", str(said))
    return locked


def _decider(quote: Quote, by: User | None) -> None:
    """The customer answers for themselves; staff may record an answer given by phone."""
    if by is not None and by.role == Role.CUSTOMER:
        if quote.request.customer.user_id != by.pk:
            raise PermissionDenied(_("这不是您的报价单。"))
        return
    require(by, Cap.QUOTE)
    same_org(by, quote.organization_id)


def quote_approve(*, quote: Quote, by: User | None) -> Quote:
    _decider(quote, by)
    with transaction.atomic():
        locked = _lock(quote)
        step = _take(locked, "approve", by)
        locked.status = step.target
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if locked.contract is not None and locked.covered > 0:
            claim_add(
                contract=locked.contract,
                by=None,
                amount=locked.covered,
                request=locked.request,
                quote=locked,
                description=_("报价单 %(q)s") % {"q": locked.pk},
            )
        with org_language():
            said = text(codes.QUOTE_APPROVED, t=str(locked.total))
            event_add(
                request=locked.request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                reason=said,
                data={
                    "quote": locked.pk,
                    "decision": "approved",
                    "changes": {
                        gettext_noop("报价"): [
                            _QUOTE_STATUS[Quote.Status.SENT],
                            _QUOTE_STATUS[Quote.Status.APPROVED],
                        ]
                    },
                },
            )
            flow.drive(locked.request, part_of=Cap.QUOTE, to=Status.IN_PROGRESS, by=by, reason=said)
            notify.quote_step(locked, "approved", str(said))
    return locked


def quote_decline(*, quote: Quote, by: User | None, reason: str) -> Quote:
    _decider(quote, by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请告诉我们不维修的原因。")})
    if len(reason) > 2000:
        raise InvalidInput({"reason": _("最多 2000 个字符。")})
    with transaction.atomic():
        locked = _lock(quote)
        step = _take(locked, "decline", by)
        locked.status = step.target
        locked.decided_by, locked.decided_at, locked.decline_reason = by, timezone.now(), reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
        with org_language():
            said = text(codes.QUOTE_DECLINED, r=reason)
            event_add(
                request=locked.request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                reason=said,
                data={
                    "quote": locked.pk,
                    "decision": "declined",
                    "changes": {
                        gettext_noop("报价"): [
                            _QUOTE_STATUS[Quote.Status.SENT],
                            _QUOTE_STATUS[Quote.Status.DECLINED],
                        ]
                    },
                },
            )
            # Back to staff, who return the unit unrepaired (resolve) or offer another quote.
            flow.drive(locked.request, part_of=Cap.QUOTE, to=Status.IN_PROGRESS, by=by, reason=said)
            notify.quote_step(locked, "declined", str(said))
    return locked


def quote_withdraw(*, quote: Quote, by: User | None) -> Quote:
    require(by, Cap.QUOTE)
    same_org(by, quote.organization_id)
    with transaction.atomic():
        locked = _lock(quote)
        step = _take(locked, "withdraw", by)
        was_sent = locked.status == Quote.Status.SENT
        locked.status = step.target
        locked.save(update_fields=["status"])
        with org_language():
            said = text(codes.QUOTE_WITHDRAWN)
            event_add(
                request=locked.request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                reason=said,
                public=was_sent,
                data={
                    "quote": locked.pk,
                    "changes": {gettext_noop("报价"): [None, _QUOTE_STATUS[Quote.Status.WITHDRAWN]]},
                },
            )
            if (
                was_sent
                and ServiceRequest.objects.filter(
                    pk=locked.request_id, status=Status.AWAITING_CUSTOMER
                ).exists()
            ):
                flow.drive(locked.request, part_of=Cap.QUOTE, to=Status.IN_PROGRESS, by=by, reason=said)
    return locked
