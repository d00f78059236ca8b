"""The problem turned into arrays every solver shares: point indices, travel matrices, who may
serve what, and which jobs cannot be planned at all (with the reason).

Screening here, before any solver runs, is what makes "explain every unassigned job" cheap:
the solver only ever sees jobs that some technician could serve on an empty day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from aftersales.dispatch.travel import IntMatrix, LatLon, TravelTimeProvider

from .model import Job, Problem, Technician, Unassigned, UnassignedReason, format_clock

BoolMatrix = npt.NDArray[np.bool_]


def _skills_text(skills: frozenset[str]) -> str:
    return ", ".join(sorted(skills)) if skills else "(none)"


@dataclass(frozen=True)
class Workspace:
    problem: Problem
    points: tuple[LatLon, ...]
    distance_m: IntMatrix
    duration_s: IntMatrix
    job_point: tuple[int, ...]  # per job (problem order)
    start_point: tuple[int, ...]  # per technician: where the rest of the day starts
    end_point: tuple[int, ...]
    ready_s: tuple[int, ...]  # per technician: earliest departure from start_point
    capacity: tuple[int, ...]  # per technician: visits still allowed, in-progress one excluded
    locked: tuple[Job | None, ...]  # per technician: the job they are on now
    may_serve: BoolMatrix  # [technician, job]: skills and pinning allow it
    reachable: BoolMatrix  # [technician, job]: fits in the shift as the only visit
    screened: tuple[Unassigned, ...]
    plannable: tuple[int, ...]  # job indices to hand to a solver
    # per technician: on-site seconds still allowed today (a balance limit); None: no limit
    work_cap_s: tuple[int, ...] | None = None

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self.problem.jobs)

    @property
    def technicians(self) -> tuple[Technician, ...]:
        return tuple(self.problem.technicians)

    @classmethod
    def build(cls, problem: Problem, travel: TravelTimeProvider) -> Workspace:
        jobs = tuple(problem.jobs)
        techs = tuple(problem.technicians)
        points: list[LatLon] = []
        index: dict[LatLon, int] = {}

        def point(p: LatLon) -> int:
            if p not in index:
                index[p] = len(points)
                points.append(p)
            return index[p]

        tech_start = [point(t.start) for t in techs]
        end_point = tuple(point(t.end_point) for t in techs)
        job_point = tuple(point(j.location) for j in jobs)
        distance, duration = travel.matrix(points)

        now = problem.now_s if problem.now_s is not None else 0
        on_site = {j.fixed_technician: j for j in jobs if j.in_progress}
        locked: list[Job | None] = []
        start_point: list[int] = []
        ready: list[int] = []
        capacity: list[int] = []
        for t_idx, tech in enumerate(techs):
            limit = tech.max_jobs if tech.max_jobs is not None else len(jobs)
            job = on_site.get(tech.id)
            locked.append(job)
            if job is None:
                start_point.append(tech_start[t_idx])
                ready.append(max(tech.shift.start, now))
                capacity.append(limit)
            else:
                begun = job.started_s if job.started_s is not None else max(now, job.window.start)
                start_point.append(job_point[jobs.index(job)])
                ready.append(max(begun + job.service_s, now))
                capacity.append(max(0, limit - 1))

        may_serve = np.zeros((len(techs), len(jobs)), dtype=np.bool_)
        for t_idx, tech in enumerate(techs):
            for j_idx, job in enumerate(jobs):
                pinned_ok = job.fixed_technician in (None, tech.id)
                may_serve[t_idx, j_idx] = pinned_ok and tech.qualified_for(job) and not job.in_progress

        reachable = _single_visit_feasible(
            jobs, techs, may_serve, start_point, end_point, job_point, ready, capacity, duration
        )
        ws = cls(
            problem=problem,
            points=tuple(points),
            distance_m=distance,
            duration_s=duration,
            job_point=job_point,
            start_point=tuple(start_point),
            end_point=end_point,
            ready_s=tuple(ready),
            capacity=tuple(capacity),
            locked=tuple(locked),
            may_serve=may_serve,
            reachable=reachable,
            screened=(),
            plannable=(),
        )
        screened: list[Unassigned] = []
        plannable: list[int] = []
        for j_idx, job in enumerate(jobs):
            if job.in_progress:
                continue
            if reachable[:, j_idx].any():
                plannable.append(j_idx)
            else:
                screened.append(ws.screen_reason(j_idx))
        return replace(ws, screened=tuple(screened), plannable=tuple(plannable))

    def screen_reason(self, j_idx: int) -> Unassigned:
        """Why no technician can serve the job even with an otherwise empty day."""
        job = self.jobs[j_idx]
        techs = self.technicians
        if job.fixed_technician is not None:
            tech = next(t for t in techs if t.id == job.fixed_technician)
            if not tech.qualified_for(job):
                missing = _skills_text(job.skills_required - tech.skills)
                return Unassigned(
                    job,
                    UnassignedReason.FIXED_TECHNICIAN_UNQUALIFIED,
                    f"pinned to technician {tech.id}, who lacks skills {missing}",
                )
        if not self.may_serve[:, j_idx].any():
            return Unassigned(
                job,
                UnassignedReason.NO_QUALIFIED_TECHNICIAN,
                f"no technician has skills {_skills_text(job.skills_required)}",
            )
        candidates = np.flatnonzero(self.may_serve[:, j_idx])
        if all(self.capacity[t] == 0 for t in candidates):
            return Unassigned(
                job,
                UnassignedReason.MAX_JOBS_REACHED,
                "every qualified technician has already reached their maximum number of jobs",
            )
        now = self.problem.now_s
        if now is not None and job.window.end < now:
            return Unassigned(
                job,
                UnassignedReason.WINDOW_PASSED,
                f"the window {job.window} ended before now ({format_clock(now)})",
            )
        return Unassigned(
            job,
            UnassignedReason.WINDOW_UNREACHABLE,
            f"no qualified technician can reach it within its window {job.window} "
            "and finish inside their shift",
        )


def _single_visit_feasible(
    jobs: tuple[Job, ...],
    techs: tuple[Technician, ...],
    may_serve: BoolMatrix,
    start_point: list[int],
    end_point: tuple[int, ...],
    job_point: tuple[int, ...],
    ready: list[int],
    capacity: list[int],
    duration: IntMatrix,
) -> BoolMatrix:
    if not jobs or not techs:
        return np.zeros((len(techs), len(jobs)), dtype=np.bool_)
    jp = np.asarray(job_point, dtype=np.intp)
    win_start = np.array([j.window.start for j in jobs], dtype=np.int64)
    win_end = np.array([j.window.end for j in jobs], dtype=np.int64)
    service = np.array([j.service_s for j in jobs], dtype=np.int64)
    out = duration[np.asarray(start_point, dtype=np.intp)][:, jp]  # [tech, job]
    back = duration[jp][:, np.asarray(end_point, dtype=np.intp)].T  # [tech, job]
    arrive = np.asarray(ready, dtype=np.int64)[:, None] + out
    begin = np.maximum(arrive, win_start[None, :])
    shift_end = np.array([t.shift.end for t in techs], dtype=np.int64)[:, None]
    fits = (begin <= win_end[None, :]) & (begin + service[None, :] + back <= shift_end)
    has_room = (np.asarray(capacity) > 0)[:, None]
    result: BoolMatrix = may_serve & fits & has_room
    return result
