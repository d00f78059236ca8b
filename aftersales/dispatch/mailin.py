"""寄修: a unit travels to the repair centre and back, as a table of steps.

awaiting → in_transit (carrier and tracking number) → received at the repair centre (the request
starts) → repaired (a repair record with the logistics cost) → shipped back (tracking; the request
is resolved) → delivered. The customer may take the first step (they ship it themselves); staff
take every step.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap
from aftersales.core import workflow
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.dispatch import charges, config
from aftersales.dispatch import event_codes as codes
from aftersales.dispatch.models import MailInShipment, RepairRecord
from aftersales.service import lifecycle
from aftersales.service import services as service_services
from aftersales.service.access import request_access
from aftersales.service.event_text import text
from aftersales.service.events import actor_of, event_add
from aftersales.service.lifecycle import MAIL_IN_KINDS, Actor
from aftersales.service.models import Fulfilment, RequestEvent, ServiceRequest, Status
from aftersales.stations.models import ServiceStation

if TYPE_CHECKING:
    from aftersales.accounts.models import User

Step = MailInShipment.Step
_STAFF = {Actor.STAFF, Actor.SYSTEM}
# The customer may ship the unit themselves and confirm it is back; the repair centre takes every step.
_ANYONE = {Actor.STAFF, Actor.SYSTEM, Actor.CUSTOMER}
# Each step is named after the progress it leads to, the value the forms and the API send.
TABLE: tuple[workflow.Transition[MailInShipment.Step], ...] = (
    workflow.transition(Step.IN_TRANSIT, {Step.AWAITING}, Step.IN_TRANSIT, _ANYONE),
    workflow.transition(Step.RECEIVED, {Step.IN_TRANSIT}, Step.RECEIVED, _STAFF),
    workflow.transition(Step.REPAIRED, {Step.RECEIVED}, Step.REPAIRED, _STAFF),
    workflow.transition(Step.SHIPPED_BACK, {Step.REPAIRED}, Step.SHIPPED_BACK, _STAFF),
    workflow.transition(Step.DELIVERED, {Step.SHIPPED_BACK}, Step.DELIVERED, _ANYONE),
)
STAMP: dict[str, str] = {
    Step.IN_TRANSIT: "shipped_at",
    Step.RECEIVED: "received_at",
    Step.REPAIRED: "repaired_at",
    Step.SHIPPED_BACK: "shipped_back_at",
    Step.DELIVERED: "delivered_at",
}


def next_step(status: str) -> str | None:
    """The step the shipment takes next from ``status`` (the path is a line), or None at the end."""
    ahead = workflow.allowed(TABLE, status)
    return ahead[0].name if ahead else None


def customer_may(step: str) -> bool:
    found = workflow.find(TABLE, step)
    return found is not None and Actor.CUSTOMER in found.actors


def _event(request: ServiceRequest, by: User | None, old: str | None, new: str) -> None:
    event_add(
        request=request,
        kind=RequestEvent.Kind.FIELD,
        by=by,
        public=True,
        data={"changes": {gettext_noop("寄修进度"): [old, new]}},
    )


def mail_in_start(
    *,
    request: ServiceRequest,
    by: User | None,
    method: str,
    repair_station: ServiceStation | None = None,
) -> MailInShipment:
    if method not in MailInShipment.Method.values:
        raise InvalidInput({"method": _("请选择上门取件或自行寄出。")})
    if request.kind not in MAIL_IN_KINDS:
        raise InvalidInput({"request": _("只有维修、保养服务单可以寄修。")})
    if not request.is_open or request.status in (Status.RESOLVED,):
        raise Conflict(_("服务单已结束。"), {"request": request.status})
    if repair_station is not None and repair_station.organization_id != request.organization_id:
        raise InvalidInput({"repair_station": _("请选择本组织的维修中心。")})
    request_access(by, request, cap=Cap.HANDLE_MAIL_IN, owner_may=True)
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if MailInShipment.objects.filter(request=locked).exists():
            raise Conflict(_("这张服务单已经登记寄修。"), {"request": _("已登记寄修")})
        if locked.fulfilment != Fulfilment.MAIL_IN:
            locked = service_services.request_update(
                request=locked,
                by=by,
                version=None,
                fulfilment=Fulfilment.MAIL_IN,
                part_of=Cap.HANDLE_MAIL_IN,
                owner_may=True,
            )
        shipment = MailInShipment.objects.create(
            organization_id=locked.organization_id,
            request=locked,
            method=method,
            repair_station=repair_station,
            created_at=timezone.now(),
        )
        _event(locked, by, None, str(MailInShipment.Method(method).label))
    return shipment


def _money(value: Decimal | str | None, errors: dict[str, str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["logistics_cost"] = _("请填写金额。")
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("99999"):
        errors["logistics_cost"] = _("金额必须在 0 到 99999 之间。")
        return None
    return charges.money(amount)


def mail_in_step(
    *,
    shipment: MailInShipment,
    by: User | None,
    step: str,
    carrier: str = "",
    tracking: str = "",
    logistics_cost: Decimal | str | None = None,
    diagnosis: str = "",
    fault_code: str = "",
    version: int | None = None,
) -> MailInShipment:
    errors: dict[str, str] = {}
    carrier, tracking = (carrier or "").strip()[:50], (tracking or "").strip()[:50]
    if step in (Step.IN_TRANSIT, Step.SHIPPED_BACK) and not (carrier and tracking):
        errors["tracking"] = _("请填写快递公司和运单号。")
    cost = _money(logistics_cost, errors)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = (
            MailInShipment.objects.select_for_update(of=("self",))
            .select_related("request", "request__customer", "request__unit__product_model")
            .get(pk=shipment.pk)
        )
        request = locked.request
        request_access(by, request, cap=Cap.HANDLE_MAIL_IN, owner_may=True)
        if by is not None and by.role == Role.CUSTOMER and not customer_may(step):
            raise PermissionDenied(_("这一步由维修中心操作。"))
        if version is not None and version != locked.version:
            raise Conflict(_("寄修记录已被他人修改，请刷新后再试。"), {"version": str(locked.version)})
        try:
            workflow.take(TABLE, step, locked.status)
        except workflow.Refused as refused:
            expected = refused.allowed[0] if refused.allowed else ""
            allowed = str(Step(expected).label) if expected else _("无")
            raise Conflict(
                _("当前进度“%(now)s”的下一步是：%(next)s。")
                % {"now": locked.get_status_display(), "next": allowed},
                {"step": expected},
            ) from None
        old = locked.get_status_display()
        now = timezone.now()
        locked.status = step
        setattr(locked, STAMP[step], now)
        if step == Step.IN_TRANSIT:
            locked.inbound_carrier, locked.inbound_tracking = carrier, tracking
        if step == Step.SHIPPED_BACK:
            locked.outbound_carrier, locked.outbound_tracking = carrier, tracking
        if cost is not None:
            locked.logistics_cost += cost
        locked.version += 1
        locked.save()
        label = str(Step(step).label)
        if tracking:
            label = f"{label}（{carrier} {tracking}）"
        _event(request, by, old, label)
        staff = by if by is not None and by.role != Role.CUSTOMER else None
        if step == Step.RECEIVED and lifecycle.can(request.kind, "start", request.status, actor_of(staff)):
            service_services.request_transition(
                request=request,
                name="start",
                by=staff,
                reason=text(codes.MAIL_IN_RECEIVED),
                part_of=Cap.HANDLE_MAIL_IN,
            )
        if step == Step.REPAIRED:
            _record(locked, by, diagnosis=diagnosis, fault_code=fault_code)
        if step == Step.SHIPPED_BACK:
            RepairRecord.objects.filter(request=request, appointment__isnull=True).update(
                logistics_cost=locked.logistics_cost
            )
            if request.status == Status.IN_PROGRESS:
                service_services.request_transition(
                    request=request,
                    name="resolve",
                    by=staff,
                    reason=text(codes.MAIL_IN_RETURNED, carrier=carrier, tracking=tracking),
                    part_of=Cap.HANDLE_MAIL_IN,
                )
    return locked


def _record(shipment: MailInShipment, by: User | None, *, diagnosis: str, fault_code: str) -> RepairRecord:
    request = shipment.request
    record = RepairRecord.objects.filter(request=request, appointment__isnull=True).first() or RepairRecord(
        organization_id=request.organization_id, request=request, created_at=timezone.now()
    )
    record.diagnosis = (diagnosis or "").strip()[:5000] or record.diagnosis
    record.fault_code = (fault_code or "").strip()[:30] or record.fault_code
    record.logistics_cost = shipment.logistics_cost
    record.completed_at = timezone.now()
    if shipment.received_at is not None:
        record.onsite_minutes = int((record.completed_at - shipment.received_at).total_seconds() // 60)
    record.first_time_fix = request.reopen_count == 0
    record.save()
    labour = charges.cover_for(unit=request.unit, part=None, on=timezone.localdate())
    charges.recompute(record, config.policy_for(request.organization), labour=labour)
    record.charge_visit = Decimal("0.00")  # no visit on the mail-in path
    record.charge_total = record.charge_parts + record.charge_labour
    record.save()
    return record
