"""The SLA clock primitives: which clocks a request has, computing them, recording breaches.

Shared by the writes in ``services`` (starting a request's SLA, applying a policy), the hook
handlers in ``handlers`` and the replay in ``backfill``. Clocks are never counters: each write
recomputes them with ``compute_clock`` from stored facts (start, pauses, met time), so a replay
gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.utils import timezone

from aftersales.accounts import config
from aftersales.service.event_text import EventText, text
from aftersales.service.events import event_add, event_new
from aftersales.service.lifecycle import FIELD_KINDS, RETURN_KINDS
from aftersales.service.models import Fulfilment, RequestEvent, ServiceRequest, Status
from aftersales.sla import event_codes as codes
from aftersales.sla.calendar import BusinessCalendar, china_calendar
from aftersales.sla.calendars import business_calendar
from aftersales.sla.clock import ClockStatus, Pause, compute_clock
from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPause, SlaPolicy, SlaTarget, TimeBasis
from aftersales.stations.coverage import coverage_rows, nearest_covering_id

# Measured again after a reopen (返修): the customer waits for a second visit and fix.
CYCLED = (Metric.ONSITE_ARRIVAL, Metric.RESOLUTION, Metric.RETURN_PROCESSING)
# A pause (waiting for the customer) stops every clock except the reply owed to a customer who
# has just written: their message ended the wait for them.
UNPAUSED = frozenset({Metric.NEXT_RESPONSE})
DONE = frozenset({Status.CLOSED, Status.CANCELLED})
DEFAULT_PAUSE_STATUSES = ("awaiting_customer",)
State = SlaClock.State


METRICS = tuple(Metric.values)  # once: ``TextChoices.values`` builds a new list on every call


def applies(metric: str, request: ServiceRequest) -> bool:
    """Whether ``metric`` makes sense for the request at all, whatever the policy says."""
    if metric == Metric.ONSITE_ARRIVAL:
        return request.kind in FIELD_KINDS and request.fulfilment == Fulfilment.ONSITE
    if metric == Metric.RETURN_PROCESSING:
        return request.kind in RETURN_KINDS
    return True


@lru_cache(maxsize=1)
def fallback_calendar() -> BusinessCalendar:
    """Used only when a clock's calendar row was deleted: China's calendar in Shanghai time."""
    return china_calendar()


def event_sla(*, request: ServiceRequest, action: str, reason: EventText, at: datetime, **data: Any) -> None:
    event_add(
        request=request,
        kind="sla",
        by=None,
        public=False,
        reason=reason,
        data={"action": action, **data},
        at=at,
    )


def station_for(request: ServiceRequest) -> int | None:
    """The nearest active station whose service radius covers an on-site address, if any."""
    if request.latitude is None or request.longitude is None or request.fulfilment != Fulfilment.ONSITE:
        return None
    org = request.organization
    rows = config.cached(org, "coverage", lambda: (coverage_rows(org.pk), True))
    return nearest_covering_id(org.pk, request.latitude, request.longitude, rows)


def latest_clocks(request: ServiceRequest) -> dict[str, SlaClock]:
    latest: dict[str, SlaClock] = {}
    for clock in SlaClock.objects.filter(request=request).order_by("cycle"):
        latest[clock.metric] = clock
    return latest


def clock_new(
    *,
    request: ServiceRequest,
    state: RequestSla,
    policy: SlaPolicy,
    target: SlaTarget,
    start: datetime,
    cycle: int,
    at: datetime,
) -> SlaClock:
    return SlaClock.objects.create(
        request=request,
        organization_id=request.organization_id,
        metric=target.metric,
        cycle=cycle,
        policy=policy,
        calendar_id=state.calendar_id,
        basis=target.basis,
        target_minutes=target.minutes,
        started_at=start,
        applied_at=max(at, start),
        due_at=start,
        owner_id=request.assignee_id,
    )


def clock_stop(clock: SlaClock) -> None:
    """Stop a clock whose target no longer applies; a recorded breach stays a breach."""
    clock.active = False
    if clock.breached_at is None:
        clock.state = State.STOPPED
    clock.revision += 1
    clock.save()


def pauses_of(request_id: int) -> list[Pause]:
    return [(p.started_at, p.ended_at) for p in SlaPause.objects.filter(request_id=request_id)]


def clock_compute(
    clock: SlaClock, calendar: BusinessCalendar | None, pauses: Iterable[Pause], now: datetime
) -> bool:
    """Recompute ``clock`` in memory at ``now``; returns True when this is its first breach.

    The breach time recorded is the due time, or the moment the current target was set if
    that is later: a target shortened after the fact does not date a breach into the past.
    """
    result = compute_clock(
        calendar=calendar if clock.basis == TimeBasis.WORKING else None,
        start=clock.started_at,
        target_minutes=clock.target_minutes,
        now=now,
        pauses=() if clock.metric in UNPAUSED else pauses,
        met_at=clock.met_at,
    )
    clock.due_at = result.due_at
    clock.fraction_used = round(result.fraction_used, 4)
    clock.breached_by_minutes = result.breached_by_minutes
    clock.confirmed = result.confirmed
    first_breach = False
    if result.state == ClockStatus.BREACHED or clock.breached_at is not None:
        clock.state = State.BREACHED
        if clock.breached_at is None:
            clock.breached_at = max(result.due_at, clock.applied_at)
            clock.outcome_at = clock.breached_at
            first_breach = True
    else:
        clock.state = str(result.state)
    if clock.met_at is not None:
        clock.active = False
        if clock.outcome_at is None:
            clock.outcome_at = clock.met_at
    return first_breach


def claim_breach(clock_id: int, breached_at: datetime) -> bool:
    """Record a breach once, whoever sees it first (a hook or the periodic job)."""
    return bool(
        SlaClock.objects.filter(pk=clock_id, breached_at__isnull=True).update(
            breached_at=breached_at, outcome_at=breached_at, state=State.BREACHED
        )
    )


def breach_reason(metric: str, due_at: datetime) -> EventText:
    return text(codes.BREACHED, metric=metric, due=timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"))


def breach_event(*, request: ServiceRequest, metric: str, due_at: datetime, at: datetime) -> None:
    breach_event_new(request=request, metric=metric, due_at=due_at, at=at).save(force_insert=True)


def breach_event_new(*, request: ServiceRequest, metric: str, due_at: datetime, at: datetime) -> RequestEvent:
    """``breach_event``'s event, not yet saved."""
    return event_new(
        request=request,
        kind="sla",
        by=None,
        public=False,
        reason=breach_reason(metric, due_at),
        data={"action": "breached", "metric": metric, "due_at": due_at.isoformat()},
        at=at,
    )


def calendar_of(state: RequestSla) -> BusinessCalendar:
    return business_calendar(state.calendar) if state.calendar is not None else fallback_calendar()


def met_of(request: ServiceRequest, met: Mapping[str, datetime] | None) -> dict[str, datetime]:
    found = dict(met or {})
    if request.first_response_at is not None:
        found.setdefault(Metric.FIRST_RESPONSE, request.first_response_at)
    return found


def met_set(clock: SlaClock, met: Mapping[str, datetime]) -> None:
    when = met.get(clock.metric)
    if (
        when is not None
        and clock.met_at is None
        and (clock.metric == Metric.FIRST_RESPONSE or when >= clock.started_at)
    ):
        clock.met_at = max(when, clock.started_at)


def recompute_request(
    *, request: ServiceRequest, state: RequestSla, at: datetime, met: Mapping[str, datetime] | None = None
) -> list[SlaClock]:
    """Recompute the request's active clocks at ``at``, marking those ``met`` names (and the
    first response, from the request itself) as met."""
    clocks = list(SlaClock.objects.filter(request=request, active=True))
    if not clocks:
        return []
    met = met_of(request, met)
    pauses = pauses_of(request.pk)
    calendars: dict[int | None, BusinessCalendar] = {}
    for clock in clocks:
        met_set(clock, met)
        if clock.calendar_id not in calendars:
            calendars[clock.calendar_id] = (
                calendar_of(state)
                if clock.calendar_id == state.calendar_id
                else business_calendar(clock.calendar)
                if clock.calendar is not None
                else fallback_calendar()
            )
        if clock_compute(clock, calendars[clock.calendar_id], pauses, at):
            if claim_breach(clock.pk, clock.breached_at):  # type: ignore[arg-type]
                breach_event(request=request, metric=clock.metric, due_at=clock.due_at, at=at)
            else:
                # The periodic job recorded it a moment ago: keep its time and its event.
                recorded = SlaClock.objects.values_list("breached_at", flat=True).get(pk=clock.pk)
                clock.breached_at = clock.outcome_at = recorded
        clock.revision += 1
        clock.save()
    return clocks
