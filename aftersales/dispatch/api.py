"""REST endpoints for dispatch: technicians, appointments and their slots, coverage, day plans.

Schemas in and out; the work is in ``booking``, ``planning`` and the selectors.
"""

import datetime as dt
from datetime import datetime, time
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.access import get_or_404
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import PermissionDenied
from aftersales.dispatch import booking, planning, selectors
from aftersales.dispatch.models import Appointment, DayPlan, Technician
from aftersales.service.selectors import request_for_user
from aftersales.stations.coverage import distances
from aftersales.stations.selectors import stations_for_user

router = Router(tags=["dispatch"])


def _require(request: AuthedRequest, cap: Cap, *, customers: bool = False) -> None:
    """``customers``: a customer acts on their own requests, which ``request_for_user`` narrows to."""
    user = request.user
    if customers and getattr(user, "role", None) == Role.CUSTOMER:
        return
    if not can(user, cap):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


# --- technicians ---------------------------------------------------------------------------------


class SkillOut(Schema):
    kind: str
    code: str
    level: int


class ShiftOut(Schema):
    weekday: int
    start: time
    end: time


class TechnicianOut(Schema):
    id: int
    username: str = Field(alias="user.username")
    name: str
    home_station_id: int
    home_station: str = Field(alias="home_station.name")
    max_jobs_per_day: int
    start_latitude: float | None
    start_longitude: float | None
    end_latitude: float | None
    end_longitude: float | None
    is_active: bool
    skills: list[SkillOut]
    shifts: list[ShiftOut]

    @staticmethod
    def resolve_skills(obj: Technician) -> list[Any]:
        return list(obj.skills.all())

    @staticmethod
    def resolve_shifts(obj: Technician) -> list[Any]:
        return list(obj.shifts.all())


class TechnicianFilter(Schema):
    station: int | None = None
    active: bool | None = None


@router.get("/technicians", response=list[TechnicianOut])
@paginate(LimitOffsetPagination)
def list_technicians(request: AuthedRequest, filters: Query[TechnicianFilter]) -> Any:
    _require(request, Cap.VIEW_TECHNICIANS)
    qs = selectors.technicians_for_user(request.user)
    if filters.station is not None:
        qs = qs.filter(home_station_id=filters.station)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("id")


@router.get("/technicians/{int:technician_id}", response=TechnicianOut)
def get_technician(request: AuthedRequest, technician_id: int) -> Technician:
    _require(request, Cap.VIEW_TECHNICIANS)
    return get_or_404(selectors.technicians_for_user(request.user), pk=technician_id)


# --- appointments --------------------------------------------------------------------------------

StatusLit = Literal["booked", "rescheduled", "cancelled", "done"]


class AppointmentOut(Schema):
    id: int
    request: str = Field(alias="request.number")
    technician_id: int | None
    technician: str | None = None
    station_id: int | None
    window_start: datetime
    window_end: datetime
    status: str
    cancel_reason: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_technician(obj: Appointment) -> str | None:
        return obj.technician.name if obj.technician_id and obj.technician else None


class AppointmentFilter(Schema):
    date: dt.date | None = None
    station: int | None = None
    technician: int | None = None
    status: StatusLit | None = None
    request: str | None = Field(None, max_length=30)


@router.get("/appointments", response=list[AppointmentOut])
@paginate(LimitOffsetPagination)
def list_appointments(request: AuthedRequest, filters: Query[AppointmentFilter]) -> Any:
    qs = selectors.appointments_for_user(request.user)
    if filters.date is not None:
        qs = qs.filter(window_start__date=filters.date)
    if filters.station is not None:
        qs = qs.filter(station_id=filters.station)
    if filters.technician is not None:
        qs = qs.filter(technician_id=filters.technician)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.request:
        qs = qs.filter(request__number=filters.request)
    return qs.order_by("window_start", "id")


class SlotOut(Schema):
    start: datetime
    end: datetime
    technicians: list[int] | None = None


class StationDistanceOut(Schema):
    station_id: int
    name: str
    address: str
    distance_km: float
    service_radius_km: int


class SlotsOut(Schema):
    request: str
    same_day: bool
    outside_network: bool
    problem: str
    slots: list[SlotOut]
    covering: list[StationDistanceOut]
    carry_in: list[StationDistanceOut]


def _distance(d: Any) -> dict[str, Any]:
    s = d.station
    return {
        "station_id": s.pk,
        "name": s.name,
        "address": s.address,
        "distance_km": d.distance_km,
        "service_radius_km": s.service_radius_km,
    }


class SlotsQuery(Schema):
    request: str = Field(..., min_length=1, max_length=30)


@router.get("/appointments/slots", response=SlotsOut)
def appointment_slots(request: AuthedRequest, params: Query[SlotsQuery]) -> dict[str, Any]:
    """Arrival windows that can really be kept for a field request (customers: their own)."""
    _require(request, Cap.BOOK_VISITS, customers=True)
    sr = request_for_user(user=request.user, number=params.request)
    current = selectors.active_appointment(sr)
    avail = booking.availability(request=sr, moving=current)
    staff = getattr(request.user, "role", None) != Role.CUSTOMER
    return {
        "request": sr.number,
        "same_day": avail.same_day,
        "outside_network": avail.outside_network,
        "problem": avail.problem,
        "slots": [
            {"start": s.start, "end": s.end, "technicians": list(s.technician_ids) if staff else None}
            for s in avail.slots
        ],
        "covering": [_distance(d) for d in avail.covering],
        "carry_in": [_distance(d) for d in avail.carry_in],
    }


@router.get("/appointments/{int:appointment_id}", response=AppointmentOut)
def get_appointment(request: AuthedRequest, appointment_id: int) -> Appointment:
    return selectors.appointment_for_user(user=request.user, pk=appointment_id)


class BookIn(Schema):
    request: str = Field(..., min_length=1, max_length=30)
    start: datetime
    end: datetime | None = None
    technician: int | None = Field(None, ge=1)


def _technician(request: AuthedRequest, technician_id: int | None) -> Technician | None:
    if technician_id is None:
        return None
    if getattr(request.user, "role", None) == Role.CUSTOMER:
        raise PermissionDenied(_("客户不能指定工程师。"))
    return get_or_404(selectors.technicians_for_user(request.user), pk=technician_id)


@router.post("/appointments", response={201: AppointmentOut})
def book_appointment(request: AuthedRequest, payload: BookIn) -> tuple[int, Appointment]:
    _require(request, Cap.BOOK_VISITS, customers=True)
    sr = request_for_user(user=request.user, number=payload.request)
    appointment = booking.appointment_book(
        request=sr,
        start=payload.start,
        end=payload.end,
        by=request.user,
        technician=_technician(request, payload.technician),
    )
    return 201, selectors.appointment_for_user(user=request.user, pk=appointment.pk)


class RescheduleIn(Schema):
    start: datetime
    end: datetime | None = None
    technician: int | None = Field(None, ge=1)
    version: int | None = None


@router.post("/appointments/{int:appointment_id}/reschedule", response=AppointmentOut)
def reschedule_appointment(request: AuthedRequest, appointment_id: int, payload: RescheduleIn) -> Appointment:
    _require(request, Cap.BOOK_VISITS, customers=True)
    appointment = selectors.appointment_for_user(user=request.user, pk=appointment_id)
    booking.appointment_reschedule(
        appointment=appointment,
        start=payload.start,
        end=payload.end,
        by=request.user,
        technician=_technician(request, payload.technician),
        version=payload.version,
    )
    return selectors.appointment_for_user(user=request.user, pk=appointment_id)


class CancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)
    version: int | None = None


@router.post("/appointments/{int:appointment_id}/cancel", response=AppointmentOut)
def cancel_appointment(request: AuthedRequest, appointment_id: int, payload: CancelIn) -> Appointment:
    _require(request, Cap.BOOK_VISITS, customers=True)
    appointment = selectors.appointment_for_user(user=request.user, pk=appointment_id)
    booking.appointment_cancel(
        appointment=appointment,
        by=request.user,
        reason=payload.reason,
        version=payload.version,
    )
    return selectors.appointment_for_user(user=request.user, pk=appointment_id)


# --- coverage ------------------------------------------------------------------------------------


class CoverageQuery(Schema):
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS-84 degrees")
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS-84 degrees")


class CoverageOut(Schema):
    station_id: int
    covers: bool
    distance_km: float
    service_radius_km: int


@router.get("/stations/{int:station_id}/coverage", response=CoverageOut)
def station_coverage(request: AuthedRequest, station_id: int, params: Query[CoverageQuery]) -> dict[str, Any]:
    """Whether the station's service radius reaches the point (great-circle distance)."""
    station = get_or_404(stations_for_user(request.user), pk=station_id)
    [d] = distances([station], (params.lat, params.lon))
    return {
        "station_id": station.pk,
        "covers": d.covers,
        "distance_km": d.distance_km,
        "service_radius_km": station.service_radius_km,
    }


# --- day plans -----------------------------------------------------------------------------------


class PlanIn(Schema):
    station: int = Field(..., ge=1)
    date: dt.date
    time_limit_s: float = Field(2.0, gt=0, le=10)
    objective: Literal["least_travel", "balanced"] = "least_travel"
    balance_by: Literal["visits", "work_time"] = "visits"
    max_spread: int | None = Field(
        None, ge=0, le=200, description="visits apart, or % of the average on-site time"
    )


class StopOut(Schema):
    appointment: int
    request: str
    sequence: int
    arrival: datetime
    start: datetime
    departure: datetime
    travel_m: int
    fixed: bool
    reasons: list[dict[str, Any]]
    why: list[str]


class RouteOut(Schema):
    technician_id: int
    technician: str
    stops: list[StopOut]


class UnassignedOut(Schema):
    appointment: int
    number: str
    reason: str
    message: str


class PlanOut(Schema):
    station_id: int
    date: dt.date
    solver: str
    planned_at: datetime
    distance_m: int
    objective: str
    balance_by: str | None
    max_spread: int | None
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]


def _plan_out(plan: DayPlan) -> dict[str, Any]:
    routes: dict[int, dict[str, Any]] = {}
    for stop in plan.stops.select_related("technician__user", "appointment__request").order_by(
        "technician_id", "sequence"
    ):
        route = routes.setdefault(
            stop.technician_id,
            {"technician_id": stop.technician_id, "technician": stop.technician.name, "stops": []},
        )
        route["stops"].append(
            {
                "appointment": stop.appointment_id,
                "request": stop.appointment.request.number,
                "sequence": stop.sequence,
                "arrival": stop.arrival_at,
                "start": stop.start_at,
                "departure": stop.departure_at,
                "travel_m": stop.travel_m,
                "fixed": stop.fixed,
                "reasons": stop.reasons,
                "why": planning.explain(stop.reasons),
            }
        )
    balanced = plan.objective == "balanced"
    return {
        "station_id": plan.station_id,
        "date": plan.day,
        "solver": plan.solver,
        "planned_at": plan.planned_at,
        "distance_m": plan.distance_m,
        "objective": plan.objective,
        "balance_by": plan.balance_by if balanced else None,
        "max_spread": plan.max_spread if balanced else None,
        "routes": list(routes.values()),
        "unassigned": [
            {k: u.get(k, "") for k in ("appointment", "number", "reason", "message")} for u in plan.unassigned
        ],
    }


@router.post("/plans", response=PlanOut)
def plan_day(request: AuthedRequest, payload: PlanIn) -> dict[str, Any]:
    """Plan (or re-plan) a station's day with the route optimizer; jobs in progress keep their place."""
    _require(request, Cap.ASSIGN_JOBS)
    station = get_or_404(
        selectors.stations_for_staff(request.user).select_related("organization"), pk=payload.station
    )
    stored = planning.plan_day(
        station=station,
        day=payload.date,
        by=request.user,
        time_limit_s=payload.time_limit_s,
        objective=payload.objective,
        balance_by=payload.balance_by,
        max_spread=payload.max_spread,
    )
    return _plan_out(stored)


class PlanQuery(Schema):
    station: int = Field(..., ge=1)
    date: dt.date


@router.get("/plans", response=PlanOut)
def get_plan(request: AuthedRequest, params: Query[PlanQuery]) -> dict[str, Any]:
    _require(request, Cap.VIEW_TECHNICIANS)
    station = get_or_404(selectors.stations_for_staff(request.user), pk=params.station)
    return _plan_out(get_or_404(DayPlan.objects.filter(station=station), day=params.date))
