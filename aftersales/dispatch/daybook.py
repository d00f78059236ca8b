"""Can a technician keep one more promise? The check behind every appointment slot offered.

Pure Python, no database. A technician's day is their shift, their start and end points, the
visits already promised (each an arrival window and a service time) and any time off; a new
visit fits when some position in the window-ordered day keeps every window, the time off and
the end of the shift, counting travel between the places. Day plans are made later by the
route planner; this check is only about whether a slot offered now can really be kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aftersales.dispatch.routing import TimeWindow
from aftersales.dispatch.travel import IntMatrix, LatLon, TravelTimeProvider


@dataclass(frozen=True)
class Visit:
    key: str
    location: LatLon
    window: TimeWindow  # service begins inside it (seconds since midnight)
    service_s: int


@dataclass(frozen=True)
class TechDay:
    start: LatLon
    end: LatLon
    shift: TimeWindow
    max_jobs: int
    visits: tuple[Visit, ...] = ()
    busy: tuple[TimeWindow, ...] = ()  # time off inside the shift
    not_before_s: int = 0  # on the current day: nobody leaves in the past

    def ordered(self) -> list[Visit]:
        return sorted(self.visits, key=lambda v: (v.window.start, v.window.end, v.key))


def _after_busy(begin: int, service_s: int, busy: Sequence[TimeWindow]) -> int:
    for gap in sorted(busy, key=lambda b: b.start):
        if begin < gap.end and begin + service_s > gap.start:
            begin = gap.end
    return begin


def timeline(
    day: TechDay, order: Sequence[Visit], index: dict[LatLon, int], duration: IntMatrix
) -> list[tuple[int, int, int]] | None:
    """(arrival, service start, departure) per visit, or None when the order breaks a promise."""
    here = index[day.start]
    clock = max(day.shift.start, day.not_before_s)
    times: list[tuple[int, int, int]] = []
    for visit in order:
        there = index[visit.location]
        arrival = clock + int(duration[here, there])
        begin = _after_busy(max(arrival, visit.window.start), visit.service_s, day.busy)
        if begin > visit.window.end:
            return None
        clock = begin + visit.service_s
        times.append((arrival, begin, clock))
        here = there
    if clock + int(duration[here, index[day.end]]) > day.shift.end:
        return None
    return times


def _matrix(
    day: TechDay, extra: Sequence[Visit], travel: TravelTimeProvider
) -> tuple[dict[LatLon, int], IntMatrix]:
    index: dict[LatLon, int] = {}
    for point in (day.start, day.end, *(v.location for v in day.visits), *(v.location for v in extra)):
        index.setdefault(point, len(index))
    _, duration = travel.matrix(list(index))
    return index, duration


def insertion(day: TechDay, new: Visit, travel: TravelTimeProvider) -> int | None:
    """Where ``new`` fits in the day (its position in the window order), or None."""
    if len(day.visits) + 1 > day.max_jobs:
        return None
    if (
        new.window.end < day.not_before_s
        or new.window.start > day.shift.end
        or new.window.end < day.shift.start
    ):
        return None
    index, duration = _matrix(day, [new], travel)
    order = day.ordered()
    # Try the natural place first (by window), then the others: equal windows may go either way.
    natural = sum(1 for v in order if (v.window.start, v.window.end) <= (new.window.start, new.window.end))
    positions = [natural, *(p for p in range(len(order) + 1) if p != natural)]
    for pos in positions:
        if timeline(day, [*order[:pos], new, *order[pos:]], index, duration) is not None:
            return pos
    return None


def can_take(day: TechDay, new: Visit, travel: TravelTimeProvider) -> bool:
    return insertion(day, new, travel) is not None
