"""Appointment slots that can really be kept.

A slot is offered only when some technician who holds the job's skills, whose station covers
the address, who works that day (their shift on the station's calendar, see ``workdays``) and
is not off, who is below their daily job limit and whose station is below its daily capacity
can still reach the customer inside the window without breaking any visit already promised
(``daybook``). Booking (``booking``) asks the same question again inside its transaction,
after locking the rows of everyone who could take the slot.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.errors import Conflict, InvalidInput
from aftersales.customers.models import Customer
from aftersales.dispatch import config, skills
from aftersales.dispatch.assignment import category_names, previous_technician, request_point, technicians_of
from aftersales.dispatch.daybook import TechDay, Visit, can_take
from aftersales.dispatch.models import Appointment, TimeOff
from aftersales.dispatch.routing import TimeWindow
from aftersales.dispatch.travel import InvalidCoordinatesError
from aftersales.dispatch.workdays import StationCalendars
from aftersales.service.models import Fulfilment, Priority, ServiceRequest, Status
from aftersales.stations.coverage import StationDistance, carry_in_options, covering

if TYPE_CHECKING:
    pass

DAY_S = 86_400
# Statuses in which a visit can be booked. While a request waits for parts or for the customer a
# return visit is booked without moving the request: the technician resumes it on arrival.
BOOKABLE = {
    Status.NEW,
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.SCHEDULED,
    Status.REOPENED,
    Status.AWAITING_PARTS,
    Status.AWAITING_CUSTOMER,
}
HOLD_STATUS = {Status.AWAITING_PARTS, Status.AWAITING_CUSTOMER}


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    technician_ids: tuple[int, ...]  # who can keep it, best first

    @property
    def key(self) -> str:
        return self.start.isoformat()


@dataclass
class Availability:
    request: ServiceRequest
    slots: list[Slot] = field(default_factory=list)
    covering: list[StationDistance] = field(default_factory=list)
    carry_in: list[StationDistance] = field(default_factory=list)
    problem: str = ""
    same_day: bool = False
    outside_network: bool = False  # no station covers the address: offer mail-in or carry-in
    nobody: bool = False  # no technician could ever take it (skills), whatever the day

    def by_day(self) -> list[tuple[date, list[Slot]]]:
        zone = config.zone_of(self.request.organization)
        days: dict[date, list[Slot]] = defaultdict(list)
        for slot in self.slots:
            days[slot.start.astimezone(zone).date()].append(slot)
        return sorted(days.items())


def window_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    local_start = timezone.localtime(start, zone)
    local_end = timezone.localtime(end, zone)
    return f"{local_start:%Y-%m-%d %H:%M}–{local_end:%H:%M}"


def check_bookable(request: ServiceRequest) -> None:
    """InvalidInput naming what keeps this request from a visit, if anything does."""
    if request.kind not in skills.FIELD_KINDS:
        raise InvalidInput({"request": _("只有安装、维修、保养服务单可以预约上门。")})
    if request.fulfilment != Fulfilment.ONSITE:
        raise InvalidInput(
            {
                "request": _("这张服务单的服务方式是%(way)s，不需要预约上门。")
                % {"way": request.get_fulfilment_display()}
            }
        )
    if request.status not in BOOKABLE:
        raise Conflict(
            _("服务单当前状态“%(status)s”不能预约上门。") % {"status": request.get_status_display()},
            {"request": request.status},
        )
    if request_point(request) is None:
        raise InvalidInput({"address": _("服务地址没有坐标，无法判断覆盖网点；请先补全地址。")})


def _is_priority(request: ServiceRequest) -> bool:
    return request.priority == Priority.URGENT or request.customer.tier == Customer.Tier.VIP


def _busy(time_off: list[TimeOff], day: date, zone: ZoneInfo) -> tuple[TimeWindow, ...]:
    out = []
    for off in time_off:
        start = config.seconds_of(off.starts_at, day, zone)
        end = config.seconds_of(off.ends_at, day, zone)
        if end <= 0 or start >= DAY_S:
            continue
        out.append(TimeWindow(max(0, start), min(DAY_S, end)))
    return tuple(out)


def _visit_of(appointment: Appointment, day: date, zone: ZoneInfo) -> Visit | None:
    point = request_point(appointment.request)
    if point is None:
        return None
    return Visit(
        key=str(appointment.pk),
        location=point,
        window=TimeWindow(
            config.seconds_of(appointment.window_start, day, zone),
            config.seconds_of(appointment.window_end, day, zone),
        ),
        service_s=config.service_minutes(appointment.request.kind) * 60,
    )


def availability(
    *,
    request: ServiceRequest,
    now: datetime | None = None,
    only_day: date | None = None,
    moving: Appointment | None = None,
) -> Availability:
    """The slots offered for ``request``. ``moving``: an appointment being moved (it frees its place).

    Raises InvalidInput/Conflict when the request cannot have a visit at all; an address outside
    the network is not an error but an answer (``outside_network`` with carry-in options).
    """
    now = now or timezone.now()
    check_bookable(request)
    point = request_point(request)
    assert point is not None  # check_bookable
    organization = request.organization
    policy = config.policy_for(organization)
    zone = config.zone_of(organization)
    out = Availability(request)
    try:
        out.covering = covering(organization.pk, point)
    except InvalidCoordinatesError as exc:
        raise InvalidInput({"address": _("服务地址的坐标无效：%(why)s") % {"why": exc}}) from exc
    if not out.covering:
        out.outside_network = True
        out.carry_in = carry_in_options(organization.pk, point)
        out.problem = _("该地址不在任何服务网点的上门范围内，可以选择寄修或送到网点维修。")
        return out

    today = timezone.localtime(now, zone).date()
    moving_today = moving is not None and timezone.localtime(moving.window_start, zone).date() == today
    out.same_day = (policy.same_day_for_priority and _is_priority(request)) or moving_today
    first = today if out.same_day else today + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range(policy.booking_days)]
    if only_day is not None:
        days = [d for d in days if d == only_day]
    if not days:
        return out

    needed = skills.required_tokens(request)
    stations = {d.station.pk: d for d in out.covering}
    qualified = [
        t for t in technicians_of(organization.pk, stations) if needed <= skills.technician_tokens(t)
    ]
    if not qualified:
        names = skills.labels(needed, category_names(request.organization_id))
        out.nobody = True
        out.problem = _("覆盖该地址的网点没有具备所需技能（%(skills)s）的工程师。") % {"skills": names}
        return out

    start_all = config.midnight(days[0], zone)
    end_all = config.midnight(days[-1] + timedelta(days=1), zone)
    off: dict[int, list[TimeOff]] = defaultdict(list)
    for row in TimeOff.objects.filter(technician__in=qualified, ends_at__gt=start_all, starts_at__lt=end_all):
        off[row.technician_id].append(row)
    booked = (
        Appointment.objects.live()
        .filter(window_start__gte=start_all, window_start__lt=end_all)
        .filter(technician__in=qualified)
        .select_related("request")
    )
    if moving is not None:
        booked = booked.exclude(pk=moving.pk)
    visits: dict[tuple[int, date], list[Visit]] = defaultdict(list)
    for appt in booked:
        day = timezone.localtime(appt.window_start, zone).date()
        visit = _visit_of(appt, day, zone)
        if visit is not None and appt.technician_id is not None:
            visits[(appt.technician_id, day)].append(visit)
    station_load: Counter[tuple[int, date]] = Counter()
    load_qs = Appointment.objects.live().filter(
        station_id__in=list(stations), window_start__gte=start_all, window_start__lt=end_all
    )
    if moving is not None:
        load_qs = load_qs.exclude(pk=moving.pk)
    for station_id, start in load_qs.values_list("station_id", "window_start"):
        station_load[(station_id, timezone.localtime(start, zone).date())] += 1

    previous = previous_technician(request, (t.user_id for t in qualified))
    travel = config.travel_for(policy, out.covering[0].station.city)
    service_s = config.service_minutes(request.kind) * 60
    earliest = now + timedelta(minutes=policy.lead_minutes) if moving is None else now
    slot_s = policy.slot_hours * 3600
    # Shifts follow each home station's calendar: none on its holidays, Monday's on make-up days.
    calendars = StationCalendars(organization)

    for day in days:
        tech_days: dict[int, TechDay] = {}
        for tech in qualified:
            shift = calendars.shift(tech, day)
            if shift is None:
                continue
            window = TimeWindow(config.clock_seconds(shift.start), config.clock_seconds(shift.end))
            busy = _busy(off.get(tech.pk, []), day, zone)
            if any(b.start <= window.start and b.end >= window.end for b in busy):
                continue
            not_before = config.seconds_of(now, day, zone) if day == today else 0
            tech_days[tech.pk] = TechDay(
                start=tech.start_point,
                end=tech.end_point,
                shift=window,
                max_jobs=tech.max_jobs_per_day,
                visits=tuple(v for v in visits[(tech.pk, day)] if v.window.end >= not_before),
                busy=busy,
                not_before_s=max(0, not_before),
            )
        if not tech_days:
            continue
        # Slots sit on one grid anchored at 08:00, so every page and the board offer the same windows.
        first_s = min(d.shift.start for d in tech_days.values())
        anchor = config.SLOT_ANCHOR_HOUR * 3600
        first_slot = anchor + math.floor((first_s - anchor) / slot_s) * slot_s
        last_s = max(d.shift.end for d in tech_days.values())
        for begin in range(first_slot, last_s - slot_s + 1, slot_s):
            start = config.midnight(day, zone) + timedelta(seconds=begin)
            end = start + timedelta(seconds=slot_s)
            if start < earliest and (moving is None or end <= now):
                continue
            visit = Visit("new", point, TimeWindow(begin, begin + slot_s), service_s)
            able = []
            for tech in qualified:
                tech_day = tech_days.get(tech.pk)
                if tech_day is None:
                    continue
                if station_load[(tech.home_station_id, day)] >= tech.home_station.daily_capacity:
                    continue
                if can_take(tech_day, visit, travel):
                    able.append(tech)
            if able:
                able.sort(
                    key=lambda t: (
                        t.user_id != previous,
                        len(tech_days[t.pk].visits),
                        stations[t.home_station_id].distance_km,
                        t.pk,
                    )
                )
                out.slots.append(Slot(start, end, tuple(t.pk for t in able)))
    if not out.slots:
        out.problem = _("近 %(n)d 天没有可预约的时段，请联系客服安排。") % {"n": policy.booking_days}
    return out
