"""Clocks for requests that never passed through the SLA hooks: imported history, the demo's
bulk-written year, requests from before the SLA engine was installed.

Each request's timeline (status events, public messages, assignments) is replayed in memory by
the same rules the hooks apply live (``aftersales.sla.handlers``), and the final state of every
clock is computed by the same ``clock_compute``; a test pins that replaying gives what the
hooks would have stored. History does not escalate: thresholds already passed count as handled,
so the outbox is not flooded with year-old warnings.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from aftersales.accounts.models import User
from aftersales.service import event_text
from aftersales.service.event_text import EventText, text
from aftersales.service.models import Message, RequestEvent, ServiceRequest, Status
from aftersales.sla import event_codes as codes
from aftersales.sla.calendar import BusinessCalendar
from aftersales.sla.calendars import business_calendar, calendar_for
from aftersales.sla.clock import Pause
from aftersales.sla.clocks import (
    CYCLED,
    DEFAULT_PAUSE_STATUSES,
    DONE,
    applies,
    breach_reason,
    clock_compute,
    station_for,
)
from aftersales.sla.models import (
    Metric,
    RequestSla,
    ServiceCalendar,
    SlaClock,
    SlaPause,
    SlaPolicy,
    SlaTarget,
)
from aftersales.sla.policies import sla_setup_organization

State = SlaClock.State
# Entering these statuses meets these targets (as ``handlers.status_changed`` does live).
_MET_BY: dict[str, tuple[str, ...]] = {
    Status.IN_PROGRESS: (Metric.ONSITE_ARRIVAL,),
    Status.RESOLVED: (Metric.RESOLUTION, Metric.RETURN_PROCESSING),
}
log = logging.getLogger(__name__)


@dataclass
class _Cycle:
    start: datetime
    met: datetime | None = None


@dataclass
class _Replay:
    pauses: list[list[Any]] = field(default_factory=list)  # [start, end | None, status]
    cycles: dict[str, list[_Cycle]] = field(default_factory=dict)
    done_at: datetime | None = None
    events: list[tuple[datetime, str, EventText, dict[str, Any]]] = field(default_factory=list)


def _match(policies: list[tuple[SlaPolicy, set[int]]], request: ServiceRequest) -> SlaPolicy | None:
    tier = request.customer.tier if request.customer_id else ""
    category = request.unit.product_model.category_id if request.unit_id and request.unit else None
    for policy, categories in policies:
        if policy.matches(
            kind=request.kind,
            priority=request.priority,
            channel=request.channel,
            tier=tier,
            category_id=category,
            categories=categories,
        ):
            return policy
    return None


def _replay(
    request: ServiceRequest,
    targets: dict[str, SlaTarget],
    pause_statuses: set[str],
    status_events: list[RequestEvent],
    messages: list[Message],
) -> _Replay:
    out = _Replay()
    for metric in (Metric.FIRST_RESPONSE, *CYCLED):
        if metric in targets and applies(metric, request):
            out.cycles[metric] = [_Cycle(request.created_at)]
    for event in status_events:
        at, new = event.created_at, event.to_status
        open_pause = out.pauses[-1] if out.pauses and out.pauses[-1][1] is None else None
        pausing = new in pause_statuses and new not in DONE
        if open_pause is not None and not pausing:
            open_pause[1] = at
            minutes = max(0, int((at - open_pause[0]).total_seconds() // 60))
            out.events.append(
                (
                    at,
                    "resumed",
                    text(codes.RESUMED, minutes=minutes),
                    {"from_status": open_pause[2], "paused_minutes": minutes},
                )
            )
        elif open_pause is None and pausing:
            out.pauses.append([at, None, new])
            out.events.append((at, "paused", text(codes.PAUSED, status=new), {"status": new}))
        for met_metric in _MET_BY.get(new, ()):
            if met_metric in out.cycles:
                cycle = out.cycles[met_metric][-1]
                if cycle.met is None and at >= cycle.start:
                    cycle.met = at
        if new == Status.REOPENED:
            for metric in CYCLED:
                if metric in out.cycles:
                    out.cycles[metric].append(_Cycle(at))
        if new in DONE:
            out.done_at = at
            break
    if Metric.FIRST_RESPONSE in out.cycles:
        out.cycles[Metric.FIRST_RESPONSE][0].met = request.first_response_at
    if Metric.NEXT_RESPONSE in targets:
        waiting: list[_Cycle] = []
        for message in messages:
            at = message.created_at
            if out.done_at is not None and at > out.done_at:
                break
            open_cycle = waiting[-1] if waiting and waiting[-1].met is None else None
            if message.author_kind == Message.Author.CUSTOMER:
                answered = request.first_response_at is not None and request.first_response_at <= at
                if answered and open_cycle is None:
                    waiting.append(_Cycle(at))
            elif (
                message.author_kind == Message.Author.STAFF
                and open_cycle is not None
                and at >= open_cycle.start
            ):
                open_cycle.met = at
        if waiting:
            out.cycles[Metric.NEXT_RESPONSE] = waiting
    return out


def _owner_at(
    assignments: list[tuple[datetime, int | None]], at: datetime | None, current: int | None
) -> int | None:
    if at is None:
        return current
    owner = None
    for when, user_id in assignments:
        if when > at:
            break
        owner = user_id
    return owner


def _clocks_for(
    request: ServiceRequest,
    calendar: ServiceCalendar,
    bcal: BusinessCalendar,
    policies: list[tuple[SlaPolicy, set[int]]],
    status_events: list[RequestEvent],
    messages: list[Message],
    assignments: list[tuple[datetime, str]],
    usernames: dict[str, int],
    now: datetime,
) -> tuple[SlaPolicy | None, list[SlaClock], list[tuple[datetime, str, EventText, dict[str, Any]]], _Replay]:
    policy = _match(policies, request)
    targets = {t.metric: t for t in policy.targets.all()} if policy else {}
    pause_statuses = set(policy.pause_statuses or ()) if policy else set(DEFAULT_PAUSE_STATUSES)
    replay = _replay(request, targets, pause_statuses, status_events, messages)
    pauses: list[Pause] = [(p[0], p[1]) for p in replay.pauses]
    owners = [(at, usernames.get(name)) for at, name in assignments]
    clocks = []
    events = list(replay.events)
    for metric, cycles in replay.cycles.items():
        target = targets[metric]
        for number, cycle in enumerate(cycles, start=1):
            later = cycles[number].start if number < len(cycles) else None
            stop = later or replay.done_at
            clock = SlaClock(
                request=request,
                organization_id=request.organization_id,
                metric=metric,
                cycle=number,
                policy=policy,
                calendar=calendar,
                basis=target.basis,
                target_minutes=target.minutes,
                started_at=cycle.start,
                applied_at=cycle.start,
                due_at=cycle.start,
                met_at=cycle.met if cycle.met is not None and (stop is None or cycle.met <= stop) else None,
            )
            end = clock.met_at or stop or now
            clock_compute(clock, bcal, pauses, max(end, cycle.start))
            if clock.met_at is None and stop is not None:
                clock.active = False
                if clock.breached_at is None:
                    clock.state = State.STOPPED
            if clock.active:
                clock.escalation_mark = clock.fraction_used * clock.target_minutes
            clock.owner_id = _owner_at(owners, clock.outcome_at, request.assignee_id)
            if clock.breached_at is not None:
                events.append(
                    (
                        clock.breached_at,
                        "breached",
                        breach_reason(metric, clock.due_at),
                        {"metric": metric, "due_at": clock.due_at.isoformat()},
                    )
                )
            clocks.append(clock)
    return policy, clocks, events, replay


class _Context:
    """What a batch of replays shares: calendars and each organization's policies."""

    def __init__(self) -> None:
        self.calendars: dict[int, tuple[ServiceCalendar, BusinessCalendar]] = {}
        self.policies: dict[int, list[tuple[SlaPolicy, set[int]]]] = {}

    def calendar(
        self, request: ServiceRequest, station_id: int | None
    ) -> tuple[ServiceCalendar, BusinessCalendar]:
        calendar = calendar_for(request.organization, station_id)
        if calendar.pk not in self.calendars:
            self.calendars[calendar.pk] = (calendar, business_calendar(calendar))
        return self.calendars[calendar.pk]

    def policies_of(self, organization_id: int) -> list[tuple[SlaPolicy, set[int]]]:
        if organization_id not in self.policies:
            self.policies[organization_id] = [
                (p, {c.pk for c in p.product_categories.all()})
                for p in SlaPolicy.objects.filter(organization_id=organization_id, is_active=True)
                .prefetch_related("product_categories", "targets")
                .order_by("position", "id")
            ]
        return self.policies[organization_id]


def _replay_batch(ids: list[int], now: datetime) -> int:
    requests = list(
        ServiceRequest.objects.filter(pk__in=ids)
        .select_related("organization", "customer", "unit__product_model")
        .order_by("id")
    )
    status_events: dict[int, list[RequestEvent]] = defaultdict(list)
    assignments: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    kinds = [RequestEvent.Kind.STATUS, RequestEvent.Kind.MERGE, RequestEvent.Kind.ASSIGNMENT]
    for event in RequestEvent.objects.filter(
        request_id__in=ids, kind__in=kinds, created_at__lte=now
    ).order_by("created_at", "id"):
        if event.kind == RequestEvent.Kind.ASSIGNMENT:
            assignments[event.request_id].append((event.created_at, (event.data or {}).get("to") or ""))
        elif event.to_status:
            status_events[event.request_id].append(event)
    messages: dict[int, list[Message]] = defaultdict(list)
    for message in Message.objects.filter(request_id__in=ids, internal=False, created_at__lte=now).order_by(
        "created_at", "id"
    ):
        messages[message.request_id].append(message)
    org_ids = {r.organization_id for r in requests}
    usernames = dict(User.objects.filter(organization_id__in=org_ids).values_list("username", "id"))
    context = _Context()
    done = 0
    for request in requests:
        sla_setup_organization(organization=request.organization)
        station_id = station_for(request)
        calendar, bcal = context.calendar(request, station_id)
        try:
            policy, clocks, events, replay = _clocks_for(
                request,
                calendar,
                bcal,
                context.policies_of(request.organization_id),
                status_events[request.pk],
                messages[request.pk],
                assignments[request.pk],
                usernames,
                now,
            )
        except ValueError:
            # A calendar without working time for years: record the request as handled without
            # clocks rather than retry it (and block the ones behind it) every minute.
            log.exception("sla backfill failed", extra={"request_id": request.pk})
            policy, clocks, events, replay = None, [], [], _Replay()
        try:
            with transaction.atomic():
                RequestSla.objects.create(
                    request=request,
                    policy=policy,
                    station_id=station_id,
                    calendar=calendar,
                    applied_at=request.created_at,
                )
                SlaClock.objects.bulk_create(clocks)
                SlaPause.objects.bulk_create(
                    SlaPause(request=request, status=p[2], started_at=p[0], ended_at=p[1])
                    for p in replay.pauses
                )
                RequestEvent.objects.bulk_create(
                    RequestEvent(
                        request=request,
                        kind=RequestEvent.Kind.SLA,
                        actor=None,
                        actor_label="系统",
                        public=False,
                        **event_text.fields(reason),
                        data={"action": action, **data},
                        created_at=at,
                    )
                    for at, action, reason, data in events
                )
        except IntegrityError:
            continue  # a hook started this request's SLA meanwhile
        done += 1
    return done


def sla_backfill(*, now: datetime, limit: int = 5000) -> int:
    """Replay up to ``limit`` requests without SLA rows; returns how many got them."""
    ids = list(
        ServiceRequest.objects.filter(sla__isnull=True).order_by("id").values_list("id", flat=True)[:limit]
    )
    return _replay_batch(ids, now) if ids else 0


def backfill_request(*, request: ServiceRequest, now: datetime) -> bool:
    """Replay one request's timeline up to ``now`` (the hooks' way in for a request that has
    history but no SLA rows: the change being made is already on its timeline)."""
    return _replay_batch([request.pk], now) == 1
