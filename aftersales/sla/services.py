"""The SLA writes on one request: start its clocks, find its SLA row, serve it from a station,
apply its policy.

Called through ``aftersales.sla.hooks`` inside the service-request transaction that caused the
change (and by the escalation job), so a request change and its clock change commit or roll
back together. The clock primitives they share are in ``clocks``; the handlers of each change in
a request's life (status, message, fields, assignee) in ``handlers``.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from aftersales.accounts import config
from aftersales.core.fastpath.rows import NewRows
from aftersales.core.fastpath.rows import new as rows_new
from aftersales.core.fastpath.unit import current_unit
from aftersales.service.event_text import text
from aftersales.service.models import ServiceRequest
from aftersales.sla import event_codes as codes
from aftersales.sla.backfill import backfill_request
from aftersales.sla.calendars import calendar_for
from aftersales.sla.clocks import (
    DONE,
    METRICS,
    State,
    applies,
    breach_event_new,
    calendar_of,
    clock_compute,
    clock_new,
    clock_stop,
    event_sla,
    latest_clocks,
    met_of,
    met_set,
    recompute_request,
    station_for,
)
from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPolicy
from aftersales.sla.policies import policy_for, policy_targets, sla_setup_versioned
from aftersales.stations.models import ServiceStation

# --- starting ------------------------------------------------------------------------------------


def sla_start(*, request: ServiceRequest, at: datetime, new: bool = False) -> RequestSla:
    """Give a new request its policy and clocks (first response, resolution… from creation).

    ``new``: the request is being created in this transaction (the created hook), so it has no
    SLA row yet and none is looked for. Inside a unit of work (``core.fastpath.unit``, the
    request create's) the new rows are added to it, written with the request's other rows,
    instead of now.
    """
    org = request.organization
    # Kept only when the calendar was there already (a version was read): one made just now is
    # in this transaction, which may still roll back.
    default, version = config.cached(
        org, "sla_setup", lambda: ((found := sla_setup_versioned(organization=org)), found[1] is not None)
    )
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
    state = rows_new(
        RequestSla, request=request, policy=policy, station_id=station_id, calendar=calendar, applied_at=at
    )
    targets = {} if request.status in DONE or policy is None else policy_targets(policy)
    clocks = [
        rows_new(
            SlaClock,
            request=request,
            organization_id=request.organization_id,
            metric=metric,
            cycle=1,
            policy=policy,
            calendar_id=state.calendar_id,
            basis=target.basis,
            target_minutes=target.minutes,
            started_at=request.created_at,
            applied_at=max(at, request.created_at),
            due_at=request.created_at,
            owner_id=request.assignee_id,
            revision=1,
        )
        for metric in METRICS
        if metric != Metric.NEXT_RESPONSE
        and applies(metric, request)
        and (target := targets.get(metric)) is not None
    ]
    met = met_of(request, None)
    breaches = []
    for clock in clocks:
        met_set(clock, met)
        if clock_compute(clock, calendar_of(state), (), at):
            breaches.append(clock)
    rows = current_unit()
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
    backfill_request(request=request, now=at)
    state = RequestSla.objects.filter(request=request).select_related("policy", "calendar").first()
    return (state, True) if state is not None else (sla_start(request=request, at=at), True)


def sla_station_set(
    *, request: ServiceRequest, station: ServiceStation | None, at: datetime | None = None
) -> None:
    """Serve the request from ``station``: its calendar (if it has one) drives working time."""
    if station is not None and station.organization_id != request.organization_id:
        raise ValueError("station belongs to another organization")
    at = at or timezone.now()
    state, _replayed = sla_state(request=request, at=at)
    state.station = station
    state.calendar = calendar_for(request.organization, station.pk if station else None)
    state.save(update_fields=["station", "calendar"])
    SlaClock.objects.filter(request=request, active=True).update(
        calendar=state.calendar, revision=F("revision") + 1
    )
    recompute_request(request=request, state=state, at=at)


# --- policy --------------------------------------------------------------------------------------


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
        latest = latest_clocks(request)
        for metric in METRICS:
            target = targets.get(metric) if applies(metric, request) else None
            clock = latest.get(metric)
            if clock is None:
                if target is not None and policy is not None and metric != Metric.NEXT_RESPONSE:
                    clock_new(
                        request=request,
                        state=state,
                        policy=policy,
                        target=target,
                        start=request.created_at,
                        cycle=1,
                        at=at,
                    )
                    changed = True
                continue
            if clock.breached_at is not None or not (clock.active or clock.state == State.STOPPED):
                continue
            if target is None:
                if clock.active:
                    clock_stop(clock)
                    changed = True
                continue
            same = (
                clock.active
                and clock.policy_id == target.policy_id
                and clock.target_minutes == target.minutes
                and clock.basis == target.basis
                and clock.calendar_id == state.calendar_id
            )
            if same:
                continue
            clock.policy_id, clock.target_minutes, clock.basis = (
                target.policy_id,
                target.minutes,
                target.basis,
            )
            clock.calendar_id, clock.applied_at, clock.active = (
                state.calendar_id,
                max(at, clock.started_at),
                True,
            )
            clock.state, clock.escalation_mark, clock.revision = State.RUNNING, 0, clock.revision + 1
            clock.save()
            changed = True
    state.policy = policy
    state.applied_at = at
    state.save(update_fields=["policy", "calendar", "applied_at"])
    if changed and not quiet:
        event_sla(
            request=request,
            action="policy_applied",
            at=at,
            reason=text(codes.POLICY_APPLIED, name=policy.name if policy else gettext_noop("无")),
            policy=policy.name if policy else None,
        )
    recompute_request(request=request, state=state, at=at)
    return policy
