"""Paths a demo request takes through its kind's transition table, with how long each step takes.

Pure Python: a path is a list of steps ``(transition name, earliest hours, latest hours after the
previous step)``; the generator in ``requests.py`` checks each step against ``service.lifecycle``
as it takes it, and stops at the first one that would fall in the future.
"""

from __future__ import annotations

import random

from aftersales.service.lifecycle import FIELD_KINDS as FIELD_KINDS  # re-exported for the generator

Step = tuple[str, float, float]


def _field_path(rng: random.Random, kind: str, onsite: bool) -> list[Step]:
    steps: list[Step] = [("accept", 0.1, 6)]
    if rng.random() < 0.05:
        return [*steps, ("cancel", 1, 48)]
    steps.append(("assign", 0.2, 8))
    if rng.random() < 0.05:
        steps.append(("assign", 2, 24))  # a reassignment: the first technician is off that day
    if onsite:
        steps.append(("schedule", 0.3, 12))
        if rng.random() < 0.04:
            return [*steps, ("cancel", 4, 48)]
    steps.append(("start", 12, 96))
    if rng.random() < 0.07:
        steps += [("wait_for_customer", 0.2, 2), ("resume", 24, 240)]
    if kind == "repair" and rng.random() < 0.22:
        steps += [("wait_for_parts", 0.3, 3), ("resume", 48, 600)]
    steps.append(("resolve", 0.5, 4))
    if rng.random() < 0.08:
        # Rejected at acceptance: back on the list until a technician goes again.
        steps += [("customer_reject", 2, 72), ("start", 24, 168), ("resolve", 0.5, 4)]
    steps.append(("customer_accept", 0.5, 72) if rng.random() < 0.8 else ("close", 72, 168))
    return steps


def _consultation_path(rng: random.Random) -> list[Step]:
    if rng.random() < 0.05:
        return [("cancel", 0.5, 24)]
    if rng.random() < 0.35:
        steps: list[Step] = [("resolve", 0.1, 4)]  # answered at once
    else:
        steps = [("accept", 0.1, 4), ("start", 0.1, 8)]
        if rng.random() < 0.15:
            steps += [("wait_for_customer", 0.2, 4), ("resume", 12, 120)]
        steps.append(("resolve", 0.2, 24))
    steps.append(("customer_accept", 0.5, 48) if rng.random() < 0.4 else ("close", 72, 168))
    return steps


def _complaint_path(rng: random.Random) -> list[Step]:
    steps: list[Step] = [("accept", 0.1, 3)]
    if rng.random() < 0.04:
        return [*steps, ("cancel", 1, 24)]
    steps += [("assign", 0.2, 4), ("start", 0.5, 24)]
    if rng.random() < 0.3:
        steps += [("wait_for_customer", 1, 24), ("resume", 12, 120)]
    steps.append(("resolve", 12, 120))
    if rng.random() < 0.15:
        steps += [("customer_reject", 4, 72), ("start", 4, 72), ("resolve", 24, 120)]
    steps.append(("customer_accept", 1, 72) if rng.random() < 0.75 else ("close", 72, 168))
    return steps


def _administrative_path(rng: random.Random) -> list[Step]:
    if rng.random() < 0.08:
        return [("accept", 0.1, 6), ("cancel", 1, 48)] if rng.random() < 0.5 else [("cancel", 0.5, 24)]
    steps: list[Step] = [("accept", 0.1, 8)]
    if rng.random() < 0.6:
        steps.append(("assign", 0.2, 8))
    steps.append(("start", 0.5, 24))
    if rng.random() < 0.2:
        steps += [("wait_for_customer", 0.2, 4), ("resume", 12, 96)]
    steps.append(("resolve", 24, 120))  # the item comes back, is checked, the money goes out
    steps.append(("customer_accept", 1, 48) if rng.random() < 0.5 else ("close", 72, 168))
    return steps


def path_for(rng: random.Random, kind: str, *, onsite: bool) -> list[Step]:
    if kind in FIELD_KINDS:
        steps = _field_path(rng, kind, onsite)
    elif kind == "consultation":
        steps = _consultation_path(rng)
    elif kind == "complaint":
        steps = _complaint_path(rng)
    else:
        steps = _administrative_path(rng)
    if rng.random() < 0.03:
        # Now and then a request waits days for its first answer: what SLA warnings are for.
        steps[0] = (steps[0][0], 20, 120)
    return steps
