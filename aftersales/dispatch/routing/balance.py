"""A balance limit turned into per-technician capacities the solver enforces.

PyVRP bounds a route's load from above only, so the spread limit ("the busiest technician has
at most N visits more than the least busy one") is stated through the pigeonhole: when every
job is served and no one may take more than ``U``, nobody can have fewer than
``total - (k - 1) * U``. Choosing ``U`` so that the two bounds are at most ``N`` apart makes
the limit hold for any plan that serves everything; travel is then minimised as usual within
those capacities. When a uniform ``U`` cannot be that tight (4 visits, 3 technicians, spread
1), the capacities are set per technician so that they add up to exactly the day's visits:
the busier share goes to those a first, looser search loaded most.

Only technicians who can take at least one of the day's jobs share the work; visits already
done (or in progress) count towards each one's share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from .model import Balance, BalanceBy
from .workspace import Workspace


def team(ws: Workspace) -> list[int]:
    """Technicians who could take at least one plannable job (or are on one now)."""
    plannable = list(ws.plannable)
    out = []
    for t in range(len(ws.technicians)):
        if ws.locked[t] is not None or (plannable and bool(ws.reachable[t, plannable].any())):
            out.append(t)
    return out


def _already(ws: Workspace, t: int) -> tuple[int, int]:
    """(visits, on-site seconds) behind or under way for technician ``t``."""
    tech = ws.technicians[t]
    locked = ws.locked[t]
    return (tech.done_jobs + (locked is not None), tech.done_work_s + (locked.service_s if locked else 0))


def visit_shares(ws: Workspace, balance: Balance, loads: Mapping[int, int] | None = None) -> dict[int, int]:
    """Most visits (done ones included) each team member may have under ``balance``.

    ``loads``: visits per technician in an earlier plan, to decide who takes the larger share
    when the shares must differ.
    """
    members = team(ws)
    k = len(members)
    if k < 2:
        return {}
    total = len(ws.plannable) + sum(_already(ws, t)[0] for t in members)
    spread = balance.max_spread
    loose = math.ceil(total / k)
    uniform = (total + spread) // k  # k * uniform - total <= spread: the limit holds by pigeonhole
    if uniform >= loose:
        return dict.fromkeys(members, uniform)
    if loads is None:
        return dict.fromkeys(members, loose)
    # Shares of loose and loose - 1 adding up to exactly ``total``: everyone ends exactly at their share.
    larger = total - k * (loose - 1)
    order = sorted(members, key=lambda t: (-(loads.get(t, 0) + _already(ws, t)[0]), t))
    return {t: loose if n < larger else loose - 1 for n, t in enumerate(order)}


def needs_refining(ws: Workspace, balance: Balance) -> bool:
    """Whether uniform visit shares are too loose for the limit (see ``visit_shares``)."""
    if balance.by is not BalanceBy.VISITS:
        return False
    members = team(ws)
    k = len(members)
    if k < 2:
        return False
    total = len(ws.plannable) + sum(_already(ws, t)[0] for t in members)
    return (total + balance.max_spread) // k < math.ceil(total / k)


def work_share_s(ws: Workspace, balance: Balance) -> dict[int, int]:
    """Most on-site seconds (done ones included) each team member may have under ``balance``.

    The limit is a percentage of the average share; with a uniform cap ``M`` the spread of a
    plan that serves everything is at most ``k * M - total``.
    """
    members = team(ws)
    k = len(members)
    if k < 2:
        return {}
    total = sum(ws.jobs[j].service_s for j in ws.plannable) + sum(_already(ws, t)[1] for t in members)
    allowed = total / k * balance.max_spread / 100
    return dict.fromkeys(members, int((total + allowed) // k))


def capped(ws: Workspace, balance: Balance, loads: Mapping[int, int] | None = None) -> Workspace:
    """``ws`` with each team member's capacity cut to their share of the day under ``balance``."""
    capacity = list(ws.capacity)
    work_cap: list[int] | None = None
    if balance.by is BalanceBy.VISITS:
        for t, share in visit_shares(ws, balance, loads).items():
            capacity[t] = max(0, min(capacity[t], share - _already(ws, t)[0]))
    else:
        shares = work_share_s(ws, balance)
        if shares:
            work_cap = [int(np.iinfo(np.int64).max // 4)] * len(capacity)
            for t, share in shares.items():
                work_cap[t] = max(0, share - _already(ws, t)[1])
    return replace(ws, capacity=tuple(capacity), work_cap_s=tuple(work_cap) if work_cap is not None else None)


def spread(ws: Workspace, balance: Balance, sequences: Mapping[int, Sequence[int]]) -> float:
    """The plan's spread in the limit's unit (visits, or % of the average share)."""
    members = team(ws)
    if len(members) < 2:
        return 0.0
    if balance.by is BalanceBy.VISITS:
        counts = [len(sequences.get(t, ())) + _already(ws, t)[0] for t in members]
        return float(max(counts) - min(counts))
    work = [sum(ws.jobs[j].service_s for j in sequences.get(t, ())) + _already(ws, t)[1] for t in members]
    average = sum(work) / len(work)
    return 0.0 if average == 0 else (max(work) - min(work)) / average * 100
