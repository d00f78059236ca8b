"""Reads of SLA clocks for pages and the API, narrowed by the request selectors' access rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from aftersales.service.models import ServiceRequest
from aftersales.service.selectors import request_for_user
from aftersales.sla.models import Escalation, Metric, RequestSla, SlaClock

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

    AnyUser = User | AnonymousUser

State = SlaClock.State
# Amber from this share of the target on; red once breached.
WARN_AT = 0.75
OPEN_ATTR = "sla_open_clocks"
# What a badge reads of a clock (``badge_clock``, ``tone``, ``zone_of`` and ``sla_tags.clock_context``):
# a list page loads only these, and of the calendar only its time zone.
BADGE_FIELDS = (
    "id",
    "request_id",
    "metric",
    "cycle",
    "calendar_id",
    "basis",
    "target_minutes",
    "due_at",
    "state",
    "active",
    "outcome_at",
    "breached_by_minutes",
    "fraction_used",
    "confirmed",
)


# "Due soon" on the start page and the queue's filter: a running clock due within this long.
DUE_SOON = timedelta(hours=8)
CLOCK_FILTERS = ("due_soon", "breached")


def clock_q(which: str, now: datetime) -> Q:
    """Requests with an active clock already past due ("breached") or due within ``DUE_SOON``
    ("due_soon"); one EXISTS on the clocks' (request, active) index, whatever the page size."""
    active = SlaClock.objects.filter(request=OuterRef("pk"), active=True)
    if which == "breached":
        return Q(Exists(active.filter(Q(state=State.BREACHED) | Q(state=State.RUNNING, due_at__lt=now))))
    if which == "due_soon":
        return Q(Exists(active.filter(state=State.RUNNING, due_at__gte=now, due_at__lt=now + DUE_SOON)))
    return Q()


def by_urgency(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """Soonest due first (overdue ones at the top), requests without a running clock last.

    Annotates ``sla_due_at``, the earliest due time of the request's active clocks.
    """
    due = SlaClock.objects.filter(request=OuterRef("pk"), active=True).order_by("due_at").values("due_at")[:1]
    return qs.annotate(sla_due_at=Subquery(due)).order_by(
        F("sla_due_at").asc(nulls_last=True), "-created_at", "-id"
    )


def with_sla(qs: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """Prefetch what ``{% sla_badge %}`` needs, so a list page costs one query more, not one per row."""
    clocks = (
        SlaClock.objects.select_related("calendar")
        .only(*BADGE_FIELDS, "calendar__timezone")
        .order_by("-active", "due_at", "-id")
    )
    return qs.prefetch_related(Prefetch("sla_clocks", queryset=clocks, to_attr=OPEN_ATTR))


def clocks_of(request: ServiceRequest) -> list[SlaClock]:
    prefetched = getattr(request, OPEN_ATTR, None)
    if prefetched is not None:
        return list(prefetched)
    return list(
        SlaClock.objects.filter(request=request)
        .select_related("calendar")
        .order_by("-active", "due_at", "-id")
    )


def badge_clock(request: ServiceRequest) -> SlaClock | None:
    """The clock a badge shows: the most urgent active one, else the latest decided resolution
    (or any latest outcome)."""
    clocks = clocks_of(request)
    active = [c for c in clocks if c.active]
    if active:
        return min(active, key=lambda c: (c.state == State.PAUSED, c.due_at))
    decided = [c for c in clocks if c.outcome_at is not None]
    if not decided:
        return None
    preferred = [c for c in decided if c.metric in (Metric.RESOLUTION, Metric.RETURN_PROCESSING)] or decided
    return max(preferred, key=lambda c: (c.outcome_at, c.pk))


def tone(clock: SlaClock) -> str:
    """Bootstrap colour of a clock: green, amber as the deadline nears, red once breached."""
    if clock.state == State.BREACHED:
        return "danger"
    if clock.state == State.MET:
        return "success"
    if clock.state in (State.PAUSED, State.STOPPED):
        return "secondary"
    return "warning" if clock.fraction_used >= WARN_AT else "success"


def zone_of(clock: SlaClock) -> ZoneInfo:
    calendar = clock.calendar if clock.calendar_id else None
    return (
        ZoneInfo(calendar.timezone)
        if calendar is not None
        else ZoneInfo(timezone.get_current_timezone_name())
    )


@dataclass(frozen=True)
class RequestSlaView:
    request: ServiceRequest
    state: RequestSla | None
    clocks: list[SlaClock]
    escalations: list[Escalation]


def sla_for_user(*, user: AnyUser, number: str) -> RequestSlaView:
    """A request's SLA as ``user`` may see it (404 outside their reach). Customers see their
    clocks but not the internal escalations."""
    request = request_for_user(user=user, number=number)
    state = RequestSla.objects.filter(request=request).select_related("policy", "station", "calendar").first()
    clocks = list(
        SlaClock.objects.filter(request=request)
        .select_related("calendar", "owner")
        .order_by("metric", "cycle")
    )
    escalations: list[Escalation] = []
    if getattr(user, "role", None) != "customer":
        escalations = list(Escalation.objects.filter(request=request).order_by("created_at", "id"))
    return RequestSlaView(request=request, state=state, clocks=clocks, escalations=escalations)


@dataclass(frozen=True)
class Promise:
    """What the portal tells the customer: which promise, by when, and whether it may move."""

    kind: str  # reply | visit | resolve | paused
    due_at: datetime | None
    confirmed: bool


_PROMISE_ORDER = (
    (Metric.FIRST_RESPONSE, "reply"),
    (Metric.NEXT_RESPONSE, "reply"),
    (Metric.ONSITE_ARRIVAL, "visit"),
    (Metric.RETURN_PROCESSING, "resolve"),
    (Metric.RESOLUTION, "resolve"),
)


def promise_for(request: ServiceRequest) -> Promise | None:
    """The next promise to the customer: a reply if one is owed, else the visit, else the fix.
    Breached clocks promise nothing (the portal says nothing rather than a time in the past)."""
    clocks = [c for c in clocks_of(request) if c.active]
    if not clocks or not request.is_open:
        return None
    by_metric = {c.metric: c for c in clocks}
    for metric, kind in _PROMISE_ORDER:
        clock = by_metric.get(metric)
        if clock is None or clock.state == State.BREACHED:
            continue
        if clock.state == State.PAUSED:
            return Promise(kind="paused", due_at=None, confirmed=clock.confirmed)
        return Promise(kind=kind, due_at=clock.due_at.astimezone(zone_of(clock)), confirmed=clock.confirmed)
    return None
