"""Turn job orders into timed routes, and explain or repair what a solver left out.

Every solver returns only *orders* (which technician, in which sequence); the times shown to
people are computed here from the same travel matrix, so ETAs mean the same thing whichever
solver produced the order, and a solver bug cannot slip a late arrival past the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .model import Plan, Route, Stop, Unassigned, UnassignedReason
from .workspace import Workspace


@dataclass(frozen=True)
class Timing:
    depart_s: int
    visits: tuple[tuple[int, int, int], ...]  # (arrival, service start, departure) per job
    return_s: int
    late_s: int  # summed over the stops
    overtime_s: int

    @property
    def feasible(self) -> bool:
        return self.late_s == 0 and self.overtime_s == 0


def time_sequence(ws: Workspace, tech: int, seq: Sequence[int]) -> Timing:
    """Earliest schedule for ``seq`` (job indices) as technician ``tech``'s day."""
    dur = ws.duration_s
    jobs = ws.problem.jobs
    here = ws.start_point[tech]
    clock = ws.ready_s[tech]
    if seq:
        # Leave just in time for the first window instead of waiting at the customer's door.
        first = jobs[seq[0]]
        clock = max(clock, first.window.start - int(dur[here, ws.job_point[seq[0]]]))
    depart = clock
    visits: list[tuple[int, int, int]] = []
    late = 0
    for j_idx in seq:
        job = jobs[j_idx]
        nxt = ws.job_point[j_idx]
        arrival = clock + int(dur[here, nxt])
        begin = max(arrival, job.window.start)
        late += max(0, begin - job.window.end)
        clock = begin + job.service_s
        visits.append((arrival, begin, clock))
        here = nxt
    back = clock + int(dur[here, ws.end_point[tech]])
    shift_end = ws.problem.technicians[tech].shift.end
    return Timing(depart, tuple(visits), back, late, max(0, back - shift_end))


def work_s(ws: Workspace, seq: Sequence[int]) -> int:
    return sum(ws.problem.jobs[j].service_s for j in seq)


def fits(ws: Workspace, tech: int, seq: Sequence[int]) -> bool:
    if len(seq) > ws.capacity[tech]:
        return False
    if ws.work_cap_s is not None and work_s(ws, seq) > ws.work_cap_s[tech]:
        return False
    return time_sequence(ws, tech, seq).feasible


def sequence_distance(ws: Workspace, tech: int, seq: Sequence[int]) -> int:
    path = [ws.start_point[tech], *(ws.job_point[j] for j in seq), ws.end_point[tech]]
    return int(sum(int(ws.distance_m[a, b]) for a, b in zip(path, path[1:], strict=False)))


def insert_cheapest(ws: Workspace, sequences: dict[int, list[int]], j_idx: int) -> bool:
    """Put the job where it adds least distance without breaking any window or shift."""
    best: tuple[int, int, int] | None = None  # (added metres, technician, position)
    dist = ws.distance_m
    p = ws.job_point[j_idx]
    for tech in np.flatnonzero(ws.reachable[:, j_idx]):
        t = int(tech)
        seq = sequences.setdefault(t, [])
        if len(seq) >= ws.capacity[t]:
            continue
        if ws.work_cap_s is not None and work_s(ws, [*seq, j_idx]) > ws.work_cap_s[t]:
            continue
        path = [ws.start_point[t], *(ws.job_point[j] for j in seq), ws.end_point[t]]
        for pos in range(len(seq) + 1):
            a, b = path[pos], path[pos + 1]
            added = int(dist[a, p]) + int(dist[p, b]) - int(dist[a, b])
            if best is not None and added >= best[0]:
                continue
            if fits(ws, t, [*seq[:pos], j_idx, *seq[pos:]]):
                best = (added, t, pos)
    if best is None:
        return False
    sequences[best[1]].insert(best[2], j_idx)
    return True


def explain_left_out(ws: Workspace, sequences: Mapping[int, Sequence[int]], j_idx: int) -> Unassigned:
    """Reason for a job that could be served on an empty day but found no place in this plan."""
    job = ws.problem.jobs[j_idx]
    candidates = [int(t) for t in np.flatnonzero(ws.reachable[:, j_idx])]
    if all(len(sequences.get(t, ())) >= ws.capacity[t] for t in candidates):
        return Unassigned(
            job,
            UnassignedReason.MAX_JOBS_REACHED,
            f"all {len(candidates)} qualified technicians who could reach it already have "
            "their maximum number of jobs",
        )
    return Unassigned(
        job,
        UnassignedReason.NO_ROOM,
        f"all {len(candidates)} qualified technicians who could reach it are booked too tightly "
        f"around its window {job.window} to fit it in",
    )


def assemble(
    ws: Workspace,
    sequences: Mapping[int, Sequence[int]],
    left_out: Sequence[Unassigned],
    *,
    solver: str,
    stats: Mapping[str, float] | None = None,
    over_limit: frozenset[str] = frozenset(),
) -> Plan:
    routes: list[Route] = []
    dist = ws.distance_m
    dur = ws.duration_s
    for t, tech in enumerate(ws.problem.technicians):
        seq = list(sequences.get(t, ()))
        locked = ws.locked[t]
        if not seq and locked is None:
            continue
        timing = time_sequence(ws, t, seq)
        stops: list[Stop] = []
        depart = timing.depart_s
        if locked is not None:
            # Getting there is already behind the technician, so it adds no distance to this plan.
            begun = locked.started_s if locked.started_s is not None else ws.ready_s[t] - locked.service_s
            stops.append(Stop(locked, begun, begun, ws.ready_s[t], 0, 0, fixed=True))
            depart = min(depart, begun)
        here = ws.start_point[t]
        for j_idx, (arrival, begin, leave) in zip(seq, timing.visits, strict=True):
            nxt = ws.job_point[j_idx]
            job = ws.problem.jobs[j_idx]
            stops.append(Stop(job, arrival, begin, leave, int(dist[here, nxt]), int(dur[here, nxt])))
            here = nxt
        routes.append(
            Route(
                technician_id=tech.id,
                depart_s=depart,
                return_s=timing.return_s,
                stops=tuple(stops),
                distance_m=sequence_distance(ws, t, seq),
                return_travel_m=int(dist[here, ws.end_point[t]]),
            )
        )
    order = {job.id: i for i, job in enumerate(ws.problem.jobs)}
    unassigned = sorted([*ws.screened, *left_out], key=lambda u: order[u.job.id])
    return Plan(tuple(routes), tuple(unassigned), solver, dict(stats or {}), over_limit)
