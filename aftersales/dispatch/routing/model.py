"""Solver-neutral description of a day to plan and of the plan that comes back.

Times are whole seconds since midnight of the planning day, in the station's time zone; the
caller converts from its timezone-aware datetimes with ``TimeWindow.from_datetimes``. Keeping
plain integers here is what lets any solver (and a test) work without knowing about zones.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Protocol

from aftersales.dispatch.travel import LatLon, check_point

# Windows may run past midnight (night shifts), but a week is beyond any sane day plan and
# keeps every time comfortably inside the solver's integer range.
MAX_TIME_S = 7 * 86_400
MAX_PRIORITY = 9


class RoutingInputError(ValueError):
    """The problem cannot be planned as given; the message names the object and the field."""


def format_clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}"


@dataclass(frozen=True)
class TimeWindow:
    """``[start, end]`` in seconds since midnight. For a job: when service may begin."""

    start: int
    end: int

    @classmethod
    def from_datetimes(cls, start: datetime, end: datetime, *, day: date) -> TimeWindow:
        """Convert aware datetimes to seconds since midnight of ``day`` in ``start``'s zone."""
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise RoutingInputError("window: start and end must both be timezone-aware or both naive")
        midnight = datetime.combine(day, time(0), tzinfo=start.tzinfo)
        return cls(int((start - midnight).total_seconds()), int((end - midnight).total_seconds()))

    def check(self, label: str) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise RoutingInputError(f"{label}.{name}: expected whole seconds, got {value!r}")
            if not 0 <= value <= MAX_TIME_S:
                raise RoutingInputError(
                    f"{label}.{name}: {value} s is outside the planning range 0..{MAX_TIME_S}"
                )
        if self.end < self.start:
            raise RoutingInputError(
                f"{label}: ends at {format_clock(self.end)} before it starts at {format_clock(self.start)}"
            )

    def __str__(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"


# Typical on-site durations; a deployment passes its own table to ``service_seconds``.
DEFAULT_SERVICE_MINUTES: Mapping[str, int] = MappingProxyType(
    {
        "installation": 90,
        "repair": 60,
        "maintenance": 45,
        "exchange": 30,
        "return": 20,
        "complaint": 30,
    }
)


def service_seconds(kind: str, minutes_by_kind: Mapping[str, int] = DEFAULT_SERVICE_MINUTES) -> int:
    try:
        return minutes_by_kind[kind] * 60
    except KeyError:
        known = ", ".join(sorted(minutes_by_kind))
        raise RoutingInputError(f"no service duration for kind {kind!r} (known: {known})") from None


def _check_int(value: object, label: str, *, minimum: int, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoutingInputError(f"{label}: expected a whole number, got {value!r}")
    if not minimum <= value <= maximum:
        raise RoutingInputError(f"{label}: {value} is outside {minimum}..{maximum}")


def _skills(value: Iterable[str], label: str) -> frozenset[str]:
    if isinstance(value, str):
        # A bare string would silently become a set of letters.
        raise RoutingInputError(f"{label}: expected a set of skill names, got the string {value!r}")
    return frozenset(value)


@dataclass(frozen=True)
class Job:
    """One visit to plan.

    ``required`` jobs are planned before any optional one when not everything fits; among
    optional jobs a higher ``priority`` wins. ``fixed_technician`` pins the job to one
    technician (the customer asked for them, or the visit is already promised).
    ``in_progress`` means that technician is on site now (checked in): re-planning keeps the
    job first in their route and plans the rest of their day from its end.
    """

    id: str
    location: LatLon
    window: TimeWindow
    service_s: int
    skills_required: frozenset[str] = frozenset()
    priority: int = 0
    required: bool = True
    fixed_technician: str | None = None
    in_progress: bool = False
    started_s: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RoutingInputError(f"job id: expected a non-empty string, got {self.id!r}")
        label = f"job {self.id!r}"
        object.__setattr__(self, "location", check_point(self.location, f"{label} location"))
        self.window.check(f"{label} window")
        object.__setattr__(self, "skills_required", _skills(self.skills_required, f"{label} skills_required"))
        _check_int(self.service_s, f"{label} service_s", minimum=0, maximum=MAX_TIME_S)
        _check_int(self.priority, f"{label} priority", minimum=0, maximum=MAX_PRIORITY)
        if self.in_progress and self.fixed_technician is None:
            raise RoutingInputError(f"{label} in_progress: a job in progress needs its fixed_technician")
        if self.started_s is not None:
            if not self.in_progress:
                raise RoutingInputError(f"{label} started_s: only a job in progress has a start time")
            _check_int(self.started_s, f"{label} started_s", minimum=0, maximum=MAX_TIME_S)


@dataclass(frozen=True)
class Technician:
    """Who can work: where the day starts and ends, when, with which skills, how many visits.

    ``done_jobs`` and ``done_work_s`` are the visits (and their on-site seconds) already behind
    the technician today: a balanced re-plan counts them in each person's share.
    """

    id: str
    start: LatLon
    shift: TimeWindow
    skills: frozenset[str] = frozenset()
    end: LatLon | None = None  # defaults to ``start``
    max_jobs: int | None = None
    done_jobs: int = 0
    done_work_s: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RoutingInputError(f"technician id: expected a non-empty string, got {self.id!r}")
        label = f"technician {self.id!r}"
        object.__setattr__(self, "start", check_point(self.start, f"{label} start"))
        end = self.start if self.end is None else check_point(self.end, f"{label} end")
        object.__setattr__(self, "end", end)
        self.shift.check(f"{label} shift")
        object.__setattr__(self, "skills", _skills(self.skills, f"{label} skills"))
        if self.max_jobs is not None:
            _check_int(self.max_jobs, f"{label} max_jobs", minimum=0, maximum=10_000)
        _check_int(self.done_jobs, f"{label} done_jobs", minimum=0, maximum=10_000)
        _check_int(self.done_work_s, f"{label} done_work_s", minimum=0, maximum=MAX_TIME_S)

    @property
    def end_point(self) -> LatLon:
        assert self.end is not None  # set in __post_init__
        return self.end

    def qualified_for(self, job: Job) -> bool:
        return job.skills_required <= self.skills


class Objective(enum.StrEnum):
    """What the planner minimises. ``BALANCED`` still minimises travel, but only among plans
    whose workload spread stays within ``Balance``."""

    LEAST_TRAVEL = "least_travel"
    BALANCED = "balanced"


class BalanceBy(enum.StrEnum):
    VISITS = "visits"  # max_spread: visits between the busiest and the least busy technician
    WORK_TIME = "work_time"  # max_spread: on-site minutes between them, in % of the average share


MAX_SPREAD = {BalanceBy.VISITS: 50, BalanceBy.WORK_TIME: 200}


@dataclass(frozen=True)
class Balance:
    """A limit on how unevenly the day may be shared among the technicians who can take work."""

    by: BalanceBy = BalanceBy.VISITS
    max_spread: int = 1

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "by", BalanceBy(self.by))
        except ValueError:
            known = ", ".join(b.value for b in BalanceBy)
            raise RoutingInputError(f"balance by: {self.by!r} is not one of {known}") from None
        minimum = 1 if self.by is BalanceBy.VISITS else 0
        _check_int(self.max_spread, "balance max_spread", minimum=minimum, maximum=MAX_SPREAD[self.by])


@dataclass(frozen=True)
class Problem:
    """A station's day: the jobs, the technicians, and for a re-plan the current time.

    On a re-plan (``now_s`` set) nobody is sent anywhere before ``now_s``: pass jobs already
    done no more, mark the ones technicians are on as ``in_progress``, and give a technician
    between jobs their current position as ``start``.
    """

    jobs: Sequence[Job]
    technicians: Sequence[Technician]
    now_s: int | None = None
    balance: Balance | None = None  # None: least travel

    @property
    def objective(self) -> Objective:
        return Objective.LEAST_TRAVEL if self.balance is None else Objective.BALANCED

    def __post_init__(self) -> None:
        object.__setattr__(self, "jobs", tuple(self.jobs))
        object.__setattr__(self, "technicians", tuple(self.technicians))
        if self.now_s is not None:
            _check_int(self.now_s, "problem now_s", minimum=0, maximum=MAX_TIME_S)
        tech_ids = _unique_ids((t.id for t in self.technicians), "technician")
        _unique_ids((j.id for j in self.jobs), "job")
        busy: dict[str, str] = {}
        for job in self.jobs:
            if job.fixed_technician is not None and job.fixed_technician not in tech_ids:
                raise RoutingInputError(
                    f"job {job.id!r} fixed_technician: no technician {job.fixed_technician!r} in this problem"
                )
            if job.in_progress:
                assert job.fixed_technician is not None  # checked by Job
                if (other := busy.get(job.fixed_technician)) is not None:
                    raise RoutingInputError(
                        f"job {job.id!r} in_progress: technician {job.fixed_technician!r} is already "
                        f"on job {other!r}; a technician can be on one site at a time"
                    )
                busy[job.fixed_technician] = job.id


def _unique_ids(ids: Iterable[str], kind: str) -> set[str]:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise RoutingInputError(f"{kind} id {ident!r} appears twice")
        seen.add(ident)
    return seen


class UnassignedReason(enum.StrEnum):
    NO_QUALIFIED_TECHNICIAN = "no_qualified_technician"
    FIXED_TECHNICIAN_UNQUALIFIED = "fixed_technician_unqualified"
    WINDOW_PASSED = "window_passed"
    WINDOW_UNREACHABLE = "window_unreachable"
    MAX_JOBS_REACHED = "max_jobs_reached"
    NO_ROOM = "no_room"


@dataclass(frozen=True)
class Unassigned:
    """A job the plan leaves out: a stable ``reason`` code for code and a sentence for people."""

    job: Job
    reason: UnassignedReason
    message: str


@dataclass(frozen=True)
class Stop:
    job: Job
    arrival_s: int  # ETA at the door
    start_s: int  # service begins; later than arrival when the window has not opened yet
    departure_s: int
    travel_m: int  # from the previous stop (or the start point)
    travel_s: int
    fixed: bool = False  # in progress: the solver did not place it

    @property
    def wait_s(self) -> int:
        return self.start_s - self.arrival_s

    @property
    def late_s(self) -> int:
        return max(0, self.start_s - self.job.window.end)


@dataclass(frozen=True)
class Route:
    technician_id: str
    depart_s: int
    return_s: int
    stops: tuple[Stop, ...]
    distance_m: int  # start point to end point, through every stop
    return_travel_m: int


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    solver: str
    stats: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    # Jobs placed beyond the balance limit because no one within it could take them.
    over_limit: frozenset[str] = frozenset()

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    @property
    def late_stops(self) -> tuple[Stop, ...]:
        return tuple(s for r in self.routes for s in r.stops if s.late_s > 0)

    def route_for(self, technician_id: str) -> Route | None:
        return next((r for r in self.routes if r.technician_id == technician_id), None)

    def assignment(self) -> dict[str, str]:
        """Job id to technician id, for every planned job."""
        return {s.job.id: r.technician_id for r in self.routes for s in r.stops}


class RoutingSolver(Protocol):
    name: str

    def solve(
        self, problem: Problem, *, time_limit_s: float = 10.0, seed: int = 0, warm_start: Plan | None = None
    ) -> Plan:
        """Plan the day. ``warm_start`` (the previous plan) is a hint a solver may ignore."""
        ...
