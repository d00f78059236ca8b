"""Booking, rescheduling and cancelling visits.

Booking re-checks the slot (``slots.availability``) inside the transaction after locking the
rows of every technician who could take it, so two customers who were both offered the last
slot cannot both get it; the unique constraint on active appointments per request is the last
line of defence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap
from aftersales.core.errors import Conflict, InvalidInput
from aftersales.dispatch import config, skills
from aftersales.dispatch import event_codes as codes
from aftersales.dispatch.assignment import category_names, request_point
from aftersales.dispatch.models import Appointment, DayPlan, Technician
from aftersales.dispatch.slots import (
    HOLD_STATUS,
    Availability,
    Slot,
    availability,
    check_bookable,
    window_text,
)
from aftersales.jobs.registry import enqueue
from aftersales.service import services as service_services
from aftersales.service.access import request_access, request_for_user
from aftersales.service.event_text import EventText, text
from aftersales.service.events import event_add
from aftersales.service.models import RequestEvent, ServiceRequest, Status
from aftersales.stations.coverage import covering

if TYPE_CHECKING:
    from aftersales.accounts.models import User

# ``booking.availability`` and friends stay importable from here: pages ask and book in one place.
__all__ = [
    "Availability",
    "Slot",
    "appointment_book",
    "appointment_cancel",
    "appointment_reschedule",
    "availability",
    "check_bookable",
]


def _staff(by: User | None) -> User | None:
    """Status changes a customer's booking causes are the system's, not the customer's to take."""
    return by if by is not None and by.role != Role.CUSTOMER else None


def _window(start: datetime, end: datetime | None, request: ServiceRequest) -> tuple[datetime, datetime]:
    if timezone.is_naive(start) or (end is not None and timezone.is_naive(end)):
        raise InvalidInput({"start": _("时间必须带时区。")})
    if end is None:
        end = start + timedelta(hours=config.policy_for(request.organization).slot_hours)
    if end <= start:
        raise InvalidInput({"end": _("预约结束时间必须晚于开始时间。")})
    return start, end


def _lock_candidates(request: ServiceRequest) -> None:
    """Lock every technician who could take a visit here, in id order (no deadlocks).

    Bookings that could compete for the same person or the same station's capacity thus run
    one after the other, each seeing what the one before it booked.
    """
    point = request_point(request)
    if point is None:
        return
    station_ids = [d.station.pk for d in covering(request.organization_id, point)]
    list(
        Technician.objects.select_for_update()
        .filter(home_station_id__in=station_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _pick(slot: Slot, technician: Technician | None, request: ServiceRequest) -> Technician:
    if technician is not None:
        if technician.pk not in slot.technician_ids:
            needed = skills.required_tokens(request)
            missing = needed - skills.technician_tokens(technician)
            if missing:
                why = _("%(name)s 不具备所需技能：%(skills)s。") % {
                    "name": technician.name,
                    "skills": skills.labels(missing, category_names(request.organization_id)),
                }
            else:
                why = _("%(name)s 在该时段无法按时到达（班次、休假、已有预约、每日上限或路程不允许）。") % {
                    "name": technician.name
                }
            able = Technician.objects.filter(pk__in=slot.technician_ids).select_related("user")
            why += _("该时段可以上门的：%(names)s。") % {"names": "、".join(t.name for t in able)}
            raise Conflict(why, {"technician": why})
        return technician
    return Technician.objects.select_related("user", "home_station").get(pk=slot.technician_ids[0])


def _find_slot(avail: Availability, start: datetime, end: datetime) -> Slot:
    for slot in avail.slots:
        if slot.start == start and slot.end == end:
            return slot
    detail = _("该时段已约满或不可预约，请重新选择。")
    if avail.outside_network or avail.nobody:
        detail = avail.problem
    raise Conflict(detail, {"start": detail})


def _move_request(
    request: ServiceRequest, *, technician: Technician, by: User | None, window: str, why: EventText
) -> None:
    """Assign (when needed) and schedule, through the request services so the timeline says why."""
    staff = _staff(by)
    if request.status == Status.NEW:
        request = service_services.request_transition(
            request=request, name="accept", by=staff, reason=why, part_of=Cap.BOOK_VISITS
        )
    if request.assignee_id != technician.user_id or request.status in (Status.ACCEPTED, Status.REOPENED):
        request = service_services.request_assign(
            request=request, assignee=technician.user, by=staff, reason=why, part_of=Cap.BOOK_VISITS
        )
    if request.status in HOLD_STATUS:
        event_add(
            request=request,
            kind=RequestEvent.Kind.FIELD,
            by=by,
            public=True,
            data={"changes": {gettext_noop("上门预约"): [None, window]}},
        )
        return
    service_services.request_transition(
        request=request,
        name="schedule",
        by=staff,
        reason=text(codes.SCHEDULED, why=why, window=window),
        part_of=Cap.BOOK_VISITS,
    )


def appointment_book(
    *,
    request: ServiceRequest,
    start: datetime,
    by: User | None,
    end: datetime | None = None,
    technician: Technician | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book the slot starting at ``start``; Conflict when it is no longer free."""
    start, end = _window(start, end, request)
    zone = config.zone_of(request.organization)
    with transaction.atomic():
        locked = request_for_user(
            by,
            request.pk,
            cap=Cap.BOOK_VISITS,
            owner_may=True,
            for_update=True,
            related=("organization", "unit__product_model__category"),
        )
        check_bookable(locked)
        if Appointment.objects.filter(request=locked, status__in=Appointment.ACTIVE).exists():
            raise Conflict(_("这张服务单已有上门预约，请改约或先取消。"), {"request": _("已有预约")})
        _lock_candidates(locked)
        avail = availability(request=locked, now=now, only_day=timezone.localtime(start, zone).date())
        slot = _find_slot(avail, start, end)
        chosen = _pick(slot, technician, locked)
        appointment = Appointment.objects.create(
            organization=locked.organization,
            request=locked,
            technician=chosen,
            station=chosen.home_station,
            window_start=start,
            window_end=end,
            booked_by=by,
            created_at=timezone.now(),
        )
        by_customer = by is not None and by.role == Role.CUSTOMER
        why = text(codes.BOOKED_BY_CUSTOMER if by_customer else codes.BOOKED, technician=chosen.name)
        _move_request(locked, technician=chosen, by=by, window=window_text(start, end, zone), why=why)
        _replan_soon(appointment)
    return appointment


def _lock_appointment(appointment: Appointment, by: User | None, version: int | None) -> Appointment:
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("request", "request__organization", "request__customer", "technician__user")
        .get(pk=appointment.pk)
    )
    request_access(by, locked.request, cap=Cap.BOOK_VISITS, owner_may=True)
    if version is not None and version != locked.version:
        raise Conflict(
            _("预约已被他人修改（当前版本 %(v)d），请刷新后再试。") % {"v": locked.version},
            {"version": str(locked.version)},
        )
    if not locked.is_active:
        raise Conflict(
            _("预约已%(status)s，不能再修改。") % {"status": locked.get_status_display()},
            {"status": locked.status},
        )
    if locked.checked_in_at is not None:
        raise Conflict(_("工程师已到场，不能再改约或取消。"), {"status": "checked_in"})
    return locked


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by: User | None,
    end: datetime | None = None,
    technician: Technician | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a visit to another slot and/or technician; its old place is freed in the same step."""
    request = appointment.request
    start, end = _window(start, end, request)
    zone = config.zone_of(request.organization)
    with transaction.atomic():
        sr = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("organization", "customer", "unit__product_model__category")
            .get(pk=request.pk)
        )
        locked = _lock_appointment(appointment, by, version)
        _lock_candidates(sr)
        avail = availability(
            request=sr, now=now, only_day=timezone.localtime(start, zone).date(), moving=locked
        )
        slot = _find_slot(avail, start, end)
        if technician is None and locked.technician_id in slot.technician_ids:
            technician = locked.technician  # keep the person when they can still make it
        chosen = _pick(slot, technician, sr)
        old = window_text(locked.window_start, locked.window_end, zone)
        new = window_text(start, end, zone)
        if (start, end) == (locked.window_start, locked.window_end):
            why = text(codes.MOVED_TECHNICIAN, technician=chosen.name)
        elif chosen.pk == locked.technician_id:
            why = text(codes.RESCHEDULED, old=old)
        else:
            why = text(codes.RESCHEDULED_TECHNICIAN, old=old, technician=chosen.name)
        locked.window_start, locked.window_end = start, end
        locked.technician, locked.station = chosen, chosen.home_station
        locked.status = Appointment.Status.RESCHEDULED
        locked.version += 1
        locked.save()
        locked.stops.all().delete()  # its planned place is gone; the next plan places it again
        _move_request(sr, technician=chosen, by=by, window=new, why=why)
        _replan_soon(locked)
    return locked


def appointment_cancel(
    *, appointment: Appointment, by: User | None, reason: str, version: int | None = None
) -> Appointment:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请填写取消原因。")})
    with transaction.atomic():
        sr = ServiceRequest.objects.select_for_update().get(pk=appointment.request_id)
        locked = _lock_appointment(appointment, by, version)
        locked.status = Appointment.Status.CANCELLED
        locked.cancel_reason = reason[:300]
        locked.version += 1
        locked.save()
        locked.stops.all().delete()
        zone = config.zone_of(locked.organization)
        window = window_text(locked.window_start, locked.window_end, zone)
        if sr.status == Status.SCHEDULED:
            # Back to "assigned": the technician keeps the job but no time is promised any more.
            service_services.request_transition(
                request=sr,
                name="assign",
                by=_staff(by),
                reason=text(codes.CANCELLED, window=window, reason=reason),
                part_of=Cap.BOOK_VISITS,
            )
        else:
            event_add(
                request=sr,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                public=True,
                data={"changes": {gettext_noop("上门预约"): [window, gettext_noop("已取消")]}},
            )
    return locked


def _replan_soon(appointment: Appointment) -> None:
    """A visit booked or moved into today's planned day triggers a re-plan of that day."""
    if appointment.station_id is None:
        return
    day = timezone.localtime(appointment.window_start, config.zone_of(appointment.organization)).date()
    if DayPlan.objects.filter(station_id=appointment.station_id, day=day).exists():
        enqueue("dispatch.plan_day", station_id=appointment.station_id, day=day.isoformat())
