"""Day route planning for a station: appointments and technicians in, routes with ETAs out.

The adapter between the database and ``dispatch.routing``: it turns the day's appointments into
jobs (arrival windows, service time by kind, skills, priority) and the station's technicians
into vehicles (shift on the station's calendar, time off, start and end points, job limit),
solves, and stores the order and ETAs as ``RouteStop`` rows. On the current day it re-plans
from now: a visit the technician has checked in to stays first in their route, finished visits
are left out, and a technician between visits starts from where they last checked out.

Longer than ~400 lines, on purpose: this is the whole adapter between the database and the
solver (build the day's problem, solve, store the routes, explain each stop), and every part
reads the same ``DayInput``; the solver itself is ``dispatch.routing``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.core.errors import InvalidInput
from aftersales.customers.models import Customer
from aftersales.dispatch import config, skills
from aftersales.dispatch import event_codes as codes
from aftersales.dispatch.assignment import category_names, request_point, technicians_of
from aftersales.dispatch.models import (
    Appointment,
    BalanceBy,
    DayPlan,
    PlanObjective,
    RouteStop,
    SkillRequirement,
    Technician,
    TimeOff,
)
from aftersales.dispatch.routing import (
    Balance,
    Job,
    Plan,
    Problem,
    PyVRPSolver,
    Route,
    RoutingInputError,
    RoutingSolver,
    Stop,
    TimeWindow,
    UnassignedReason,
)
from aftersales.dispatch.routing import Technician as RoutingTechnician
from aftersales.dispatch.travel import InvalidCoordinatesError, LatLon, haversine_between_m
from aftersales.dispatch.workdays import StationCalendars
from aftersales.service import services as service_services
from aftersales.service.event_text import text
from aftersales.service.models import Priority, ServiceRequest, Status
from aftersales.stations.models import ServiceStation

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from aftersales.accounts.models import User

DAY_S = 86_400
PRIORITY = {Priority.URGENT: 9, Priority.HIGH: 5, Priority.NORMAL: 0, Priority.LOW: 0}


def reason_text(reason: str, window: str, needed: str) -> str:
    texts = {
        UnassignedReason.NO_QUALIFIED_TECHNICIAN: _("本网点当天没有具备所需技能（%(skills)s）的在岗工程师"),
        UnassignedReason.FIXED_TECHNICIAN_UNQUALIFIED: _("已在现场的工程师不具备所需技能（%(skills)s）"),
        UnassignedReason.WINDOW_PASSED: _("预约时段 %(window)s 已经过去"),
        UnassignedReason.WINDOW_UNREACHABLE: _("没有工程师能在预约时段 %(window)s 内赶到并在下班前完成"),
        UnassignedReason.MAX_JOBS_REACHED: _("具备技能的工程师当天上门单数都已满"),
        UnassignedReason.NO_ROOM: _("具备技能的工程师在 %(window)s 前后都已排满"),
    }
    template = texts.get(reason, _("无法排入"))  # type: ignore[call-overload]
    return str(template) % {"skills": needed, "window": window}


def _priority(request: ServiceRequest) -> int:
    value = PRIORITY.get(request.priority, 0)  # type: ignore[call-overload]
    if request.customer.tier == Customer.Tier.VIP:
        value += 3
    return min(value, 9)


def _shift(
    tech: Technician, day: date, time_off: list[TimeOff], zone: ZoneInfo, calendars: StationCalendars
) -> TimeWindow | None:
    """The technician's shift that day, cut to the longest stretch free of time off.

    The shift follows the home station's calendar: none on a holiday, Monday's on a make-up day.
    """
    shift = calendars.shift(tech, day)
    if shift is None:
        return None
    free = [(config.clock_seconds(shift.start), config.clock_seconds(shift.end))]
    for off in time_off:
        a = config.seconds_of(off.starts_at, day, zone)
        b = config.seconds_of(off.ends_at, day, zone)
        pieces = []
        for start, end in free:
            if b <= start or a >= end:
                pieces.append((start, end))
                continue
            if a > start:
                pieces.append((start, a))
            if b < end:
                pieces.append((b, end))
        free = pieces
    if not free:
        return None
    start, end = max(free, key=lambda p: p[1] - p[0])
    return TimeWindow(start, end) if end > start else None


@dataclass
class DayInput:
    problem: Problem
    appointments: dict[str, Appointment]
    technicians: dict[str, Technician]
    needed: dict[str, str]  # job id -> skills, for people
    broken: list[dict[str, Any]]  # appointments that could not even become a job


def build_day(
    station: ServiceStation,
    day: date,
    *,
    now: datetime,
    keep_technicians: bool = False,
    balance: Balance | None = None,
) -> DayInput:
    organization = station.organization
    zone = config.zone_of(organization)
    today = timezone.localtime(now, zone).date()
    now_s = max(0, config.seconds_of(now, day, zone)) if day == today else None
    start_all, end_all = config.midnight(day, zone), config.midnight(day + timedelta(days=1), zone)
    appointments = list(
        Appointment.objects.filter(
            station=station,
            window_start__gte=start_all,
            window_start__lt=end_all,
            status__in=[*Appointment.ACTIVE, Appointment.Status.DONE],
        )
        .exclude(request__status__in=[Status.CANCELLED, Status.CLOSED], status__in=Appointment.ACTIVE)
        .select_related(
            "request", "request__customer", "request__unit__product_model__category", "technician"
        )
        .order_by("window_start", "id")
    )
    techs = technicians_of(organization.pk, [station.pk])
    off: dict[int, list[TimeOff]] = defaultdict(list)
    for row in TimeOff.objects.filter(technician__in=techs, ends_at__gt=start_all, starts_at__lt=end_all):
        off[row.technician_id].append(row)
    requirements = list(SkillRequirement.objects.filter(organization=organization))
    names = category_names(organization.pk)

    finished: dict[int, int] = defaultdict(int)
    finished_s: dict[int, int] = defaultdict(int)
    last_place: dict[int, tuple[datetime, LatLon]] = {}
    jobs: list[Job] = []
    by_job: dict[str, Appointment] = {}
    needed_text: dict[str, str] = {}
    broken: list[dict[str, Any]] = []
    on_site: dict[int, Appointment] = {}
    for appt in appointments:
        done = appt.status == Appointment.Status.DONE or appt.checked_out_at is not None
        if done and appt.technician_id is not None:
            finished[appt.technician_id] += 1
            finished_s[appt.technician_id] += config.service_minutes(appt.request.kind) * 60
            point = request_point(appt.request)
            if appt.checked_out_latitude is not None and appt.checked_out_longitude is not None:
                point = LatLon(appt.checked_out_latitude, appt.checked_out_longitude)
            moment = appt.checked_out_at or appt.window_end
            if point is not None and (
                appt.technician_id not in last_place or last_place[appt.technician_id][0] < moment
            ):
                last_place[appt.technician_id] = (moment, point)
            continue
        if appt.checked_in_at is not None and appt.technician_id is not None:
            on_site[appt.technician_id] = appt

    tech_by_id: dict[str, Technician] = {}
    routing_techs: list[RoutingTechnician] = []
    calendars = StationCalendars(organization)
    for tech in techs:
        shift = _shift(tech, day, off.get(tech.pk, []), zone, calendars)
        if shift is None and tech.pk not in on_site:
            continue
        if shift is None:  # on a visit outside their hours: let them finish it, nothing more
            begun = config.seconds_of(on_site[tech.pk].checked_in_at or now, day, zone)
            shift = TimeWindow(max(0, begun), max(0, begun))
        start = tech.start_point
        if now_s is not None and tech.pk in last_place and tech.pk not in on_site:
            start = last_place[tech.pk][1]
        ident = f"T{tech.pk}"
        tech_by_id[ident] = tech
        routing_techs.append(
            RoutingTechnician(
                id=ident,
                start=start,
                end=tech.end_point,
                shift=shift,
                skills=skills.technician_tokens(tech),
                max_jobs=max(0, tech.max_jobs_per_day - finished.get(tech.pk, 0)),
                done_jobs=finished.get(tech.pk, 0),
                done_work_s=finished_s.get(tech.pk, 0),
            )
        )

    for appt in appointments:
        if appt.status == Appointment.Status.DONE or appt.checked_out_at is not None:
            continue
        ident = f"A{appt.pk}"
        request = appt.request
        needed = skills.required_tokens(request, requirements)
        needed_text[ident] = skills.labels(needed, names)
        booked_with = f"T{appt.technician_id}" if f"T{appt.technician_id}" in tech_by_id else None
        in_progress = appt.checked_in_at is not None and booked_with is not None
        try:
            point = request_point(request)
            if point is None:
                raise InvalidCoordinatesError(_("服务地址没有坐标"))
            window = TimeWindow(
                max(0, config.seconds_of(appt.window_start, day, zone)),
                min(DAY_S * 2, config.seconds_of(appt.window_end, day, zone)),
            )
            job = Job(
                id=ident,
                location=point,
                window=window,
                service_s=config.service_minutes(request.kind) * 60,
                skills_required=needed,
                priority=_priority(request),
                required=True,
                fixed_technician=booked_with if in_progress or keep_technicians else None,
                in_progress=in_progress,
                started_s=max(0, config.seconds_of(appt.checked_in_at, day, zone))
                if in_progress and appt.checked_in_at
                else None,
            )
        except (InvalidCoordinatesError, RoutingInputError) as exc:
            broken.append(
                {
                    "appointment": appt.pk,
                    "number": request.number,
                    "reason": "invalid_input",
                    "message": _("预约数据无法规划：%(why)s") % {"why": exc},
                    "detail": str(exc),
                }
            )
            continue
        jobs.append(job)
        by_job[ident] = appt
    problem = Problem(jobs=jobs, technicians=routing_techs, now_s=now_s, balance=balance)
    return DayInput(problem, by_job, tech_by_id, needed_text, broken)


def _warm_start(plan: DayPlan | None, problem: Problem) -> Plan | None:
    """The stored plan as a hint for the solver, so a re-plan moves as few visits as it can."""
    if plan is None:
        return None
    jobs = {j.id: j for j in problem.jobs}
    routes: dict[str, list[Stop]] = defaultdict(list)
    for stop in plan.stops.order_by("technician_id", "sequence"):
        job = jobs.get(f"A{stop.appointment_id}")
        if job is not None:
            routes[f"T{stop.technician_id}"].append(Stop(job, 0, 0, 0, 0, 0, fixed=stop.fixed))
    return Plan(tuple(Route(t, 0, 0, tuple(s), 0, 0) for t, s in routes.items()), (), "stored")


DEFAULT_SPREAD = {BalanceBy.VISITS: 1, BalanceBy.WORK_TIME: 30}


def balance_of(objective: str, balance_by: str, max_spread: int | None) -> Balance | None:
    """The routing limit for a dispatcher's choice; ``None`` for least travel."""
    if objective == PlanObjective.LEAST_TRAVEL:
        return None
    if objective != PlanObjective.BALANCED:
        raise InvalidInput({"objective": _("请选择规划目标。")})
    if balance_by not in BalanceBy.values:
        raise InvalidInput({"balance_by": _("请选择均衡依据。")})
    spread = DEFAULT_SPREAD[BalanceBy(balance_by)] if max_spread is None else max_spread
    try:
        return Balance(by=balance_by, max_spread=spread)  # type: ignore[arg-type]
    except RoutingInputError:
        if balance_by == BalanceBy.VISITS:
            raise InvalidInput({"max_spread": _("单数差距须在 1 到 50 之间。")}) from None
        raise InvalidInput({"max_spread": _("工时差距须在 0 到 200% 之间。")}) from None


def plan_day(
    *,
    station: ServiceStation,
    day: date,
    by: User | None,
    now: datetime | None = None,
    time_limit_s: float = 2.0,
    solver: RoutingSolver | None = None,
    keep_technicians: bool = False,
    objective: str | None = None,
    balance_by: str | None = None,
    max_spread: int | None = None,
) -> DayPlan:
    """Plan (or re-plan) ``station``'s ``day`` and store the routes; returns the stored plan.

    ``keep_technicians``: only order each technician's own visits, move none to someone else.
    ``objective``: least travel, or balanced (least travel among plans whose spread of visits,
    or of on-site time, stays within ``max_spread``); left out, the stored plan's choice is kept
    (a re-plan after a booking), else least travel.
    """
    now = now or timezone.now()
    organization = station.organization
    zone = config.zone_of(organization)
    if day < timezone.localtime(now, zone).date():
        raise InvalidInput({"date": _("不能规划已经过去的日期。")})
    existing = DayPlan.objects.filter(station=station, day=day).first()
    if objective is None:
        objective = existing.objective if existing else PlanObjective.LEAST_TRAVEL
        if existing and objective == PlanObjective.BALANCED:
            balance_by, max_spread = balance_by or existing.balance_by, max_spread or existing.max_spread
    balance_by = balance_by or BalanceBy.VISITS
    balance = balance_of(objective, balance_by, max_spread)
    data = build_day(station, day, now=now, keep_technicians=keep_technicians, balance=balance)
    if solver is None:
        solver = PyVRPSolver(travel=config.travel_for(config.policy_for(organization), station.city))
    plan = solver.solve(
        data.problem, time_limit_s=time_limit_s, warm_start=_warm_start(existing, data.problem)
    )
    base = config.midnight(day, zone)

    def at(seconds: int) -> datetime:
        return base + timedelta(seconds=seconds)

    unassigned = list(data.broken)
    for left in plan.unassigned:
        appt = data.appointments[left.job.id]
        unassigned.append(
            {
                "appointment": appt.pk,
                "number": appt.request.number,
                "reason": str(left.reason),
                "message": reason_text(left.reason, str(left.job.window), data.needed.get(left.job.id, "")),
                "detail": left.message,
            }
        )
    with transaction.atomic():
        stored, _created = DayPlan.objects.update_or_create(
            station=station,
            day=day,
            defaults={
                "organization": organization,
                "solver": plan.solver,
                "planned_at": timezone.now(),
                "planned_by": by,
                "distance_m": plan.distance_m,
                "unassigned": unassigned,
                "stats": {
                    **{k: round(float(v), 3) for k, v in plan.stats.items()},
                    **{f"route_m:{data.technicians[r.technician_id].pk}": r.distance_m for r in plan.routes},
                },
                "objective": objective,
                "balance_by": balance_by if balance else BalanceBy.VISITS,
                "max_spread": balance.max_spread if balance else None,
            },
        )
        stored.stops.all().delete()
        rows = []
        for route in plan.routes:
            tech = data.technicians[route.technician_id]
            previous: str | None = None
            for n, stop in enumerate(route.stops, start=1):
                appt = data.appointments[stop.job.id]
                rows.append(
                    RouteStop(
                        plan=stored,
                        appointment=appt,
                        technician=tech,
                        sequence=n,
                        arrival_at=at(stop.arrival_s),
                        start_at=at(stop.start_s),
                        departure_at=at(stop.departure_s),
                        travel_m=stop.travel_m,
                        travel_s=stop.travel_s,
                        fixed=stop.fixed,
                        reasons=_reasons(data, station, route, stop, previous, plan, at),
                    )
                )
                previous = appt.request.number
                if appt.technician_id != tech.pk and not stop.fixed:
                    _reassign(appt, tech, by)
        RouteStop.objects.bulk_create(rows)
    return stored


def _reasons(
    data: DayInput,
    station: ServiceStation,
    route: Route,
    stop: Stop,
    previous: str | None,
    plan: Plan,
    at: Any,
) -> list[dict[str, Any]]:
    """Why ``stop`` is in this technician's route, as codes with parameters (``explain`` words them)."""
    job = stop.job
    if stop.fixed:
        return [{"code": "on_site"}]
    problem = data.problem
    me = next(t for t in problem.technicians if t.id == route.technician_id)
    others = sum(1 for t in problem.technicians if t.id != me.id and t.qualified_for(job))
    out: list[dict[str, Any]] = []
    if job.fixed_technician is not None:
        out.append({"code": "kept"})
    out.append({"code": "skills", "skills": data.needed.get(job.id, ""), "others": others})
    km = float(haversine_between_m([(station.latitude, station.longitude)], [job.location])[0, 0]) / 1000
    radius = int(station.service_radius_km or 0)
    out.append(
        {
            "code": "coverage",
            "station": station.name,
            "km": round(km, 1),
            "radius": radius,
            "inside": radius <= 0 or km <= radius,
        }
    )
    out.append(
        {
            "code": "leg",
            "km": round(stop.travel_m / 1000, 1),
            "minutes": round(stop.travel_s / 60),
            "from": previous or "",
        }
    )
    window = job.window
    out.append(
        {
            "code": "window",
            "start": at(stop.start_s).strftime("%H:%M"),
            "window": f"{at(window.start):%H:%M}–{at(window.end):%H:%M}",
            "wait": max(0, round(stop.wait_s / 60)),
        }
    )
    balance = problem.balance
    if balance is None:
        out.append({"code": "least_travel"})
    elif job.id in plan.over_limit:
        out.append({"code": "over_limit", "by": str(balance.by), "limit": balance.max_spread})
    else:
        mine = sum(1 for s in route.stops) + me.done_jobs
        out.append({"code": "balance", "by": str(balance.by), "limit": balance.max_spread, "visits": mine})
    return out


def explain(reasons: list[dict[str, Any]]) -> list[str]:
    """``RouteStop.reasons`` in the reader's language."""
    lines = []
    for r in reasons:
        code = r.get("code")
        if code == "on_site":
            lines.append(_("工程师已在现场，保持不动"))
        elif code == "kept":
            lines.append(_("只调整顺序，保留原工程师"))
        elif code == "skills":
            if r.get("skills"):
                text = _("具备所需技能：%(skills)s") % {"skills": r["skills"]}
            else:
                text = _("无特殊技能要求")
            others = int(r.get("others", 0))
            if others == 0:
                text += _("（唯一符合条件的在岗工程师）")
            else:
                text += _("（另有 %(n)d 位符合条件）") % {"n": others}
            lines.append(text)
        elif code == "coverage":
            values = {"station": r.get("station", ""), "km": r.get("km", 0), "radius": r.get("radius", 0)}
            if r.get("inside", True):
                lines.append(_("距%(station)s %(km)s 公里，在 %(radius)s 公里服务半径内") % values)
            else:
                lines.append(_("距%(station)s %(km)s 公里，超出 %(radius)s 公里服务半径") % values)
        elif code == "leg":
            values = {"km": r.get("km", 0), "min": r.get("minutes", 0), "from": r.get("from", "")}
            if r.get("from"):
                lines.append(_("从上一单 %(from)s 过来 %(km)s 公里，约 %(min)s 分钟") % values)
            else:
                lines.append(_("从出发点过来 %(km)s 公里，约 %(min)s 分钟") % values)
        elif code == "window":
            values = {"start": r.get("start", ""), "window": r.get("window", ""), "wait": r.get("wait", 0)}
            if r.get("wait"):
                lines.append(
                    _("%(start)s 开始服务，在预约时段 %(window)s 内（提前到达等候 %(wait)s 分钟）") % values
                )
            else:
                lines.append(_("%(start)s 开始服务，在预约时段 %(window)s 内") % values)
        elif code == "least_travel":
            lines.append(_("目标：总里程最短"))
        elif code in ("balance", "over_limit"):
            limit = r.get("limit", 0)
            rule = (
                _("每人上门单数相差不超过 %(n)s 单")
                if r.get("by") == BalanceBy.VISITS
                else _("每人现场工时相差不超过平均的 %(n)s%%")
            ) % {"n": limit}
            if code == "balance":
                lines.append(
                    _("目标：均衡工作量（%(rule)s），本人当天 %(visits)s 单")
                    % {"rule": rule, "visits": r.get("visits", 0)}
                )
            else:
                lines.append(_("超出均衡限制（%(rule)s）：限制内没有别人能接这一单") % {"rule": rule})
    return lines


def _reassign(appointment: Appointment, technician: Technician, by: User | None) -> None:
    before = appointment.technician.name if appointment.technician else gettext_noop("无")
    Appointment.objects.filter(pk=appointment.pk).update(
        technician=technician, version=appointment.version + 1
    )
    appointment.technician = technician
    appointment.version += 1
    request = appointment.request
    if request.assignee_id == technician.user_id:
        return
    was = request.status
    why = text(codes.ROUTE_REASSIGNED, old=before, new=technician.name)
    request = service_services.request_assign(request=request, assignee=technician.user, by=by, reason=why)
    if was == Status.SCHEDULED and request.status == Status.ASSIGNED:
        # Assigning steps a scheduled request back; the promised window has not changed.
        service_services.request_transition(request=request, name="schedule", by=by, reason=why, notify=False)


def plan_of(station: ServiceStation, day: date) -> DayPlan | None:
    return DayPlan.objects.filter(station=station, day=day).first()
