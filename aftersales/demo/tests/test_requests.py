"""The demo's service requests are consistent with the lifecycle table and with each other."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime, time

import pytest
import time_machine
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from aftersales.demo.context import DemoContext
from aftersales.demo.generate import STEPS
from aftersales.dispatch.models import Appointment
from aftersales.notifications.models import OutboxMessage
from aftersales.service import lifecycle
from aftersales.service.models import (
    CannedReply,
    Channel,
    Kind,
    Message,
    Rating,
    RequestEvent,
    ServiceRequest,
    Status,
)
from aftersales.service.services import render_canned

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for this module (it takes a few seconds), removed afterwards.

    Generated as if at 23:50 local time: by then every visit window of the day has started, which is
    when a timeline drawn backwards from "now" would go wrong (a request opened after its own visit).
    """
    late = timezone.make_aware(datetime.combine(timezone.localdate(), time(23, 50)))
    with django_db_blocker.unblock(), time_machine.travel(late, tick=True), transaction.atomic():
        ctx = DemoContext(rng=random.Random(2026), today=timezone.localdate(), report=lambda line: None)
        for _title, step in STEPS:
            step(ctx)
        yield ctx
        transaction.set_rollback(True)


def test_about_three_thousand_requests_in_every_kind_channel_and_state(demo):
    assert 2800 <= ServiceRequest.objects.count() <= 3300
    assert set(ServiceRequest.objects.values_list("kind", flat=True)) == set(Kind.values)
    assert set(ServiceRequest.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == set(Status.values)
    for org in demo.orgs.values():
        assert ServiceRequest.objects.filter(organization=org).count() >= 400


def test_spread_over_the_last_year_with_real_numbers(demo):
    now = timezone.now()
    created = list(ServiceRequest.objects.values_list("created_at", flat=True))
    assert max(created) <= now and min(created) >= now - timezone.timedelta(days=366)
    months = Counter((c.year, c.month) for c in created)
    assert len(months) >= 12
    for pk, number, at in ServiceRequest.objects.values_list("pk", "number", "created_at"):
        assert number == f"SR-{timezone.localtime(at).year}-{pk:06d}"


def test_every_timeline_replays_through_the_lifecycle_table(demo):
    timelines = defaultdict(list)
    for event in RequestEvent.objects.order_by("created_at", "id").values(
        "request_id", "kind", "from_status", "to_status", "data", "created_at"
    ):
        timelines[event["request_id"]].append(event)
    # The SLA engine's own events (paused, breached, escalated) record what happened to the
    # clocks, not a change to the request, so they do not move its updated time.
    last_event = dict(
        RequestEvent.objects.exclude(kind=RequestEvent.Kind.SLA)
        .values_list("request_id")
        .annotate(m=Max("created_at"))
    )
    last_any = dict(RequestEvent.objects.values_list("request_id").annotate(m=Max("created_at")))
    for sr in ServiceRequest.objects.all():
        events = timelines[sr.pk]
        assert events[0]["kind"] == "created"
        status, resolved, reopened = "new", False, 0
        for e in events:
            if e["kind"] != "status":
                continue
            transition = lifecycle.find(sr.kind, e["data"]["transition"])
            assert transition is not None and lifecycle.Status(status) in transition.sources, (
                sr.number,
                status,
                e,
            )
            assert (e["from_status"], e["to_status"]) == (status, transition.target.value)
            status = e["to_status"]
            resolved = status == "resolved" or (resolved and status != "reopened")
            reopened += status == "reopened"
        assert status == sr.status, sr.number
        if any(e["kind"] == "field" for e in events) or any(
            e["kind"] == "sla" and (e["data"] or {}).get("action") == "escalated" for e in events
        ):
            # A return's or quote's own steps (received, inspected, a quote drafted) are timeline
            # events that move the request's status only when the step implies one; an escalation
            # that raises the priority moves the request at the escalation's time.
            assert sr.updated_at <= last_any[sr.pk]
        else:
            assert sr.updated_at == last_event[sr.pk]
        assert (sr.closed_at is not None) == (sr.status in ("closed", "cancelled"))
        assert (sr.resolved_at is not None) == resolved and sr.reopen_count == reopened, sr.number


def test_a_unit_has_at_most_one_open_request(demo):
    open_per_unit = Counter(
        ServiceRequest.objects.filter(unit__isnull=False)
        .exclude(status__in=["closed", "cancelled"])
        .values_list("unit_id", flat=True)
    )
    assert open_per_unit and max(open_per_unit.values()) == 1


def test_assignees_are_the_organizations_staff(demo):
    assigned = ServiceRequest.objects.filter(assignee__isnull=False).select_related("assignee")
    assert assigned.count() > 1000
    for sr in assigned:
        assert sr.assignee.organization_id == sr.organization_id
        assert sr.assignee.role in ("technician", "agent", "quality_manager")
        if sr.kind in ("installation", "repair", "maintenance"):
            assert sr.assignee.role == "technician"
    field_in_progress = ServiceRequest.objects.filter(kind="repair", status__in=["scheduled", "in_progress"])
    assert not field_in_progress.filter(assignee__isnull=True).exists()


def test_conversations_have_customers_staff_and_internal_notes(demo):
    kinds = Counter(Message.objects.values_list("author_kind", "internal"))
    assert (
        kinds[("customer", False)] > 300 and kinds[("staff", False)] > 2000 and kinds[("staff", True)] > 300
    )
    assert kinds[("customer", True)] == 0
    # every message has its timeline line, and notes stay off the customer's view
    assert RequestEvent.objects.filter(kind__in=["message", "note"]).count() == Message.objects.count()
    assert not RequestEvent.objects.filter(kind="note", public=True).exists()
    sample = Message.objects.filter(author_kind="staff", internal=False).first()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in sample.body)


def test_most_closed_requests_are_rated_mostly_well(demo):
    closed = ServiceRequest.objects.filter(status="closed").count()
    ratings = list(Rating.objects.select_related("request"))
    assert len(ratings) > closed / 2
    assert all(r.request.status == "closed" and r.created_at >= r.request.closed_at for r in ratings)
    averages = [r.average for r in ratings]
    assert sum(a >= 4 for a in averages) > 0.65 * len(averages)
    assert sorted(averages)[len(averages) // 2] >= 4
    low = [r for r in ratings if r.average <= 2.5]
    assert low and sum(bool(r.comment) for r in low) > 0.8 * len(low)
    assert RequestEvent.objects.filter(kind="rating").count() == len(ratings)


def test_canned_replies_fill_their_placeholders(demo, alice):
    for org in demo.orgs.values():
        assert CannedReply.objects.filter(organization=org).count() >= 5
    sr = (
        ServiceRequest.objects.filter(unit__isnull=False)
        .select_related("customer", "unit__product_model")
        .first()
    )
    reply = CannedReply.objects.get(organization=sr.organization, title="完工回访")
    text = render_canned(reply.body, request=sr, agent=alice)
    assert sr.number in text and sr.customer.name in text and "{" not in text


def test_history_queued_no_notifications(demo):
    assert not OutboxMessage.objects.exists()


def test_booked_visits_were_requested_before_their_window(demo):
    visits = list(Appointment.objects.select_related("request"))
    assert len(visits) > 100
    for visit in visits:
        assert visit.request.created_at < visit.created_at <= visit.window_start, visit.request.number
        scheduled = visit.request.events.get(kind="status", to_status="scheduled").created_at
        assert scheduled <= visit.window_start, visit.request.number
