"""PyVRP behind the ``RoutingSolver`` interface.

How the field-service day maps onto PyVRP 0.14:

* skills: PyVRP has no per-vehicle "allowed clients" field; its own VRPLIB reader expresses
  ``VEHICLES_ALLOWED_CLIENTS`` with one routing profile per allowed set, whose distances to and
  from forbidden clients are ``MAX_VALUE``. We do the same, grouping technicians by the set
  of jobs they may serve so that a station with a few skill mixes needs only a few profiles.
* technicians become vehicle types (one per distinct start, end, shift and job limit), the
  shift on ``tw_early``/``tw_late``, the daily job limit as capacity with each job a load of 1.
* priorities: a job is an optional client with a prize (``prize``) while the planner decides
  what fits, required once it is placed; see ``PyVRPSolver`` for why that takes phases. An
  overloaded day thus still yields a feasible plan plus an explained list of what did not
  fit, never an infeasible solution with late arrivals.
* re-planning: a technician on site starts from that job's location when it ends; the job
  itself never reaches the solver, so it cannot move.
* a balanced day (``Problem.balance``): the same capacity, cut to each technician's share
  (``balance``), and for a limit on working time a second load dimension, each job's on-site
  seconds against the technician's share of them. PyVRP then minimises travel within them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyvrp import (
    Client,
    Depot,
    Location,
    ProblemData,
    Result,
    Solution,
    SolveParams,
    VehicleType,
    solve,
)
from pyvrp import Route as PyVRPRoute
from pyvrp.constants import MAX_VALUE
from pyvrp.stop import MaxRuntime

from aftersales.dispatch.travel import GreatCircleTravel, IntMatrix, TravelTimeProvider

from .balance import capped, needs_refining, spread, team
from .model import Job, Plan, Problem, RoutingInputError, Unassigned
from .schedule import assemble, explain_left_out, fits, insert_cheapest
from .workspace import Workspace

# Prizes are in the objective's unit, metres. An optional job is worth 1,000 km of driving per
# priority step, far more than any detour inside a city, so it is only dropped when it does not
# fit; a required job is worth a hundred optional ones of the same priority.
PRIZE_UNIT_M = 1_000_000
REQUIRED_FACTOR = 100
FILL_PRIZE_M = 50_000


def prize(job: Job) -> int:
    factor = REQUIRED_FACTOR if job.required else 1
    return PRIZE_UNIT_M * factor * (1 + job.priority)


def fill_prize(job: Job) -> int:
    """Worth of a job still left out once the others are settled: enough to pay any in-city
    detour, yet small against PyVRP's largest time-warp penalty, so that squeezing it in late
    never looks better than keeping the settled jobs on time."""
    factor = 2 if job.required else 1
    return FILL_PRIZE_M * factor * (1 + job.priority)


def solve_data(
    data: ProblemData,
    *,
    time_limit_s: float,
    seed: int = 0,
    initial_solution: Solution | None = None,
    params: SolveParams | None = None,
) -> Result:
    """Run PyVRP on prepared data. The planner and the standard-instance benchmark both come
    through here, so the benchmark measures the solver configuration that production uses."""
    if not time_limit_s > 0:
        raise RoutingInputError(f"time_limit_s must be positive, got {time_limit_s}")
    return solve(
        data,
        stop=MaxRuntime(time_limit_s),
        seed=seed,
        collect_stats=False,
        display=False,
        params=params if params is not None else SolveParams(),
        initial_solution=initial_solution,
    )


@dataclass(frozen=True)
class Encoding:
    data: ProblemData
    client_job: tuple[int, ...]  # PyVRP client index -> job index
    type_techs: tuple[tuple[int, ...], ...]  # PyVRP vehicle type -> technician indices
    tech_type: dict[int, int]


def encode(
    ws: Workspace,
    clients: Sequence[int],
    *,
    fixed: frozenset[int] = frozenset(),
    prize_of: Callable[[Job], int] = prize,
) -> Encoding:
    """Build PyVRP data for the given jobs (indices of jobs that passed screening).

    Jobs in ``fixed`` are required clients (a set already known to fit); the others are
    optional, worth ``prize_of(job)``.
    """
    useful = [t for t in range(len(ws.technicians)) if ws.reachable[t, list(clients)].any()]

    depot_points = sorted({ws.start_point[t] for t in useful} | {ws.end_point[t] for t in useful})
    depot_of = {p: i for i, p in enumerate(depot_points)}
    # PyVRP locations: depots first, then one location per client (two jobs at one address
    # stay two locations; their distance is simply zero).
    loc_points = np.array([*depot_points, *(ws.job_point[j] for j in clients)], dtype=np.intp)
    base_dist = np.ascontiguousarray(ws.distance_m[np.ix_(loc_points, loc_points)])
    base_dur = np.ascontiguousarray(ws.duration_s[np.ix_(loc_points, loc_points)])
    n_depots = len(depot_points)

    profile_of: dict[tuple[int, ...], int] = {}
    distances: list[IntMatrix] = []
    work_cap = ws.work_cap_s
    type_key_of: dict[tuple[int, int, int, int, int, int, int], int] = {}
    type_techs: list[list[int]] = []
    for t in useful:
        # Profiles follow skills and pinning only, not reachability: reachability differs per
        # station, and a profile per technician would cost a full matrix each.
        allowed = tuple(int(c) for c in np.flatnonzero(ws.may_serve[t, list(clients)]))
        if allowed not in profile_of:
            profile_of[allowed] = len(distances)
            distances.append(_restricted(base_dist, n_depots, allowed))
        key = (
            depot_of[ws.start_point[t]],
            depot_of[ws.end_point[t]],
            ws.ready_s[t],
            ws.technicians[t].shift.end,
            min(ws.capacity[t], len(clients)),
            profile_of[allowed],
            -1 if work_cap is None else work_cap[t],
        )
        if key not in type_key_of:
            type_key_of[key] = len(type_techs)
            type_techs.append([])
        type_techs[type_key_of[key]].append(t)

    vehicle_types = []
    for (start, end, ready, shift_end, capacity, profile, work), techs in zip(
        type_key_of, type_techs, strict=True
    ):
        vehicle_types.append(
            VehicleType(
                num_available=len(techs),
                capacity=[capacity] if work_cap is None else [capacity, work],
                start_depot=start,
                end_depot=end,
                tw_early=ready,
                tw_late=shift_end,
                profile=profile,
                name=",".join(ws.technicians[t].id for t in techs),
            )
        )

    locations = [Location(x=ws.points[p].lon, y=ws.points[p].lat) for p in loc_points]
    depots = [Depot(location=i) for i in range(n_depots)]
    pyvrp_clients = []
    for c, j_idx in enumerate(clients):
        job = ws.jobs[j_idx]
        pyvrp_clients.append(
            Client(
                location=n_depots + c,
                delivery=[1] if work_cap is None else [1, job.service_s],
                service_duration=job.service_s,
                tw_early=job.window.start,
                tw_late=job.window.end,
                prize=0 if j_idx in fixed else prize_of(job),
                required=j_idx in fixed,
                name=job.id,
            )
        )
    # PyVRP's stub spells a matrix as ``np.ndarray[int]``, which no real array type matches.
    dist_mats: list[Any] = list(distances)
    # Durations need no masking: a forbidden client is already priced out by distance.
    dur_mats: list[Any] = [base_dur] * len(distances)
    data = ProblemData(locations, pyvrp_clients, depots, vehicle_types, dist_mats, dur_mats)
    tech_type = {t: vt for vt, techs in enumerate(type_techs) for t in techs}
    return Encoding(data, tuple(clients), tuple(tuple(ts) for ts in type_techs), tech_type)


def _restricted(base: IntMatrix, n_depots: int, allowed: tuple[int, ...]) -> IntMatrix:
    n_clients = base.shape[0] - n_depots
    if len(allowed) == n_clients:
        return base
    forbidden = np.ones(base.shape[0], dtype=np.bool_)
    forbidden[:n_depots] = False
    forbidden[[n_depots + c for c in allowed]] = False
    matrix = base.copy()
    matrix[forbidden, :] = MAX_VALUE
    matrix[:, forbidden] = MAX_VALUE
    np.fill_diagonal(matrix, 0)
    return matrix


def _sequences_of(ws: Workspace, plan: Plan) -> dict[int, list[int]]:
    """A previous plan as job orders per technician, in this workspace's indices."""
    job_of = {job.id: j for j, job in enumerate(ws.jobs)}
    tech_of = {tech.id: t for t, tech in enumerate(ws.technicians)}
    sequences: dict[int, list[int]] = {}
    for route in plan.routes:
        if (t := tech_of.get(route.technician_id)) is not None:
            sequences[t] = [job_of[s.job.id] for s in route.stops if s.job.id in job_of and not s.fixed]
    return sequences


def _initial_solution(ws: Workspace, enc: Encoding, sequences: dict[int, list[int]]) -> Solution:
    client_of = {j: c for c, j in enumerate(enc.client_job)}
    used: set[int] = set()
    routes = []
    for t, seq in sequences.items():
        if t not in enc.tech_type:
            continue
        visits = []
        for j in seq:
            c = client_of.get(j)
            if c is not None and c not in used and ws.may_serve[t, j]:
                visits.append(c)
                used.add(c)
        if visits:
            routes.append(PyVRPRoute(enc.data, visits, enc.tech_type[t]))
    return Solution(enc.data, routes)


def _decode(ws: Workspace, enc: Encoding, solution: Solution, before: dict[int, int]) -> dict[int, list[int]]:
    """Hand each PyVRP route to a technician of its vehicle type.

    Technicians of one type are interchangeable to the solver; preferring the one who had most
    of the route's jobs before (``before``: job -> technician) keeps a re-plan from shuffling
    people needlessly.
    """
    free = [list(techs) for techs in enc.type_techs]
    sequences: dict[int, list[int]] = {}
    for route in solution.routes():
        seq = [enc.client_job[a.idx] for a in route if a.is_client()]
        pool = free[route.vehicle_type()]
        votes = [sum(before.get(j) == t for j in seq) for t in pool]
        tech = pool.pop(int(np.argmax(votes)))
        sequences[tech] = seq
    return sequences


def _owners(sequences: dict[int, list[int]]) -> dict[int, int]:
    return {j: t for t, seq in sequences.items() for j in seq}


class PyVRPSolver:
    """Plan in phases, because one search cannot both decide what fits and shorten the routes.

    1. *Cover*: every job is an optional client with a prize so large that serving it beats
       any detour. Such prizes also outweigh PyVRP's largest time-warp penalty, so this search
       stays mostly among infeasible solutions and soon stops finding better feasible ones;
       it is kept short and used for what it does well, a first feasible plan that serves
       as many jobs as it can.
    2. *Fill*: the jobs placed so far become required; the rest are optional with a modest
       prize (``fill_prize``), small enough against the time-warp penalty that the search
       stays balanced, so it both squeezes in more jobs and shortens routes.
    3. *Shorten*: only the placed jobs, all required, starting from the feasible plan: what
       PyVRP is tuned for on the standard instances. It can only end at that plan or better.

    A repair pass (cheapest feasible insertion) runs between phases and at the end. Measured
    once each on the generated 1,000-job day at 45 s: these phases left 37 jobs out at
    4,972 km; one prize-collecting search 40 at 4,918 km; cover then shorten 43 at 4,752 km.
    """

    name = "pyvrp"
    # (share of the time limit, worth of a job not placed yet; None: place no more, only shorten)
    phases: tuple[tuple[float, Callable[[Job], int] | None], ...] = (
        (0.1, prize),
        (0.3, fill_prize),
        (0.6, None),
    )

    def __init__(self, travel: TravelTimeProvider | None = None, params: SolveParams | None = None) -> None:
        self.travel: TravelTimeProvider = travel if travel is not None else GreatCircleTravel()
        self.params = params

    def solve(
        self, problem: Problem, *, time_limit_s: float = 10.0, seed: int = 0, warm_start: Plan | None = None
    ) -> Plan:
        if not time_limit_s > 0:
            raise RoutingInputError(f"time_limit_s must be positive, got {time_limit_s}")
        started = time.perf_counter()
        base = Workspace.build(problem, self.travel)
        balance = problem.balance
        ws = base if balance is None else capped(base, balance)
        stats: dict[str, float] = {"prepare_s": time.perf_counter() - started}
        sequences = _sequences_of(ws, warm_start) if warm_start is not None else {}
        for n, (share, prize_of) in enumerate(self.phases, start=1):
            if n > 1:
                if n == 2 and balance is not None and needs_refining(base, balance):
                    # Shares that differ per technician, the larger ones to those the first search loaded most.
                    ws = capped(base, balance, loads={t: len(seq) for t, seq in sequences.items()})
                _settle(ws, sequences)  # so that the next phase starts feasible and repaired
            served = frozenset(j for seq in sequences.values() for j in seq) if n > 1 else frozenset()
            clients = ws.plannable if prize_of is not None else tuple(sorted(served))
            if not clients:
                break
            enc = encode(ws, clients, fixed=served, prize_of=prize_of or prize)
            init = _initial_solution(ws, enc, sequences) if sequences else None
            result = solve_data(
                enc.data,
                time_limit_s=time_limit_s * share,
                seed=seed,
                initial_solution=init,
                params=self.params,
            )
            # From phase two on, the search starts from a feasible solution, so its best is
            # feasible; the check guards against a mismatch between PyVRP's timing and ours.
            if result.best.is_feasible() and result.best.is_complete():
                sequences = _decode(ws, enc, result.best, _owners(sequences))
            stats[f"phase{n}_s"] = result.runtime
            stats[f"phase{n}_iterations"] = result.num_iterations
        left_out = _settle(ws, sequences)
        over_limit: frozenset[str] = frozenset()
        if balance is not None:
            if left_out:
                # A visit nobody can take within the limit (skills, windows) is still planned,
                # beyond it, rather than left out: the plan says which ones.
                before = {j for seq in sequences.values() for j in seq}
                left_out = _settle(base, sequences)
                over_limit = frozenset(
                    ws.jobs[j].id for seq in sequences.values() for j in seq if j not in before
                )
            stats["spread"] = spread(base, balance, sequences)
            stats["over_limit"] = len(over_limit)
        members = set(team(base))
        for t, tech in enumerate(base.technicians):
            if t not in members:
                stats[f"idle:{tech.id}"] = 1  # could take none of the day's visits (skills, shift, distance)
        stats["total_s"] = time.perf_counter() - started
        return assemble(base, sequences, left_out, solver=self.name, stats=stats, over_limit=over_limit)


def _settle(ws: Workspace, sequences: dict[int, list[int]]) -> list[Unassigned]:
    """Check the solver's routes, repair what it left out, and explain what still does not fit."""
    for t, seq in sequences.items():
        # PyVRP only returns feasible solutions, so this is a guard against a modelling bug: a
        # skill or a window must never be broken silently, whatever the solver did.
        seq[:] = [j for j in seq if ws.reachable[t, j]]
        while seq and not fits(ws, t, seq):
            seq.pop()
    placed = {j for seq in sequences.values() for j in seq}
    out = [j for j in ws.plannable if j not in placed]
    # A time-limited search can leave out a job that still fits; most important ones get first pick.
    out.sort(key=lambda j: (not ws.jobs[j].required, -ws.jobs[j].priority))
    still_out = [j for j in out if not insert_cheapest(ws, sequences, j)]
    return [explain_left_out(ws, sequences, j) for j in still_out]
