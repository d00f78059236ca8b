"""The SLA clock of one target (first response, on-site visit, resolution...) on one request.

A pure function of its inputs, so the SLA engine can recompute every open clock from stored
facts (start, pauses, met time) instead of keeping counters that drift. Rules:

* The clock consumes working time of the calendar (``calendar=None`` means calendar time,
  24x7) except while paused (waiting for the customer, for parts...).
* The target is due at the first instant where consumed time reaches the target; time spent
  paused before that instant pushes it later.
* A pause that starts after the due time does not move it: a breach, once it happened, is
  never erased. Such a pause only stops the overdue amount from growing.
* A target met at or before the due time stays ``met`` whatever happens afterwards; met after
  it, the clock stays ``breached``.
* While a pause is still open, ``due_at`` is projected as if the clock resumed at ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from aftersales.sla.calendar import BusinessCalendar

Pause = tuple[datetime, datetime | None]

_MINUTE = timedelta(minutes=1)


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class ClockState:
    """Where one SLA clock stands.

    ``remaining_minutes`` is rounded down, so it is negative exactly when the clock is
    breached (30 seconds left reads 0; 30 seconds late reads -1). ``breached_by_minutes`` is
    the working time past the due time rounded up and at least 1 once breached: a target due
    Friday 18:00 and still open on Saturday is late even though no working time has passed.
    ``fraction_used`` is consumed over target time and exceeds 1 once overdue; escalation
    rules compare it with thresholds such as 0.75. ``confirmed`` is False when the due time
    depends on a year whose official holiday schedule is not loaded.
    """

    state: ClockStatus
    due_at: datetime
    remaining_minutes: int
    breached_by_minutes: int
    fraction_used: float
    confirmed: bool


def compute_clock(
    *,
    calendar: BusinessCalendar | None,
    start: datetime,
    target_minutes: int,
    now: datetime,
    pauses: Iterable[Pause] = (),
    met_at: datetime | None = None,
) -> ClockState:
    """Compute the clock at ``now``, or as it stood when the target was met at ``met_at``.

    ``pauses`` are ``(start, end)`` pairs, ``end=None`` for a pause still open; they may
    overlap and may start before the clock did. A ``now`` before ``start`` means nothing is
    used yet. Raises ``ValueError`` on naive datetimes, a non-positive target, a pause that
    ends before it starts, or ``met_at`` before ``start``.
    """
    _require_aware(start, "start")
    _require_aware(now, "now")
    if target_minutes <= 0:
        raise ValueError(f"target_minutes must be positive, got {target_minutes}")
    if met_at is not None:
        _require_aware(met_at, "met_at")
        if met_at < start:
            raise ValueError("met_at must not be before the clock's start")
    target = timedelta(minutes=target_minutes)
    # Once met, later events (including "now") cannot change the outcome.
    end_point = max(start, met_at if met_at is not None else now)
    spans, paused = _clip_pauses(pauses, start, end_point)

    # Walk the running stretches between pauses until the target is used up; a due time
    # reached before a pause starts is final, which is what keeps breaches from being erased.
    cursor, left = start, target
    for pause_start, pause_end in spans:
        available = _working_between(calendar, cursor, pause_start)
        if available >= left:
            break
        left -= available
        cursor = pause_end
    due_at = _add_working(calendar, cursor, left)

    if end_point == start:  # a clock computed as it starts (every new request's): nothing used
        used = timedelta(0)
    else:
        used = _working_between(calendar, start, end_point) - sum(
            (_working_between(calendar, a, b) for a, b in spans), timedelta(0)
        )
    remaining = target - used
    breached = end_point > due_at
    if breached:
        breached_by = max(1, -(remaining // _MINUTE))
        remaining_minutes = -breached_by
        state = ClockStatus.BREACHED
    else:
        breached_by = 0
        remaining_minutes = remaining // _MINUTE
        if met_at is not None:
            state = ClockStatus.MET
        elif paused:
            state = ClockStatus.PAUSED
        else:
            state = ClockStatus.RUNNING
    return ClockState(
        state=state,
        due_at=due_at,
        remaining_minutes=remaining_minutes,
        breached_by_minutes=breached_by,
        fraction_used=used / target,
        confirmed=_confirmed(calendar, start, due_at),
    )


def _clip_pauses(
    pauses: Iterable[Pause], start: datetime, end_point: datetime
) -> tuple[list[tuple[datetime, datetime]], bool]:
    """Pauses cut to ``[start, end_point]``, sorted and merged, and whether one is still open
    at ``end_point``."""
    spans: list[tuple[datetime, datetime]] = []
    open_at_end = False
    for pause_start, pause_end in pauses:
        _require_aware(pause_start, "pause start")
        if pause_end is not None:
            _require_aware(pause_end, "pause end")
            if pause_end < pause_start:
                raise ValueError(
                    f"pause ends before it starts: {pause_start.isoformat()} > {pause_end.isoformat()}"
                )
        if pause_start > end_point:
            continue
        still_open = pause_end is None or pause_end > end_point
        clipped_end = end_point if pause_end is None or pause_end > end_point else pause_end
        clipped_start = max(pause_start, start)
        if clipped_end < clipped_start or (clipped_end == clipped_start and not still_open):
            continue
        open_at_end = open_at_end or still_open
        spans.append((clipped_start, clipped_end))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for span_start, span_end in spans:
        if merged and span_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span_end))
        else:
            merged.append((span_start, span_end))
    return merged, open_at_end


def _working_between(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> timedelta:
    if calendar is None:
        # Via UTC because subtracting datetimes that share a tzinfo ignores DST changes.
        return end.astimezone(UTC) - start.astimezone(UTC)
    return calendar.working_time_between(start, end)


def _add_working(calendar: BusinessCalendar | None, start: datetime, amount: timedelta) -> datetime:
    if calendar is None:
        # Via UTC because aware datetime + timedelta is wall-clock arithmetic.
        return (start.astimezone(UTC) + amount).astimezone(start.tzinfo)
    return calendar.add_working_time(start, amount).at


def _confirmed(calendar: BusinessCalendar | None, start: datetime, due_at: datetime) -> bool:
    if calendar is None:
        return True
    first = start.astimezone(calendar.zone).year
    last = due_at.astimezone(calendar.zone).year
    return all(calendar.is_year_confirmed(year) for year in range(first, last + 1))


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")
