"""The technician's visit: check in, record the repair, parts and photos, the customer signs, resolved.

Every write checks that the visit is the technician's own (or that a dispatcher of the same
organization acts for them), runs in one transaction and leaves its trace on the request's
timeline through the request services.
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap, can
from aftersales.catalog.models import SparePart
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.dispatch import charges, config
from aftersales.dispatch import event_codes as codes
from aftersales.dispatch.assignment import request_point
from aftersales.dispatch.models import Appointment, PartUsage, RepairRecord, RouteStop, VisitPhoto
from aftersales.dispatch.travel import InvalidCoordinatesError, LatLon, check_point
from aftersales.service import attachments
from aftersales.service import services as service_services
from aftersales.service.event_text import text
from aftersales.service.models import RequestEvent, ServiceRequest, Status

if TYPE_CHECKING:
    from aftersales.accounts.models import User

MAX_LABOUR_MINUTES = 24 * 60
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024


def _guard(appointment: Appointment, by: User) -> None:
    if by.organization_id != appointment.organization_id:
        raise PermissionDenied(_("这不是本组织的预约。"))
    own = appointment.technician is not None and appointment.technician.user_id == by.pk
    if not own and not can(by, Cap.ASSIGN_JOBS):
        raise PermissionDenied(_("只有被派单的工程师可以操作这次上门。"))


def _point(lat: float | str | None, lon: float | str | None, field: str) -> LatLon | None:
    """A position the phone gave, or None when it gave none; bad numbers are refused."""
    if lat in (None, "") and lon in (None, ""):
        return None
    try:
        return check_point((float(lat), float(lon)), field)  # type: ignore[arg-type]
    except (InvalidCoordinatesError, TypeError, ValueError) as exc:
        raise InvalidInput({field: _("位置无效：%(why)s") % {"why": exc}}) from exc


def _lock(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related(
            "request",
            "request__unit__product_model__category",
            "request__organization",
            "technician__user",
            "technician__home_station",
            "organization",
        )
        .get(pk=appointment.pk)
    )


def record_for(appointment: Appointment) -> RepairRecord:
    record = RepairRecord.objects.filter(appointment=appointment).first()
    if record is None:
        record = RepairRecord.objects.create(
            organization_id=appointment.organization_id,
            request_id=appointment.request_id,
            appointment=appointment,
            technician=appointment.technician,
            created_at=timezone.now(),
        )
    return record


def visit_check_in(
    *,
    appointment: Appointment,
    by: User,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    at: datetime | None = None,
) -> Appointment:
    point = _point(latitude, longitude, "location")
    with transaction.atomic():
        locked = _lock(appointment)
        _guard(locked, by)
        if not locked.is_active:
            raise Conflict(_("预约已%(s)s。") % {"s": locked.get_status_display()}, {"status": locked.status})
        if locked.checked_in_at is not None:
            return locked
        now = at or timezone.now()
        locked.checked_in_at = now
        if point is not None:
            locked.checked_in_latitude, locked.checked_in_longitude = point
        locked.version += 1
        locked.save()
        request = locked.request
        why = text(codes.CHECKED_IN, technician=locked.technician.name if locked.technician else str(by))
        if request.status in (Status.AWAITING_PARTS, Status.AWAITING_CUSTOMER):
            service_services.request_transition(request=request, name="resume", by=by, reason=why, at=now)
        elif request.status != Status.IN_PROGRESS:
            service_services.request_transition(request=request, name="start", by=by, reason=why, at=now)
        record_for(locked)
    return locked


def _open_record(appointment: Appointment, by: User) -> RepairRecord:
    locked = _lock(appointment)
    _guard(locked, by)
    if locked.checked_in_at is None:
        raise Conflict(_("请先到达签到。"), {"status": "not_checked_in"})
    if locked.checked_out_at is not None:
        raise Conflict(_("这次上门已经结束。"), {"status": "checked_out"})
    return record_for(locked)


def repair_record_update(
    *,
    appointment: Appointment,
    by: User,
    fault_code: str = "",
    diagnosis: str = "",
    cause: str = "",
    labour_minutes: int | str | None = None,
) -> RepairRecord:
    errors: dict[str, str] = {}
    fault_code, diagnosis, cause = (
        (fault_code or "").strip(),
        (diagnosis or "").strip(),
        (cause or "").strip(),
    )
    if len(fault_code) > 30:
        errors["fault_code"] = _("故障代码最多 30 个字符。")
    if len(cause) > 200:
        errors["cause"] = _("故障原因最多 200 个字符。")
    if len(diagnosis) > 5000:
        errors["diagnosis"] = _("故障诊断最多 5000 个字符。")
    minutes = 0
    try:
        minutes = int(labour_minutes or 0)
    except (TypeError, ValueError):
        errors["labour_minutes"] = _("工时请填写分钟数。")
    if not 0 <= minutes <= MAX_LABOUR_MINUTES:
        errors["labour_minutes"] = _("工时必须在 0 到 %(n)d 分钟之间。") % {"n": MAX_LABOUR_MINUTES}
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        record = _open_record(appointment, by)
        record.fault_code, record.diagnosis, record.cause, record.labour_minutes = (
            fault_code,
            diagnosis,
            cause,
            minutes,
        )
        _reprice(record)
        record.save()
    return record


def _labour_cover(record: RepairRecord) -> charges.Cover:
    request = record.request
    return charges.cover_for(unit=request.unit, part=None, on=timezone.localdate())


def _reprice(record: RepairRecord) -> None:
    policy = config.policy_for(record.organization)
    charges.recompute(record, policy, labour=_labour_cover(record))


def part_usage_add(
    *,
    appointment: Appointment,
    by: User,
    part: SparePart | int | str,
    quantity: int | str = 1,
    serial_in: str = "",
    serial_out: str = "",
) -> PartUsage:
    errors: dict[str, str] = {}
    try:
        qty = int(quantity)
    except (TypeError, ValueError):
        qty = 0
    if not 1 <= qty <= 99:
        errors["quantity"] = _("数量必须在 1 到 99 之间。")
    serial_in, serial_out = (serial_in or "").strip(), (serial_out or "").strip()
    if len(serial_in) > 64 or len(serial_out) > 64:
        errors["serial_in"] = _("序列号最多 64 个字符。")
    spare = part if isinstance(part, SparePart) else None
    if spare is None:
        ref = str(part or "").strip()
        spare = (
            SparePart.objects.filter(organization_id=appointment.organization_id, pk=int(ref)).first()
            if ref.isdigit()
            else None
        )
        if spare is None and ref:
            spare = SparePart.objects.filter(
                organization_id=appointment.organization_id, part_number=ref
            ).first()
    if spare is None or spare.organization_id != appointment.organization_id:
        errors["part"] = _("请从备件目录中选择备件。")
    if errors:
        raise InvalidInput(errors)
    assert spare is not None
    with transaction.atomic():
        record = _open_record(appointment, by)
        cover = charges.cover_for(unit=record.request.unit, part=spare, on=timezone.localdate())
        usage = charges.price_part(
            PartUsage(
                record=record,
                spare_part=spare,
                quantity=qty,
                serial_in=serial_in,
                serial_out=serial_out,
                unit_price=spare.price,
            ),
            cover,
        )
        usage.save()
        _reprice(record)
        record.save()
    return usage


def part_usage_remove(*, usage: PartUsage, by: User) -> None:
    with transaction.atomic():
        record = _open_record(usage.record.appointment, by) if usage.record.appointment else None
        if record is None or record.pk != usage.record_id:
            raise PermissionDenied(_("不能修改这条记录。"))
        PartUsage.objects.filter(pk=usage.pk).delete()
        _reprice(record)
        record.save()


def visit_photo_add(*, appointment: Appointment, by: User, stage: str, name: str, data: bytes) -> VisitPhoto:
    if stage not in VisitPhoto.Stage.values:
        raise InvalidInput({"stage": _("请选择维修前或维修后。")})
    with transaction.atomic():
        record = _open_record(appointment, by)
        attachment = attachments.attachment_add(
            request=record.request, by=by, name=name, data=data, public=True, field=f"photos_{stage}"
        )
        return VisitPhoto.objects.create(record=record, attachment=attachment, stage=stage)


def decode_signature(data_url: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,…`` URL from the signature pad."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise InvalidInput({"signature": _("请客户在签名框内签字。")})
    try:
        data = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput({"signature": _("签名图片无法读取，请重签。")}) from exc
    if len(data) > MAX_SIGNATURE_BYTES:
        raise InvalidInput({"signature": _("签名图片过大。")})
    return data


def _minutes(seconds: float) -> int:
    return max(0, int(math.ceil(seconds / 60)))


def _parts_wait_minutes(request: ServiceRequest, until: datetime) -> int:
    """Time the request spent waiting for parts, from its status events."""
    total = 0.0
    since: datetime | None = None
    for event in request.events.filter(kind=RequestEvent.Kind.STATUS).order_by("created_at", "id"):
        if event.to_status == Status.AWAITING_PARTS and since is None:
            since = event.created_at
        elif event.from_status == Status.AWAITING_PARTS and since is not None:
            total += (event.created_at - since).total_seconds()
            since = None
    if since is not None:
        total += (until - since).total_seconds()
    return _minutes(total)


def _travel(appointment: Appointment) -> tuple[int, Decimal]:
    """Minutes and kilometres to reach the customer: the planned leg, else an estimate from the start point."""
    stop = RouteStop.objects.filter(appointment=appointment).order_by("-plan__planned_at").first()
    if stop is not None:
        return _minutes(stop.travel_s), Decimal(stop.travel_m / 1000).quantize(Decimal("0.1"))
    point = request_point(appointment.request)
    if point is None or appointment.technician is None:
        return 0, Decimal("0")
    travel = config.travel_for(
        config.policy_for(appointment.organization), appointment.technician.home_station.city
    )
    distance, duration = travel.matrix([appointment.technician.start_point, point])
    return _minutes(int(duration[0, 1])), Decimal(int(distance[0, 1]) / 1000).quantize(Decimal("0.1"))


def _finish(locked: Appointment, record: RepairRecord, *, now: datetime, point: LatLon | None) -> None:
    locked.checked_out_at = now
    if point is not None:
        locked.checked_out_latitude, locked.checked_out_longitude = point
    locked.status = Appointment.Status.DONE
    locked.version += 1
    locked.save()
    assert locked.checked_in_at is not None
    record.onsite_minutes = _minutes((now - locked.checked_in_at).total_seconds())
    record.travel_minutes, record.travel_km = _travel(locked)
    record.parts_wait_minutes = _parts_wait_minutes(locked.request, now)
    record.completed_at = now


def visit_wait_for_parts(
    *,
    appointment: Appointment,
    by: User,
    reason: str,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
) -> RepairRecord:
    """The visit ends without a fix: the request waits for parts and a return visit is booked later."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请说明需要的备件。")})
    point = _point(latitude, longitude, "location")
    with transaction.atomic():
        record = _open_record(appointment, by)
        locked = _lock(appointment)
        now = timezone.now()
        service_services.request_transition(
            request=locked.request, name="wait_for_parts", by=by, reason=reason, at=now
        )
        _finish(locked, record, now=now, point=point)
        record.first_time_fix = False
        _reprice(record)
        record.save()
    return record


def visit_complete(
    *,
    appointment: Appointment,
    by: User,
    signature: bytes,
    signed_by: str,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
) -> RepairRecord:
    """The customer signs and accepts the work on site: check out, price it, resolve the request."""
    errors: dict[str, str] = {}
    signed_by = (signed_by or "").strip()
    if not signed_by:
        errors["signed_by"] = _("请填写签字人姓名。")
    elif len(signed_by) > 100:
        errors["signed_by"] = _("签字人姓名最多 100 个字符。")
    if not signature:
        errors["signature"] = _("请客户在签名框内签字。")
    point = _point(latitude, longitude, "location")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        record = _open_record(appointment, by)
        if not record.diagnosis:
            raise InvalidInput({"diagnosis": _("请先填写故障诊断。")})
        locked = _lock(appointment)
        request = locked.request
        signature_file = attachments.attachment_add(
            request=request,
            by=by,
            name=f"signature-{request.number}.png",
            data=signature,
            public=True,
            field="signature",
        )
        now = timezone.now()
        _finish(locked, record, now=now, point=point)
        record.signature, record.signed_by = signature_file, signed_by
        earlier = (
            RepairRecord.objects.filter(request=request).exclude(pk=record.pk).aggregate(n=Count("id"))["n"]
        )
        record.first_time_fix = request.reopen_count == 0 and earlier == 0
        _reprice(record)
        record.save()
        total = record.charge_total
        done = text(codes.SIGNED_CHARGED, who=signed_by, total=str(total))
        service_services.request_transition(request=request, name="resolve", by=by, reason=done, at=now)
    return record
