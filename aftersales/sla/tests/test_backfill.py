"""Requests that never passed through the hooks (imports, the demo) get the clocks the hooks
would have given them, by replaying their timelines; history does not escalate."""

from __future__ import annotations

from aftersales.notifications.models import OutboxMessage
from aftersales.service import services
from aftersales.service.models import RequestEvent
from aftersales.sla.backfill import sla_backfill
from aftersales.sla.models import Escalation, RequestSla, SlaClock, SlaPause
from aftersales.sla.recompute import recompute_open_clocks, sla_check

from .conftest import clock_at, sh, walk

T = sh(2025, 3, 20, 10)  # when the check runs, after all of the history below
FIELDS = (
    "metric",
    "cycle",
    "state",
    "active",
    "started_at",
    "due_at",
    "met_at",
    "breached_at",
    "outcome_at",
    "breached_by_minutes",
    "fraction_used",
    "confirmed",
    "owner_id",
    "target_minutes",
    "basis",
)


def _history(make_request, alice, dave, tina, carol):
    # a repair: paused for the customer, resolved, rejected (返修), fixed again and closed
    repair = make_request("repair", sh(2025, 3, 10, 9))
    repair = walk(repair, dave, sh(2025, 3, 10, 9, 20), "accept", "assign")
    with clock_at(sh(2025, 3, 10, 9, 21)):
        services.request_assign(request=repair, assignee=tina, by=dave)
    repair = walk(repair, tina, sh(2025, 3, 11, 10), "start")
    repair = walk(repair, tina, sh(2025, 3, 11, 11), "wait_for_customer")
    services.message_add(request=repair, by=carol, body="照片发您了", at=sh(2025, 3, 11, 16), notify=False)
    repair.refresh_from_db()
    repair = walk(repair, tina, sh(2025, 3, 12, 14), "resume", "resolve")
    repair = services.request_transition(
        request=repair,
        name="customer_reject",
        by=carol,
        reason="还是漏水",
        at=sh(2025, 3, 13, 9),
        notify=False,
    )
    repair = walk(repair, tina, sh(2025, 3, 17, 15), "start", "resolve")
    repair = walk(repair, alice, sh(2025, 3, 17, 15), "close")  # closing is the agent's
    # a consultation answered once, then the customer asks again and waits
    consultation = make_request("consultation", sh(2025, 3, 14, 9))
    services.message_add(
        request=consultation, by=alice, body="请提供型号", at=sh(2025, 3, 14, 9, 30), notify=False
    )
    consultation.refresh_from_db()
    services.message_add(request=consultation, by=carol, body="KFR-35", at=sh(2025, 3, 14, 10), notify=False)
    # a complaint nobody touched, long overdue
    complaint = make_request("complaint", sh(2025, 3, 12, 9))
    # a return accepted, then cancelled
    rma = make_request("return", sh(2025, 3, 11, 9))
    walk(rma, alice, sh(2025, 3, 11, 10), "accept", "cancel")
    # a repair waiting for the customer right now
    waiting = make_request("repair", sh(2025, 3, 18, 9))
    walk(waiting, dave, sh(2025, 3, 18, 10), "accept", "assign", "start", "wait_for_customer")
    return [repair, consultation, complaint, rma, waiting]


def _snapshot(requests):
    clocks = {r.number: sorted(SlaClock.objects.filter(request=r).values_list(*FIELDS)) for r in requests}
    pauses = {
        r.number: sorted(SlaPause.objects.filter(request=r).values_list("status", "started_at", "ended_at"))
        for r in requests
    }
    return clocks, pauses


def test_replaying_a_timeline_gives_what_the_hooks_stored(make_request, alice, dave, tina, carol):
    requests = _history(make_request, alice, dave, tina, carol)
    recompute_open_clocks(now=T, escalations=False)
    live = _snapshot(requests)
    assert SlaClock.objects.filter(request=requests[0], metric="resolution").count() == 2
    # when the SLA rows are gone, as for history written without the hooks
    RequestSla.objects.all().delete()
    SlaClock.objects.all().delete()
    SlaPause.objects.all().delete()
    RequestEvent.objects.filter(kind="sla").delete()
    assert sla_backfill(now=T) == len(requests)
    recompute_open_clocks(now=T, escalations=False)
    # then
    assert _snapshot(requests) == live
    assert RequestEvent.objects.filter(request=requests[0], kind="sla", data__action="paused").count() == 1
    assert sla_backfill(now=T) == 0


def test_history_does_not_escalate_but_what_comes_after_does(make_request, alice, dave, tina, carol):
    requests = _history(make_request, alice, dave, tina, carol)
    RequestSla.objects.all().delete()
    SlaClock.objects.all().delete()
    summary = sla_check(now=T)
    assert summary["backfilled"] == len(requests)
    assert (
        not Escalation.objects.exists()
        and not OutboxMessage.objects.filter(subject__contains="时效").exists()
    )
    # the waiting repair's on-site visit was met; its resolution clock is paused; the consultation's reply is
    # overdue already, and only a threshold crossed from now on would escalate
    assert SlaClock.objects.get(request=requests[4], metric="resolution").state == "paused"
    assert SlaClock.objects.get(request=requests[1], metric="next_response").state == "breached"


def test_the_first_hooked_change_replays_the_history_once(make_request, alice, carol):
    # given a repair fixed once, written without SLA rows
    sr = make_request("repair", sh(2025, 3, 10, 9))
    sr = walk(sr, alice, sh(2025, 3, 10, 10), "accept", "assign", "start", "resolve")
    RequestSla.objects.all().delete()
    SlaClock.objects.all().delete()
    # when the customer rejects the fix (the first change the hooks see)
    services.request_transition(
        request=sr, name="customer_reject", by=carol, reason="还是漏水", at=sh(2025, 3, 11, 9), notify=False
    )
    # then the replay covered it, once: one new cycle each, starting at the rejection
    cycles = sorted(SlaClock.objects.filter(request=sr).values_list("metric", "cycle", "state", "started_at"))
    assert cycles == [
        ("first_response", 1, "met", sh(2025, 3, 10, 9)),
        ("onsite_arrival", 1, "met", sh(2025, 3, 10, 9)),
        ("onsite_arrival", 2, "running", sh(2025, 3, 11, 9)),
        ("resolution", 1, "met", sh(2025, 3, 10, 9)),
        ("resolution", 2, "running", sh(2025, 3, 11, 9)),
    ]
