"""The baseline a dispatcher without a planner would produce, kept to measure the planner by.

Jobs are handed out in the order they arrived (booking order); each goes to the nearest
technician who is qualified and still free for it, that is, who can take it at its place in
their time-ordered day without breaking any window, their shift or their job limit. Nearest
means from where that technician will be just before the job. Nothing is ever moved later.
"""

from __future__ import annotations

import bisect
import time

from aftersales.dispatch.travel import GreatCircleTravel, TravelTimeProvider

from .model import Plan, Problem, Unassigned
from .schedule import assemble, explain_left_out, fits
from .workspace import Workspace


class GreedyDispatcher:
    name = "greedy"

    def __init__(self, travel: TravelTimeProvider | None = None) -> None:
        self.travel: TravelTimeProvider = travel if travel is not None else GreatCircleTravel()

    def solve(
        self, problem: Problem, *, time_limit_s: float = 10.0, seed: int = 0, warm_start: Plan | None = None
    ) -> Plan:
        started = time.perf_counter()
        ws = Workspace.build(problem, self.travel)
        jobs = ws.jobs
        sequences: dict[int, list[int]] = {}
        keys: dict[int, list[tuple[int, int]]] = {}  # per technician, window order of its stops
        left_out: list[Unassigned] = []
        for j in ws.plannable:
            job = jobs[j]
            key = (job.window.start, job.window.end)
            best: tuple[int, int, int] | None = None  # (metres from previous point, tech, position)
            for t in map(int, ws.reachable[:, j].nonzero()[0]):
                seq = sequences.get(t, [])
                pos = bisect.bisect_right(keys.get(t, []), key)
                before = ws.start_point[t] if pos == 0 else ws.job_point[seq[pos - 1]]
                metres = int(ws.distance_m[before, ws.job_point[j]])
                if best is not None and metres >= best[0]:
                    continue
                if fits(ws, t, [*seq[:pos], j, *seq[pos:]]):
                    best = (metres, t, pos)
            if best is None:
                left_out.append(explain_left_out(ws, sequences, j))
                continue
            _, t, pos = best
            sequences.setdefault(t, []).insert(pos, j)
            keys.setdefault(t, []).insert(pos, key)
        stats = {"total_s": time.perf_counter() - started}
        return assemble(ws, sequences, left_out, solver=self.name, stats=stats)
