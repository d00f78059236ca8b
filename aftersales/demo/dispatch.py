"""Demo step: technicians at every station, today's visits and routes, a year of repair records.

Technician profiles (skills by category and kind of work, certificates, shifts) for the demo's
technician accounts and a few more per station; today's appointments for every station, booked
only into windows the technician can really keep (``daybook``), some already done or under way
depending on the time of day, then each station's day planned by the route optimizer; and a
repair record (fault, parts covered or charged, times, costs, first-time fix) for every closed
field request of the past year. Written with bulk inserts, like the other demo steps.

One module per demo step; this one is longer than ~400 lines because its parts (technicians,
today's visits and routes, the year of repair records) share the step's in-memory lookups
(``_Orgs``, ``_Day``, ``_Coverage``) instead of querying them again.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from aftersales.accounts.models import Organization, Role, User
from aftersales.catalog.models import PartWarrantyOverride, SparePart
from aftersales.core.dates import add_months
from aftersales.customers.models import CustomerAddress, Unit
from aftersales.demo import request_texts as texts
from aftersales.demo.context import DemoContext, person_name
from aftersales.demo.data import ORGS
from aftersales.demo.requests import stamp_last_activity
from aftersales.dispatch import config
from aftersales.dispatch import event_codes as codes
from aftersales.dispatch import skills as sk
from aftersales.dispatch.charges import money
from aftersales.dispatch.daybook import TechDay, Visit, can_take
from aftersales.dispatch.models import (
    Appointment,
    DispatchPolicy,
    MailInShipment,
    PartUsage,
    RepairRecord,
    Shift,
    SkillRequirement,
    Technician,
    TechnicianSkill,
)
from aftersales.dispatch.planning import plan_day
from aftersales.dispatch.routing import TimeWindow
from aftersales.dispatch.travel import LatLon
from aftersales.service.event_text import EventText, fields, text
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.stations.coverage import uncovered_mask
from aftersales.stations.models import ServiceStation

TECHS_PER_STATION = 3
VISITS_PER_STATION = 6
VISITS_TOMORROW = 5
PLAN_SECONDS = 0.15
FIELD = ("installation", "repair", "maintenance")
# category -> certificate its work needs (and the level), as the demo organizations require it
CERTIFICATES = {
    "ac": ("refrigerant", 1, "installation"),
    "heater": ("gas", 1, ""),
    "ev": ("high_voltage", 2, ""),
}
INSTALLABLE = {"ac", "fridge", "washer", "tv", "heater", "ev"}
FAULTS: dict[str, list[tuple[str, str, str]]] = {
    "ac": [
        ("E1", "室内机不制冷，检测压力偏低", "冷媒泄漏"),
        ("E6", "室外机不启动", "压缩机电容损坏"),
        ("F3", "遥控无反应", "遥控器故障"),
        ("P4", "主板报错", "主控板损坏"),
    ],
    "fridge": [("R2", "冷藏室温度偏高", "温控器失灵"), ("R5", "门封漏冷", "门封条老化")],
    "washer": [("W1", "不排水", "排水泵堵塞"), ("W4", "脱水异响", "电机轴承磨损")],
    "tv": [("T1", "开机黑屏有声音", "背光/屏组件故障"), ("T3", "无法开机", "电源板损坏")],
    "heater": [("H2", "点火失败", "点火器故障"), ("H5", "出水不热", "加热管结垢")],
    "phone": [("M1", "屏幕碎裂", "外力损坏"), ("M3", "电池鼓包", "电池老化")],
    "laptop": [("L2", "键盘失灵", "键盘排线松动"), ("L4", "无法开机", "主板供电故障")],
    "sedan": [("C1", "刹车异响", "刹车片磨损"), ("C3", "空调不制冷", "空调压缩机故障")],
    "suv": [("C2", "底盘异响", "减震器漏油")],
    "ev": [("V1", "续航明显下降", "电池包单体不一致"), ("V3", "无法充电", "车载充电机故障")],
}
DEFAULT_FAULTS = [("G1", "功能异常", "部件老化")]
TRAVEL_BETWEEN_SITES = timedelta(minutes=15)  # the least a technician takes from one visit to the next
_DRAFTS = itertools.count()  # unique numbers until the ids, and so the real numbers, are known


@dataclass
class _Orgs:
    stations: dict[int, list[ServiceStation]] = field(default_factory=dict)
    technicians: dict[int, list[Technician]] = field(default_factory=dict)  # by station id


def _local(day: datetime | None = None) -> datetime:
    return timezone.localtime(day or timezone.now())


def _technicians(
    ctx: DemoContext,
    org: Organization,
    stations: list[ServiceStation],
    spec_prefix: str,
    categories: list[str],
    password: str,
) -> dict[int, list[Technician]]:
    rng = ctx.rng
    existing = list(User.objects.filter(organization=org, role=Role.TECHNICIAN).order_by("username"))
    users: list[User] = []
    new_users: list[User] = []
    for s_idx in range(len(stations)):
        for j in range(TECHS_PER_STATION):
            n = s_idx * TECHS_PER_STATION + j
            if n < len(existing):
                users.append(existing[n])
                continue
            user = User(
                username=f"{spec_prefix}-tech-{s_idx + 1:02d}-{j + 1}",
                role=Role.TECHNICIAN,
                organization=org,
                first_name=person_name(rng),
                email=f"{spec_prefix}-tech-{s_idx + 1:02d}-{j + 1}@demo.aftersales.local",
                password=password,
            )
            users.append(user)
            new_users.append(user)
    User.objects.bulk_create(new_users)
    by_username = {u.username: u for u in User.objects.filter(organization=org, role=Role.TECHNICIAN)}
    techs = [
        Technician(
            organization=org,
            user=by_username[u.username],
            home_station=stations[i // TECHS_PER_STATION],
            max_jobs_per_day=rng.choice([6, 7, 8, 8]),
        )
        for i, u in enumerate(users)
    ]
    Technician.objects.bulk_create(techs)
    skills: list[TechnicianSkill] = []
    shifts: list[Shift] = []
    today = ctx.today.weekday()
    for i, tech in enumerate(techs):
        j = i % TECHS_PER_STATION
        # Each station covers every category: technician j leaves out one category in three.
        mine = [
            c for k, c in enumerate(categories) if len(categories) < 3 or k % TECHS_PER_STATION != j
        ] or categories
        for code in mine:
            skills.append(
                TechnicianSkill(technician=tech, kind="category", code=code, level=rng.choice([1, 2, 2, 3]))
            )
            cert = CERTIFICATES.get(code)
            if cert is not None and (j == 0 or rng.random() < 0.6):
                skills.append(
                    TechnicianSkill(
                        technician=tech,
                        kind="certification",
                        code=cert[0],
                        level=max(cert[1], rng.choice([1, 2, 3])),
                    )
                )
        for kind in FIELD:
            skills.append(
                TechnicianSkill(technician=tech, kind="work", code=kind, level=rng.choice([1, 2, 3]))
            )
        day_off = (today + 2 + j) % 7  # never today or tomorrow: the demo days have everyone at work
        start, end = rng.choice(
            [(time(8), time(18)), (time(8), time(18)), (time(9), time(18)), (time(8), time(17))]
        )
        shifts += [Shift(technician=tech, weekday=d, start=start, end=end) for d in range(7) if d != day_off]
    TechnicianSkill.objects.bulk_create(skills, ignore_conflicts=True)
    Shift.objects.bulk_create(shifts)
    out: dict[int, list[Technician]] = defaultdict(list)
    for tech in (
        Technician.objects.filter(organization=org)
        .select_related("user", "home_station")
        .prefetch_related("skills", "shifts")
    ):
        out[tech.home_station_id].append(tech)
    return out


def _requirements(org: Organization, categories: dict[str, int]) -> None:
    rows = [
        SkillRequirement(
            organization=org,
            category_id=categories[code],
            request_kind=kind,
            skill_code=cert,
            min_level=level,
        )
        for code, (cert, level, kind) in CERTIFICATES.items()
        if code in categories
    ]
    SkillRequirement.objects.bulk_create(rows)


@dataclass
class _Day:
    requests: list[ServiceRequest] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    events: list[list[RequestEvent]] = field(default_factory=list)


def _book_day(
    ctx: DemoContext,
    org: Organization,
    stations: list[ServiceStation],
    techs: dict[int, list[Technician]],
    *,
    today: date,
    per_station: int,
    used: set[int],
    now: datetime,
) -> _Day:
    """Book each station's visits for ``today`` into windows the technicians can keep; those
    whose time has come by ``now`` are under way or done."""
    rng = ctx.rng
    zone = config.zone_of(org)
    policy = DispatchPolicy(organization=org)
    addresses = {
        a.customer_id: a
        for a in CustomerAddress.objects.filter(customer__organization=org, is_default=True)
        if a.latitude is not None and a.longitude is not None
    }
    # A unit with an open request gets no second one (the demo keeps one open request per unit).
    busy = set(
        ServiceRequest.objects.filter(organization=org, unit__isnull=False)
        .exclude(status__in=["closed", "cancelled"])
        .values_list("unit_id", flat=True)
    )
    units: dict[int, list[Unit]] = defaultdict(list)
    for unit in (
        Unit.objects.filter(organization=org, customer_id__in=list(addresses))
        .exclude(pk__in=busy)
        .select_related("product_model__category", "customer")
    ):
        units[unit.customer_id or 0].append(unit)
    dispatcher = User.objects.filter(organization=org, role=Role.DISPATCHER).first()
    out = _Day()
    booked_for: list[Technician] = []  # the technician of each booked visit, in booking order
    for station in stations:
        crew = techs.get(station.pk, [])
        if not crew:
            continue
        travel = config.travel_for(policy, station.city)  # the speeds the planner will use
        mask = uncovered_mask(
            [station], [(a.latitude or 0.0, a.longitude or 0.0) for a in addresses.values()]
        )
        nearby = [
            a
            for a, outside in zip(addresses.values(), mask, strict=True)
            if not outside and a.customer_id not in used
        ]
        rng.shuffle(nearby)
        days = {
            t.pk: TechDay(
                start=t.start_point, end=t.end_point, max_jobs=t.max_jobs_per_day, shift=_shift(t, today)
            )
            for t in crew
        }
        booked = 0
        for address in nearby:
            if booked >= per_station:
                break
            found = next(
                (
                    u
                    for u in units.get(address.customer_id, [])
                    if any(
                        sk.token("category", u.product_model.category.code) in sk.technician_tokens(t)
                        for t in crew
                    )
                ),
                None,
            )
            if found is None:
                continue
            unit = found
            category = unit.product_model.category.code
            kind = rng.choice(
                ["repair", "repair", "maintenance"] + (["installation"] if category in INSTALLABLE else [])
            )
            hour = 8 + 2 * (booked % 5)
            window = TimeWindow(hour * 3600, (hour + 2) * 3600)
            point = LatLon(address.latitude or 0.0, address.longitude or 0.0)
            visit = Visit(str(booked), point, window, config.service_minutes(kind) * 60)
            needed = frozenset({sk.token("category", category), sk.token("work", kind)})
            cert = CERTIFICATES.get(category)
            if cert is not None and cert[2] in ("", kind):
                needed |= {sk.token("certification", cert[0], cert[1])}
            tech = next(
                (
                    t
                    for t in sorted(crew, key=lambda t: len(days[t.pk].visits))
                    if needed <= sk.technician_tokens(t)
                    and days[t.pk].shift.end > 0
                    and can_take(days[t.pk], visit, travel)
                ),
                None,
            )
            if tech is None:
                continue
            day = days[tech.pk]
            days[tech.pk] = TechDay(day.start, day.end, day.shift, day.max_jobs, (*day.visits, visit))
            used.add(address.customer_id)
            booked += 1
            start = config.midnight(today, zone) + timedelta(hours=hour)
            out.requests.append(_request(ctx, org, unit, address, kind, min(now, start)))
            appointment = Appointment(
                organization=org,
                request=out.requests[-1],
                technician=tech,
                station=station,
                window_start=start,
                window_end=start + timedelta(hours=2),
                booked_by=dispatcher,
                created_at=out.requests[-1].created_at + timedelta(minutes=20),
            )
            out.appointments.append(appointment)
            out.events.append([])
            booked_for.append(tech)
    # The day so far, each technician's visits in the order of their windows: one site at a
    # time, so a visit starts only after the one before it ended (and travel).
    free_at: dict[int, datetime] = {}
    for i in sorted(range(len(booked_for)), key=lambda i: out.appointments[i].window_start):
        out.events[i] = _progress(
            rng, out.requests[i], out.appointments[i], booked_for[i], dispatcher, now, free_at
        )
    return out


def _shift(tech: Technician, day: object) -> TimeWindow:
    shift = next((s for s in tech.shifts.all() if s.weekday == day.weekday()), None)  # type: ignore[attr-defined]
    if shift is None:
        return TimeWindow(0, 0)
    return TimeWindow(config.clock_seconds(shift.start), config.clock_seconds(shift.end))


def _request(
    ctx: DemoContext, org: Organization, unit: Unit, address: CustomerAddress, kind: str, before: datetime
) -> ServiceRequest:
    """A request opened 14–40 hours before `before` (now, or the visit's window if that started already)."""
    rng = ctx.rng
    created = before - timedelta(hours=rng.randint(14, 40), minutes=rng.randint(0, 59))
    problems = texts.CATEGORY.get(unit.product_model.category.code, {}).get(kind) or []
    default = {"installation": "预约安装", "repair": "上门维修", "maintenance": "上门保养"}[kind]
    subject, description = rng.choice(problems) if problems else (default, default)
    return ServiceRequest(
        number=f"DEMO-D{next(_DRAFTS):08d}",
        organization=org,
        customer=unit.customer,
        unit=unit,
        kind=kind,
        channel=rng.choice(["phone", "app", "web"]),
        priority="urgent" if rng.random() < 0.1 else "normal",
        status="scheduled",
        subject=str(subject)[:200],
        description=str(description),
        fulfilment="onsite",
        address_region=address.region,
        address_detail=address.detail,
        latitude=address.latitude,
        longitude=address.longitude,
        created_at=created,
        first_response_at=created,
    )


def _step(
    actor: User | None,
    label: str,
    at: datetime,
    source: str,
    target: str,
    transition: str,
    why: EventText | None = None,
) -> RequestEvent:
    """The status event the lifecycle writes when ``transition`` takes a request from ``source`` to ``target``."""
    return RequestEvent(
        kind="status",
        actor=actor,
        actor_label=label,
        from_status=source,
        to_status=target,
        created_at=at,
        data={"transition": transition},
        **(fields(why) if why is not None else {}),
    )


def _progress(
    rng: random.Random,
    sr: ServiceRequest,
    appointment: Appointment,
    tech: Technician,
    dispatcher: User | None,
    now: datetime,
    free_at: dict[int, datetime],
) -> list[RequestEvent]:
    """The request's timeline so far; visits whose window has passed are done, the current one under way.
    ``free_at``: when each technician left their previous site (updated here)."""
    name = tech.user.get_full_name() or tech.user.username
    who = (dispatcher.get_full_name() or dispatcher.username) if dispatcher else "系统"
    created = sr.created_at
    window = f"{_local(appointment.window_start):%Y-%m-%d %H:%M}–{_local(appointment.window_end):%H:%M}"
    booked = text(codes.BOOKED, technician=name)  # written as codes, as the booking service writes them
    events = [
        RequestEvent(
            kind="created",
            actor_label=sr.customer.name,
            to_status="new",
            created_at=created,
            data={"channel": sr.channel, "kind": sr.kind},
        ),
        _step(dispatcher, who, created + timedelta(minutes=5), "new", "accepted", "accept"),
        _step(dispatcher, who, created + timedelta(minutes=20), "accepted", "assigned", "assign", booked),
        RequestEvent(
            kind="assignment",
            actor=dispatcher,
            actor_label=who,
            public=False,
            **fields(booked),
            created_at=created + timedelta(minutes=20),
            data={"from": None, "to": tech.user.username, "to_name": name},
        ),
        _step(
            dispatcher,
            who,
            created + timedelta(minutes=21),
            "assigned",
            "scheduled",
            "schedule",
            text(codes.SCHEDULED, why=booked, window=window),
        ),
    ]
    sr.assignee = tech.user
    sr.version = 5
    arrive = appointment.window_start + timedelta(minutes=rng.randint(5, 50))
    if tech.pk in free_at:
        arrive = max(arrive, free_at[tech.pk] + TRAVEL_BETWEEN_SITES)
    leave = arrive + timedelta(minutes=config.service_minutes(sr.kind) + rng.randint(-10, 20))
    free_at[tech.pk] = leave
    if arrive > now:
        return events
    appointment.checked_in_at = arrive
    events.append(
        _step(
            tech.user,
            name,
            arrive,
            "scheduled",
            "in_progress",
            "start",
            text(codes.CHECKED_IN, technician=name),
        )
    )
    sr.status = "in_progress"
    if leave > now:
        return events
    appointment.checked_out_at = leave
    appointment.status = Appointment.Status.DONE
    sr.status = "resolved"
    sr.resolved_at = leave
    events.append(
        _step(
            tech.user,
            name,
            leave,
            "in_progress",
            "resolved",
            "resolve",
            text(codes.SIGNED, who=sr.customer.name),
        )
    )
    return events


def _save_day(day: _Day) -> None:
    ServiceRequest.objects.bulk_create(day.requests)
    for sr in day.requests:
        sr.number = f"SR-{timezone.localtime(sr.created_at).year}-{sr.pk:06d}"
    ServiceRequest.objects.bulk_update(day.requests, ["number"])
    for appointment in day.appointments:
        appointment.request = appointment.request  # now with its id
    Appointment.objects.bulk_create(day.appointments)
    events = []
    for sr, rows in zip(day.requests, day.events, strict=True):
        for event in rows:
            event.request = sr
            events.append(event)
    RequestEvent.objects.bulk_create(events)
    if day.requests:
        stamp_last_activity(day.requests[0].pk, day.requests[-1].pk)


# --- a year of repair records --------------------------------------------------------------------


class _Coverage:
    """Catalogue warranty terms, in memory: the demo prices a thousand repairs without a query each."""

    def __init__(self, org: Organization) -> None:
        self.overrides = {
            (o.product_model_id, o.spare_part_id): o.months
            for o in PartWarrantyOverride.objects.filter(product_model__organization=org)
        }

    def covered(self, unit: Unit, part: SparePart | None, on: datetime) -> bool:
        model = unit.product_model
        months = model.whole_unit_months
        if part is not None:
            months = self.overrides.get((model.pk, part.pk)) or (
                max(months, model.main_parts_months) if part.is_main_part else months
            )
        return _local(on).date() <= add_months(unit.delivery_date or unit.purchase_date, months)


def _records(
    ctx: DemoContext,
    org: Organization,
    techs_by_user: dict[int, Technician],
    day_records: list[tuple[ServiceRequest, Appointment]],
) -> tuple[int, int]:
    rng = ctx.rng
    policy = DispatchPolicy(organization=org)
    coverage = _Coverage(org)
    parts: dict[int, list[SparePart]] = defaultdict(list)
    for part in SparePart.objects.filter(organization=org).prefetch_related("fits"):
        for model in part.fits.all():
            parts[model.pk].append(part)
    history = list(
        ServiceRequest.objects.filter(
            organization=org, kind__in=FIELD, status="closed", resolved_at__isnull=False
        )
        .select_related("unit__product_model__category", "customer")
        .order_by("id")
    )
    jobs: list[tuple[ServiceRequest, Appointment | None]] = [
        (sr, None) for sr in history if sr.unit is not None
    ]
    jobs += [(sr, a) for sr, a in day_records]
    records: list[RepairRecord] = []
    usages: list[list[PartUsage]] = []
    shipments: list[MailInShipment] = []
    for sr, appointment in jobs:
        unit = sr.unit
        assert unit is not None
        category = unit.product_model.category.code
        code, diagnosis, cause = rng.choice(FAULTS.get(category, DEFAULT_FAULTS))
        done = sr.resolved_at or timezone.now()
        onsite = sr.fulfilment == "onsite"
        labour = (
            rng.choice([30, 45, 60, 60, 90, 120]) if sr.kind != "maintenance" else rng.choice([30, 45, 60])
        )
        km = Decimal(str(round(rng.uniform(2, 25), 1))) if onsite else Decimal("0")
        record = RepairRecord(
            organization=org,
            request=sr,
            appointment=appointment,
            technician=techs_by_user.get(sr.assignee_id or 0),
            fault_code=code,
            diagnosis=diagnosis,
            cause=cause,
            labour_minutes=labour,
            travel_minutes=int(km * 3) if onsite else 0,
            onsite_minutes=labour + rng.randint(5, 25) if onsite else 0,
            parts_wait_minutes=rng.choice([0] * 8 + [1440, 2880, 4320]) if sr.kind == "repair" else 0,
            travel_km=km,
            first_time_fix=sr.reopen_count == 0,
            signed_by=sr.customer.name if onsite else "",
            completed_at=done,
            created_at=done - timedelta(minutes=labour),
        )
        lines = []
        if sr.kind == "repair" and parts.get(unit.product_model_id) and rng.random() < 0.7:
            for part in rng.sample(
                parts[unit.product_model_id], k=min(len(parts[unit.product_model_id]), rng.choice([1, 1, 2]))
            ):
                covered = coverage.covered(unit, part, done)
                lines.append(
                    PartUsage(
                        spare_part=part,
                        quantity=1,
                        unit_price=part.price,
                        covered=covered,
                        charge=Decimal("0.00") if covered else part.price,
                        serial_in=f"{part.part_number}-{rng.randrange(10**6):06d}",
                        basis="保修期内" if covered else "已过保修期",
                    )
                )
        labour_covered = coverage.covered(unit, None, done)
        record.parts_cost = money(sum((p.unit_price for p in lines), Decimal(0)))
        record.labour_cost = money(Decimal(labour) / 60 * policy.labour_rate)
        record.travel_cost = money(km * policy.travel_cost_per_km)
        record.charge_parts = money(sum((p.charge for p in lines), Decimal(0)))
        record.charge_labour = Decimal("0.00") if labour_covered else record.labour_cost
        record.charge_visit = Decimal("0.00") if labour_covered or not onsite else policy.visit_fee
        record.charge_total = record.charge_parts + record.charge_labour + record.charge_visit
        record.coverage = (
            "covered"
            if record.charge_total == 0
            else "partly"
            if labour_covered or any(p.covered for p in lines)
            else "charged"
        )
        record.coverage_note = "整机保修期内" if labour_covered else "已过整机保修期"
        if sr.fulfilment == "mail_in":
            cost = Decimal(rng.choice(["12.00", "15.00", "18.00", "23.00"]))
            record.logistics_cost = cost * 2
            shipments.append(
                MailInShipment(
                    organization=org,
                    request=sr,
                    method=rng.choice(["pickup", "self_ship"]),
                    status="delivered",
                    inbound_carrier="顺丰",
                    inbound_tracking=f"SF{rng.randrange(10**12):012d}",
                    outbound_carrier="顺丰",
                    outbound_tracking=f"SF{rng.randrange(10**12):012d}",
                    logistics_cost=cost * 2,
                    shipped_at=sr.created_at + timedelta(hours=6),
                    received_at=sr.created_at + timedelta(days=2),
                    repaired_at=done - timedelta(days=1),
                    shipped_back_at=done - timedelta(hours=20),
                    delivered_at=done + timedelta(days=1),
                    created_at=sr.created_at,
                )
            )
        records.append(record)
        usages.append(lines)
    RepairRecord.objects.bulk_create(records, batch_size=500)
    flat = []
    for record, lines in zip(records, usages, strict=True):
        for line in lines:
            line.record = record
            flat.append(line)
    PartUsage.objects.bulk_create(flat, batch_size=1000)
    MailInShipment.objects.bulk_create(shipments, batch_size=500)
    return len(records), len(flat)


def step_dispatch(ctx: DemoContext) -> None:
    password = User.objects.filter(role=Role.TECHNICIAN).values_list("password", flat=True).first() or "!"
    now = ctx.now or timezone.now()
    totals = {"technicians": 0, "visits": 0, "records": 0, "parts": 0, "planned": 0}
    for spec in ORGS:
        org = ctx.orgs[spec["slug"]]
        DispatchPolicy.objects.create(organization=org)
        stations = list(ServiceStation.objects.filter(organization=org).order_by("id"))
        categories = {m.category.code: m.category_id for m in ctx.models[spec["slug"]]}
        techs = _technicians(ctx, org, stations, spec["prefix"], list(categories), password)
        _requirements(org, categories)
        used: set[int] = set()
        tomorrow = ctx.today + timedelta(days=1)
        day = _book_day(
            ctx, org, stations, techs, today=ctx.today, per_station=VISITS_PER_STATION, used=used, now=now
        )
        # Tomorrow too, so the board has a whole planned day to show whatever the time the demo loads.
        ahead = _book_day(
            ctx, org, stations, techs, today=tomorrow, per_station=VISITS_TOMORROW, used=used, now=now
        )
        day.requests += ahead.requests
        day.appointments += ahead.appointments
        day.events += ahead.events
        _save_day(day)
        by_user = {t.user_id: t for crew in techs.values() for t in crew}
        done = [(a.request, a) for a in day.appointments if a.status == Appointment.Status.DONE]
        n_records, n_parts = _records(ctx, org, by_user, done)
        for station in stations:
            for when in (ctx.today, tomorrow):
                if any(
                    a.station_id == station.pk and _local(a.window_start).date() == when
                    for a in day.appointments
                ):
                    # Keeping the booked technicians: a reassignment would notify customers about history.
                    plan = plan_day(
                        station=station,
                        day=when,
                        by=None,
                        now=now,
                        time_limit_s=PLAN_SECONDS,
                        keep_technicians=True,
                    )
                    totals["planned"] += plan.stops.count()
        totals["technicians"] += sum(len(c) for c in techs.values())
        totals["visits"] += len(day.appointments)
        totals["records"] += n_records
        totals["parts"] += n_parts
    ctx.report(
        f"{totals['technicians']} technicians, {totals['visits']} visits today and tomorrow "
        f"({totals['planned']} on planned routes), {totals['records']} repair records "
        f"with {totals['parts']} parts"
    )
