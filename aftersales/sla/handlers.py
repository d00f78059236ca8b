"""The SLA side of each change in a request's life: a status change pauses, meets, stops or
restarts clocks; a customer's message starts a next-response clock; a new priority re-applies
the policy; a new assignee owns the undecided clocks.

Called through ``aftersales.sla.hooks`` inside the service-request transaction that caused the
change, so the change and its clock change commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Max

from aftersales.service.event_text import text
from aftersales.service.models import ServiceRequest, Status
from aftersales.sla import event_codes as codes
from aftersales.sla.clocks import (
    CYCLED,
    DEFAULT_PAUSE_STATUSES,
    DONE,
    applies,
    clock_new,
    clock_stop,
    event_sla,
    recompute_request,
)
from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPause, SlaTarget
from aftersales.sla.services import policy_apply, sla_state


def _pause_statuses(state: RequestSla) -> set[str]:
    if state.policy is None:
        return set(DEFAULT_PAUSE_STATUSES)
    return set(state.policy.pause_statuses or ())


def status_changed(*, request: ServiceRequest, old: str, at: datetime) -> None:
    state, replayed = sla_state(request=request, at=at)
    if replayed:
        return
    new = request.status
    open_pause = (
        SlaPause.objects.filter(request=request, ended_at__isnull=True).order_by("-started_at").first()
    )
    pausing = new in _pause_statuses(state) and new not in DONE
    if open_pause is not None and not pausing:
        SlaPause.objects.filter(request=request, ended_at__isnull=True).update(ended_at=at)
        minutes = max(0, int((at - open_pause.started_at).total_seconds() // 60))
        event_sla(
            request=request,
            action="resumed",
            at=at,
            from_status=open_pause.status,
            paused_minutes=minutes,
            reason=text(codes.RESUMED, minutes=minutes),
        )
    elif open_pause is None and pausing:
        SlaPause.objects.create(request=request, status=new, started_at=at)
        event_sla(request=request, action="paused", at=at, status=new, reason=text(codes.PAUSED, status=new))
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
            clock_stop(clock)


def _new_cycles(*, request: ServiceRequest, state: RequestSla, at: datetime) -> None:
    if state.policy is None:
        return
    targets = {t.metric: t for t in state.policy.targets.all()}
    cycles = dict(
        SlaClock.objects.filter(request=request)
        .values("metric")
        .annotate(n=Max("cycle"))
        .values_list("metric", "n")
    )
    for metric in CYCLED:
        target = targets.get(metric)
        if target is not None and applies(metric, request) and metric in cycles:
            for stale in SlaClock.objects.filter(request=request, metric=metric, active=True):
                clock_stop(stale)
            clock_new(
                request=request,
                state=state,
                policy=state.policy,
                target=target,
                start=at,
                cycle=cycles[metric] + 1,
                at=at,
            )


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
        target = (
            SlaTarget.objects.filter(policy=state.policy, metric=Metric.NEXT_RESPONSE).first()
            if state.policy is not None
            else None
        )
        if (
            request.first_response_at is not None
            and not waiting
            and target is not None
            and state.policy is not None
        ):
            cycle = (
                SlaClock.objects.filter(request=request, metric=Metric.NEXT_RESPONSE).aggregate(
                    n=Max("cycle")
                )["n"]
                or 0
            ) + 1
            clock_new(
                request=request, state=state, policy=state.policy, target=target, start=at, cycle=cycle, at=at
            )
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
