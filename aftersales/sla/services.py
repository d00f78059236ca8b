"""Every SLA write on one request: start its clocks, apply its policy, pause, meet and stop them.

Called through ``aftersales.sla.hooks`` inside the service-request transaction that caused the
change, so a status change and its clock change commit or roll back together. Clocks are never
counters: each write recomputes them with ``compute_clock`` from stored facts (start, pauses,
met time), so a replay gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from aftersales.accounts import config
from aftersales.core.rows import NewRows
from aftersales.core.rows import new as rows_new
from aftersales.service.event_text import EventText, text
from aftersales.service.models import Fulfilment, RequestEvent, ServiceRequest, Status
from aftersales.sla import event_codes as codes
from aftersales.sla.calendar import BusinessCalendar, china_calendar
from aftersales.sla.calendars import business_calendar, calendar_for
from aftersales.sla.clock import ClockStatus, Pause, compute_clock
from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPause, SlaPolicy, SlaTarget, TimeBasis
from aftersales.sla.policies import policy_for, policy_targets, sla_setup_versioned
from aftersales.stations.coverage import coverage_rows, nearest_covering_id
from aftersales.stations.models import ServiceStation

FIELD_KINDS = frozenset({"installation", "repair", "maintenance"})
RETURN_KINDS = frozenset({"return", "exchange", "refund"})
# Measured again after a reopen (返修): the customer waits for a second visit and fix.
CYCLED = (Metric.ONSITE_ARRIVAL, Metric.RESOLUTION, Metric.RETURN_PROCESSING)
# A pause (waiting for the customer) stops every clock except the reply owed to a customer who
# has just written: their message ended the wait for them.
UNPAUSED = frozenset({Metric.NEXT_RESPONSE})
DONE = frozenset({Status.CLOSED, Status.CANCELLED})
DEFAULT_PAUSE_STATUSES = ("awaiting_customer",)
State = SlaClock.State


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
    from aftersales.service.services import event_add

    event_add(request=request, kind="sla", by=None, public=False, reason=reason, data={"action": action, **data},
              at=at)


# --- starting ------------------------------------------------------------------------------------


METRICS = tuple(Metric.values)  # once: ``TextChoices.values`` builds a new list on every call


def station_for(request: ServiceRequest) -> int | None:
    """The nearest active station whose service radius covers an on-site address, if any."""
    if request.latitude is None or request.longitude is None or request.fulfilment != Fulfilment.ONSITE:
        return None
    org = request.organization
    rows = config.cached(org, "coverage", lambda: (coverage_rows(org.pk), True))
    return nearest_covering_id(org.pk, request.latitude, request.longitude, rows)


def sla_start(*, request: ServiceRequest, at: datetime, new: bool = False, rows: NewRows | None = None) -> RequestSla:
    """Give a new request its policy and clocks (first response, resolution… from creation).

    ``new``: the request is being created in this transaction (the created hook), so it has no
    SLA row yet and none is looked for. ``rows``: add the new rows there for the caller to write
    with the request's other rows, instead of writing them now.
    """
    org = request.organization
    # Kept only when the calendar was there already (a version was read): one made just now is
    # in this transaction, which may still roll back.
    default, version = config.cached(org, "sla_setup", lambda: (
        (found := sla_setup_versioned(organization=org)), found[1] is not None))
    station_id = station_for(request)
    calendar = calendar_for(request.organization, station_id, default=default)
    state = None if new else RequestSla.objects.filter(request=request).first()
    if state is not None:
        policy_apply(request=request, at=at, state=state, quiet=True)
        return state
    # A request without SLA rows has no clocks or pauses either (the backfill writes all three
    # together): pick the policy, compute each clock at ``at`` and insert them once. Everything
    # that can fail on a broken calendar (ValueError) runs before the first write, so the created
    # hook needs no savepoint to leave the request's transaction clean.
    policy = policy_for(request, version=version)
    state = rows_new(RequestSla, request=request, policy=policy, station_id=station_id, calendar=calendar,
                     applied_at=at)
    targets = {} if request.status in DONE or policy is None else policy_targets(policy)
    clocks = [
        rows_new(SlaClock, request=request, organization_id=request.organization_id, metric=metric, cycle=1,
                 policy=policy, calendar_id=state.calendar_id, basis=target.basis, target_minutes=target.minutes,
                 started_at=request.created_at, applied_at=max(at, request.created_at), due_at=request.created_at,
                 owner_id=request.assignee_id, revision=1)
        for metric in METRICS
        if metric != Metric.NEXT_RESPONSE and applies(metric, request) and (target := targets.get(metric)) is not None
    ]
    met = _met_of(request, None)
    breaches = []
    for clock in clocks:
        _met_set(clock, met)
        if clock_compute(clock, calendar_of(state), (), at):
            breaches.append(clock)
    writer = rows if rows is not None else NewRows()
    writer.add(state)
    writer.add(*clocks)
    for clock in breaches:
        writer.add(breach_event_new(request=request, metric=clock.metric, due_at=clock.due_at, at=at))
    if rows is None:
        writer.write()
    return state


def sla_state(*, request: ServiceRequest, at: datetime) -> tuple[RequestSla, bool]:
    """The request's SLA row and whether it was made just now.

    A request written without the hooks (imported history, the demo, requests from before the
    SLA engine) has its timeline replayed up to ``at`` on first touch; the change being hooked
    is already on that timeline, so callers stop there when the second value is True.
    """
    state = RequestSla.objects.filter(request=request).select_related("policy", "calendar").first()
    if state is not None:
        return state, False
    from aftersales.sla.backfill import backfill_request

    backfill_request(request=request, now=at)
    state = RequestSla.objects.filter(request=request).select_related("policy", "calendar").first()
    return (state, True) if state is not None else (sla_start(request=request, at=at), True)


def sla_station_set(*, request: ServiceRequest, station: ServiceStation | None, at: datetime | None = None) -> None:
    """Serve the request from ``station``: its calendar (if it has one) drives working time."""
    if station is not None and station.organization_id != request.organization_id:
        raise ValueError("station belongs to another organization")
    at = at or timezone.now()
    state, _replayed = sla_state(request=request, at=at)
    state.station = station
    state.calendar = calendar_for(request.organization, station.pk if station else None)
    state.save(update_fields=["station", "calendar"])
    SlaClock.objects.filter(request=request, active=True).update(calendar=state.calendar, revision=F("revision") + 1)
    recompute_request(request=request, state=state, at=at)


# --- policy --------------------------------------------------------------------------------------


def _latest_clocks(request: ServiceRequest) -> dict[str, SlaClock]:
    latest: dict[str, SlaClock] = {}
    for clock in SlaClock.objects.filter(request=request).order_by("cycle"):
        latest[clock.metric] = clock
    return latest


def _clock_new(
    *, request: ServiceRequest, state: RequestSla, policy: SlaPolicy, target: SlaTarget, start: datetime,
    cycle: int, at: datetime,
) -> SlaClock:
    return SlaClock.objects.create(
        request=request, organization_id=request.organization_id, metric=target.metric, cycle=cycle, policy=policy,
        calendar_id=state.calendar_id, basis=target.basis, target_minutes=target.minutes, started_at=start,
        applied_at=max(at, start), due_at=start, owner_id=request.assignee_id,
    )


def _clock_stop(clock: SlaClock) -> None:
    """Stop a clock whose target no longer applies; a recorded breach stays a breach."""
    clock.active = False
    if clock.breached_at is None:
        clock.state = State.STOPPED
    clock.revision += 1
    clock.save()


def policy_apply(
    *, request: ServiceRequest, at: datetime, state: RequestSla | None = None, quiet: bool = False
) -> SlaPolicy | None:
    """Match the request against its organization's policies and bring its clocks in line.

    A clock keeps its start; a new target moves its due time. A clock whose breach is recorded
    keeps its target and stays breached: re-applying never back-dates or erases a breach.
    """
    if state is None:
        state, replayed = sla_state(request=request, at=at)
        if replayed:
            return state.policy
    policy = policy_for(request)
    if state.calendar_id is None:
        state.calendar = calendar_for(request.organization, state.station_id)
    changed = (policy.pk if policy else None) != state.policy_id
    if request.status not in DONE:
        targets = {t.metric: t for t in policy.targets.all()} if policy else {}
        latest = _latest_clocks(request)
        for metric in METRICS:
            target = targets.get(metric) if applies(metric, request) else None
            clock = latest.get(metric)
            if clock is None:
                if target is not None and policy is not None and metric != Metric.NEXT_RESPONSE:
                    _clock_new(request=request, state=state, policy=policy, target=target, start=request.created_at,
                               cycle=1, at=at)
                    changed = True
                continue
            if clock.breached_at is not None or not (clock.active or clock.state == State.STOPPED):
                continue
            if target is None:
                if clock.active:
                    _clock_stop(clock)
                    changed = True
                continue
            same = (clock.active and clock.policy_id == target.policy_id and clock.target_minutes == target.minutes
                    and clock.basis == target.basis and clock.calendar_id == state.calendar_id)
            if same:
                continue
            clock.policy_id, clock.target_minutes, clock.basis = target.policy_id, target.minutes, target.basis
            clock.calendar_id, clock.applied_at, clock.active = state.calendar_id, max(at, clock.started_at), True
            clock.state, clock.escalation_mark, clock.revision = State.RUNNING, 0, clock.revision + 1
            clock.save()
            changed = True
    state.policy = policy
    state.applied_at = at
    state.save(update_fields=["policy", "calendar", "applied_at"])
    if changed and not quiet:
        event_sla(request=request, action="policy_applied", at=at,
                  reason=text(codes.POLICY_APPLIED, name=policy.name if policy else gettext_noop("无")),
                  policy=policy.name if policy else None)
    recompute_request(request=request, state=state, at=at)
    return policy


# --- recomputing ---------------------------------------------------------------------------------


def pauses_of(request_id: int) -> list[Pause]:
    return [(p.started_at, p.ended_at) for p in SlaPause.objects.filter(request_id=request_id)]


def clock_compute(clock: SlaClock, calendar: BusinessCalendar | None, pauses: Iterable[Pause], now: datetime) -> bool:
    """Recompute ``clock`` in memory at ``now``; returns True when this is its first breach.

    The breach time recorded is the due time, or the moment the current target was set if
    that is later: a target shortened after the fact does not date a breach into the past.
    """
    result = compute_clock(
        calendar=calendar if clock.basis == TimeBasis.WORKING else None, start=clock.started_at,
        target_minutes=clock.target_minutes, now=now, pauses=() if clock.metric in UNPAUSED else pauses,
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
        SlaClock.objects.filter(pk=clock_id, breached_at__isnull=True)
        .update(breached_at=breached_at, outcome_at=breached_at, state=State.BREACHED)
    )


def breach_reason(metric: str, due_at: datetime) -> EventText:
    return text(codes.BREACHED, metric=metric, due=timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"))


def breach_event(*, request: ServiceRequest, metric: str, due_at: datetime, at: datetime) -> None:
    breach_event_new(request=request, metric=metric, due_at=due_at, at=at).save(force_insert=True)


def breach_event_new(*, request: ServiceRequest, metric: str, due_at: datetime, at: datetime) -> RequestEvent:
    """``breach_event``'s event, not yet saved."""
    from aftersales.service.services import event_new

    return event_new(request=request, kind="sla", by=None, public=False, reason=breach_reason(metric, due_at),
                     data={"action": "breached", "metric": metric, "due_at": due_at.isoformat()}, at=at)


def calendar_of(state: RequestSla) -> BusinessCalendar:
    return business_calendar(state.calendar) if state.calendar is not None else fallback_calendar()


def _met_of(request: ServiceRequest, met: Mapping[str, datetime] | None) -> dict[str, datetime]:
    found = dict(met or {})
    if request.first_response_at is not None:
        found.setdefault(Metric.FIRST_RESPONSE, request.first_response_at)
    return found


def _met_set(clock: SlaClock, met: Mapping[str, datetime]) -> None:
    when = met.get(clock.metric)
    if when is not None and clock.met_at is None and (clock.metric == Metric.FIRST_RESPONSE or when >= clock.started_at):
        clock.met_at = max(when, clock.started_at)


def recompute_request(
    *, request: ServiceRequest, state: RequestSla, at: datetime, met: Mapping[str, datetime] | None = None
) -> list[SlaClock]:
    """Recompute the request's active clocks at ``at``, marking those ``met`` names (and the
    first response, from the request itself) as met."""
    clocks = list(SlaClock.objects.filter(request=request, active=True))
    if not clocks:
        return []
    met = _met_of(request, met)
    pauses = pauses_of(request.pk)
    calendars: dict[int | None, BusinessCalendar] = {}
    for clock in clocks:
        _met_set(clock, met)
        if clock.calendar_id not in calendars:
            calendars[clock.calendar_id] = (
                calendar_of(state) if clock.calendar_id == state.calendar_id
                else business_calendar(clock.calendar) if clock.calendar is not None else fallback_calendar()
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


# --- events from the request's life -------------------------------------------------------------


def _pause_statuses(state: RequestSla) -> set[str]:
    if state.policy is None:
        return set(DEFAULT_PAUSE_STATUSES)
    return set(state.policy.pause_statuses or ())


def status_changed(*, request: ServiceRequest, old: str, at: datetime) -> None:
    state, replayed = sla_state(request=request, at=at)
    if replayed:
        return
    new = request.status
    open_pause = SlaPause.objects.filter(request=request, ended_at__isnull=True).order_by("-started_at").first()
    pausing = new in _pause_statuses(state) and new not in DONE
    if open_pause is not None and not pausing:
        SlaPause.objects.filter(request=request, ended_at__isnull=True).update(ended_at=at)
        minutes = max(0, int((at - open_pause.started_at).total_seconds() // 60))
        event_sla(request=request, action="resumed", at=at, from_status=open_pause.status, paused_minutes=minutes,
                  reason=text(codes.RESUMED, minutes=minutes))
    elif open_pause is None and pausing:
        SlaPause.objects.create(request=request, status=new, started_at=at)
        event_sla(request=request, action="paused", at=at, status=new,
                  reason=text(codes.PAUSED, status=new))
    met: dict[str, datetime] = {}
    if new == Status.IN_PROGRESS:
        met[Metric.ONSITE_ARRIVAL] = at
    if new == Status.RESOLVED:
        met[Metric.RESOLUTION] = met[Metric.RETURN_PROCESSING] = request.resolved_at or at
    recompute_request(request=request, state=state, at=at, met=met)
    if new == Status.REOPENED:
        # After the recompute, so a clock overdue by now is stopped as breached, not merely stopped.
        _new_cycles(request=request, state=state, at=at)
        recompute_request(request=request, state=state, at=at)
    if new in DONE:
        for clock in SlaClock.objects.filter(request=request, active=True):
            _clock_stop(clock)


def _new_cycles(*, request: ServiceRequest, state: RequestSla, at: datetime) -> None:
    if state.policy is None:
        return
    targets = {t.metric: t for t in state.policy.targets.all()}
    cycles = dict(SlaClock.objects.filter(request=request).values("metric").annotate(n=Max("cycle"))
                  .values_list("metric", "n"))
    for metric in CYCLED:
        target = targets.get(metric)
        if target is not None and applies(metric, request) and metric in cycles:
            for stale in SlaClock.objects.filter(request=request, metric=metric, active=True):
                _clock_stop(stale)
            _clock_new(request=request, state=state, policy=state.policy, target=target, start=at,
                       cycle=cycles[metric] + 1, at=at)


def message_added(*, request: ServiceRequest, author_kind: str, internal: bool, at: datetime) -> None:
    """A customer's message starts a next-response clock; a staff public reply meets it."""
    if internal or request.status in DONE:
        return
    state, replayed = sla_state(request=request, at=at)
    if replayed:
        return
    met: dict[str, datetime] = {}
    if author_kind == "customer":
        waiting = SlaClock.objects.filter(request=request, metric=Metric.NEXT_RESPONSE, active=True).exists()
        target = (SlaTarget.objects.filter(policy=state.policy, metric=Metric.NEXT_RESPONSE).first()
                  if state.policy is not None else None)
        if request.first_response_at is not None and not waiting and target is not None and state.policy is not None:
            cycle = (SlaClock.objects.filter(request=request, metric=Metric.NEXT_RESPONSE)
                     .aggregate(n=Max("cycle"))["n"] or 0) + 1
            _clock_new(request=request, state=state, policy=state.policy, target=target, start=at, cycle=cycle, at=at)
    elif author_kind == "staff":
        met[Metric.NEXT_RESPONSE] = at
    recompute_request(request=request, state=state, at=at, met=met)


def fields_changed(*, request: ServiceRequest, changed: Iterable[str], at: datetime) -> None:
    """A new priority, kind or fulfilment may select another policy: re-apply it."""
    if {"priority", "kind", "fulfilment"} & set(changed):
        policy_apply(request=request, at=at)


def assigned(*, request: ServiceRequest, at: datetime) -> None:
    """Undecided clocks belong to the new assignee (reports credit met and breached targets to
    whoever held the request when the outcome was decided)."""
    _state, replayed = sla_state(request=request, at=at)
    if replayed:
        return
    SlaClock.objects.filter(request=request, active=True, outcome_at__isnull=True).update(
        owner_id=request.assignee_id, revision=F("revision") + 1
    )
