"""Reads for dispatch pages and the API, narrowed to what the user may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from aftersales.accounts.access import get_or_404, scope
from aftersales.accounts.models import Role
from aftersales.dispatch import config
from aftersales.dispatch.models import (
    Appointment,
    DayPlan,
    MailInShipment,
    RepairRecord,
    RouteStop,
    Shift,
    Technician,
)
from aftersales.dispatch.skills import FIELD_KINDS
from aftersales.dispatch.workdays import StationCalendars
from aftersales.service.models import Fulfilment, ServiceRequest, Status
from aftersales.stations.coverage import active_stations, city_of, uncovered_mask
from aftersales.stations.models import ServiceStation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

    AnyUser = User | AnonymousUser


def technicians_for_user(user: AnyUser) -> QuerySet[Technician]:
    qs = Technician.objects.select_related("user", "home_station").prefetch_related("skills", "shifts")
    if getattr(user, "role", None) == Role.CUSTOMER:
        return qs.none()
    return scope(qs, user)


def appointments_for_user(user: AnyUser) -> QuerySet[Appointment]:
    qs = Appointment.objects.select_related("request", "request__customer", "technician__user", "station")
    return scope(qs, user, customer_field="request__customer__user")


def appointment_for_user(*, user: AnyUser, pk: int) -> Appointment:
    return get_or_404(appointments_for_user(user), pk=pk)


def stations_for_staff(user: AnyUser) -> QuerySet[ServiceStation]:
    if getattr(user, "role", None) == Role.CUSTOMER:
        return ServiceStation.objects.none()
    return scope(ServiceStation.objects.filter(is_active=True), user).order_by("city", "name")


def active_appointment(request: ServiceRequest) -> Appointment | None:
    return (
        Appointment.objects.filter(request=request, status__in=Appointment.ACTIVE)
        .select_related("technician__user", "station")
        .first()
    )


def mail_in_of(request: ServiceRequest) -> MailInShipment | None:
    return MailInShipment.objects.filter(request=request).select_related("repair_station").first()


# --- the dispatcher board ------------------------------------------------------------------------

AXIS_START_H = 7
AXIS_END_H = 21
STEP_MIN = 15
COLUMNS = (AXIS_END_H - AXIS_START_H) * 60 // STEP_MIN


@dataclass
class Block:
    appointment: Appointment
    start: datetime
    end: datetime
    column: int
    span: int
    sequence: int | None = None
    arrival: datetime | None = None
    late: bool = False
    reasons: list[dict[str, Any]] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # ``reasons`` in words, filled by the view


@dataclass
class Row:
    technician: Technician
    shift: str
    blocks: list[Block] = field(default_factory=list)
    colour: str = ""
    km: float = 0.0
    idle: bool = False  # the plan found none of the day's visits this technician could take

    @property
    def load(self) -> int:
        return len(self.blocks)


@dataclass
class Board:
    station: ServiceStation
    day: date
    rows: list[Row]
    plan: DayPlan | None
    unplaced: list[Appointment]  # active, no technician
    hours: list[int]
    stops: list[RouteStop]

    @property
    def columns(self) -> int:
        return COLUMNS


def _grid(start: datetime, end: datetime, day: date, zone: Any) -> tuple[int, int]:
    base = config.midnight(day, zone) + timedelta(hours=AXIS_START_H)
    first = int((start - base).total_seconds() // (STEP_MIN * 60))
    last = int(-(-(end - base).total_seconds() // (STEP_MIN * 60)))
    first = min(max(first, 0), COLUMNS - 1)
    last = min(max(last, first + 1), COLUMNS)
    return first + 1, last - first


def board(*, station: ServiceStation, day: date) -> Board:
    """Technicians of the station as rows, the day's visits as blocks (planned times when planned)."""
    zone = config.zone_of(station.organization)
    start_all, end_all = config.midnight(day, zone), config.midnight(day + timedelta(days=1), zone)
    techs = list(
        Technician.objects.filter(home_station=station, is_active=True)
        .select_related("user", "home_station")
        .prefetch_related("shifts")
        .order_by("id")
    )
    appointments = list(
        Appointment.objects.filter(station=station, window_start__gte=start_all, window_start__lt=end_all)
        .exclude(status=Appointment.Status.CANCELLED)
        .exclude(request__status=Status.CANCELLED)
        .select_related("request", "request__customer", "request__unit__product_model", "technician__user")
        .order_by("window_start", "id")
    )
    plan = DayPlan.objects.filter(station=station, day=day).first()
    stops = (
        list(plan.stops.select_related("technician").order_by("technician_id", "sequence")) if plan else []
    )
    stop_of = {s.appointment_id: s for s in stops}
    # By the station calendar: nobody works a public holiday, a make-up workday takes Monday's shift.
    calendars = StationCalendars(station.organization)
    rows = {t.pk: Row(t, _shift_text(calendars.shift(t, day))) for t in techs}
    unplaced = []
    for appt in appointments:
        minutes = config.service_minutes(appt.request.kind)
        stop = stop_of.get(appt.pk)
        if appt.checked_in_at is not None:
            start = appt.checked_in_at
            end = appt.checked_out_at or max(start + timedelta(minutes=minutes), timezone.now())
        elif stop is not None:
            start, end = stop.start_at, stop.departure_at
        else:
            start, end = appt.window_start, appt.window_start + timedelta(minutes=minutes)
        column, span = _grid(start, end, day, zone)
        # The ETA shown is the planned start: with time to spare the technician leaves later than the
        # earliest moment the plan could have them at the door, and arrives as the visit begins.
        block = Block(
            appt,
            start,
            end,
            column,
            span,
            stop.sequence if stop else None,
            stop.start_at if stop else None,
            late=bool(stop and stop.start_at > appt.window_end),
            reasons=list(stop.reasons) if stop else [],
        )
        owner = appt.technician_id
        if stop is not None and not appt.checked_in_at:
            owner = stop.technician_id
        if owner in rows:
            rows[owner].blocks.append(block)
        elif appt.is_active:
            unplaced.append(appt)
    for n, row in enumerate(rows.values()):
        row.colour = route_colour(n)
        route_m = plan.stats.get(f"route_m:{row.technician.pk}") if plan else None
        if route_m is None:  # a plan stored before routes kept their length: to the last visit
            route_m = sum(s.travel_m for s in stops if s.technician_id == row.technician.pk)
        row.km = round(float(route_m) / 1000, 1)
        row.idle = bool(plan and plan.stats.get(f"idle:T{row.technician.pk}"))
    return Board(
        station, day, list(rows.values()), plan, unplaced, list(range(AXIS_START_H, AXIS_END_H)), stops
    )


def _shift_text(shift: Shift | None) -> str:
    return f"{shift.start:%H:%M}–{shift.end:%H:%M}" if shift else ""


# One colour per technician's route, told apart also by people with the common colour blindnesses
# (Okabe-Ito, then Tableau's), repeated past ten.
ROUTE_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C6D31",
    "#F0E442",
    "#7F7F7F",
    "#17BECF",
)
NEARBY_STATIONS_KM = 150


def route_colour(n: int) -> str:
    return ROUTE_COLOURS[n % len(ROUTE_COLOURS)]


def map_data(b: Board) -> dict[str, Any]:
    """What the board's map draws: stations with their service radius, each technician's route
    in their colour (start, visits in order, end), and the visits no route holds yet."""
    st = b.station
    zone = config.zone_of(st.organization)
    stations = [
        st,
        *(
            s
            for s in ServiceStation.objects.filter(
                organization_id=st.organization_id, is_active=True
            ).exclude(pk=st.pk)
            if abs(s.latitude - st.latitude) < NEARBY_STATIONS_KM / 111
            and abs(s.longitude - st.longitude) < NEARBY_STATIONS_KM / 85
        ),
    ]
    routes = []
    loose: list[dict[str, Any]] = []
    for n, row in enumerate(b.rows):
        tech = row.technician
        start, end = tech.start_point, tech.end_point
        visits: list[dict[str, Any]] = []
        for block in sorted(row.blocks, key=lambda x: (x.sequence or 99, x.start)):
            r = block.appointment.request
            if r.latitude is None or r.longitude is None:
                continue
            point = {
                "number": r.number,
                "lat": float(r.latitude),
                "lon": float(r.longitude),
                "seq": block.sequence,
                "window": f"{timezone.localtime(block.appointment.window_start, zone):%H:%M}",
            }
            (visits if block.sequence else loose).append(point)
        path = (
            [[start.lat, start.lon], *([v["lat"], v["lon"]] for v in visits), [end.lat, end.lon]]
            if visits
            else []
        )
        routes.append(
            {
                "technician": tech.name,
                "colour": row.colour or route_colour(n),
                "visits": visits,
                "path": path,
                "km": row.km,
            }
        )
    return {
        "stations": [
            {
                "name": s.name,
                "lat": s.latitude,
                "lon": s.longitude,
                "radius_km": float(s.service_radius_km or 0),
                "current": s.pk == st.pk,
            }
            for s in stations
        ],
        "routes": routes,
        "loose": loose,
        "centre": [st.latitude, st.longitude],
    }


def pending_requests(*, station: ServiceStation, limit: int = 10) -> list[ServiceRequest]:
    """Accepted field requests nobody has taken yet, newest first (covered ones only, when located)."""
    qs = (
        ServiceRequest.objects.filter(
            organization_id=station.organization_id,
            kind__in=list(FIELD_KINDS),
            status__in=[Status.ACCEPTED, Status.REOPENED],
            assignee__isnull=True,
            fulfilment=Fulfilment.ONSITE,
        )
        .select_related("customer", "unit__product_model__category", "organization")
        .order_by("-created_at")[: limit * 5]
    )
    stations = [station]
    out = []
    for r in qs:
        if r.latitude is None or r.longitude is None:
            continue
        if not uncovered_mask(stations, [(float(r.latitude), float(r.longitude))])[0]:
            out.append(r)
        if len(out) >= limit:
            break
    return out


# --- the technician's day ------------------------------------------------------------------------


def technician_of(user: AnyUser) -> Technician | None:
    if getattr(user, "role", None) != Role.TECHNICIAN or user.pk is None:
        return None
    return (
        Technician.objects.filter(user_id=user.pk, is_active=True)
        .select_related("user", "home_station", "organization")
        .first()
    )


def technician_day(*, technician: Technician, day: date) -> list[tuple[Appointment, RouteStop | None]]:
    """The technician's visits of ``day`` in planned order (else by window), with their planned stop."""
    zone = config.zone_of(technician.organization)
    start_all, end_all = config.midnight(day, zone), config.midnight(day + timedelta(days=1), zone)
    appointments = list(
        Appointment.objects.filter(
            technician=technician, window_start__gte=start_all, window_start__lt=end_all
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .exclude(request__status=Status.CANCELLED)
        .select_related("request", "request__customer", "request__unit__product_model")
        .prefetch_related(Prefetch("stops", queryset=RouteStop.objects.filter(technician=technician)))
    )

    def stop(a: Appointment) -> RouteStop | None:
        return next(iter(a.stops.all()), None)

    def key(a: Appointment) -> tuple[int, datetime, int, int]:
        s = stop(a)
        # In progress first, then planned order, then windows; finished visits go last.
        done = 2 if a.status == Appointment.Status.DONE else (0 if a.checked_in_at else 1)
        return (done, s.start_at if s else a.window_start, s.sequence if s else 0, a.pk)

    return [(a, stop(a)) for a in sorted(appointments, key=key)]


def visit_for_technician(*, user: AnyUser, pk: int) -> Appointment:
    tech = technician_of(user)
    qs = Appointment.objects.filter(technician=tech) if tech is not None else Appointment.objects.none()
    return get_or_404(
        qs.select_related(
            "request",
            "request__customer",
            "request__unit__product_model",
            "technician__user",
            "technician__home_station",
            "organization",
        ),
        pk=pk,
    )


def record_of(appointment: Appointment) -> RepairRecord | None:
    return (
        RepairRecord.objects.filter(appointment=appointment)
        .prefetch_related("parts__spare_part", "photos__attachment")
        .first()
    )


# --- coverage report -----------------------------------------------------------------------------


@dataclass
class CoverageReport:
    total: int
    outside: list[ServiceRequest]
    by_city: list[tuple[str, int]]
    since: date


def coverage_report(*, user: AnyUser, days: int = 365, limit: int = 200) -> CoverageReport:
    """Field requests of the last ``days`` whose address no station's radius reaches."""
    org_id = getattr(user, "organization_id", None)
    since = timezone.localdate() - timedelta(days=days)
    if org_id is None:
        return CoverageReport(0, [], [], since)
    rows = list(
        scope(ServiceRequest.objects.all(), user)
        .filter(
            kind__in=list(FIELD_KINDS),
            latitude__isnull=False,
            longitude__isnull=False,
            created_at__date__gte=since,
        )
        .only(
            "id",
            "number",
            "latitude",
            "longitude",
            "address_region",
            "kind",
            "fulfilment",
            "status",
            "created_at",
            "organization_id",
        )
        .order_by("-created_at")
    )
    mask = uncovered_mask(
        active_stations(org_id), [(float(r.latitude or 0), float(r.longitude or 0)) for r in rows]
    )
    outside = [r for r, out in zip(rows, mask, strict=True) if out]
    counts = Counter(city_of(r.address_region) or "—" for r in outside)
    return CoverageReport(len(rows), outside[:limit], counts.most_common(), since)
