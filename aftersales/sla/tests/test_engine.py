"""Clocks on real requests, through the service-request services and the database calendar.

Working hours are the default Mon–Fri 09:00–12:00 and 13:00–18:00. Expected dates come from the
State Council notices (see test_calendar.py): 2025 Spring Festival Jan 28–Feb 4 off, Sun Jan 26
worked; National Day Oct 1–8 off, Sat Oct 11 worked. March 2025 has no holiday; 2025-03-07 is
a Friday.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aftersales.service import services
from aftersales.service.models import RequestEvent
from aftersales.sla.calendars import calendar_create, calendar_day_set, calendar_year_confirm
from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPolicy, SlaTarget, WorkingHours
from aftersales.sla.recompute import sla_check
from aftersales.sla.services import sla_station_set
from aftersales.stations.models import ServiceStation

from .conftest import sh, walk

State = SlaClock.State


def clock(request, metric: str, cycle: int = 1) -> SlaClock:
    return SlaClock.objects.get(request=request, metric=metric, cycle=cycle)


# --- deadlines through the database calendar ----------------------------------------------------


def test_new_repair_gets_the_default_policy_and_its_clocks(make_request):
    sr = make_request("repair", sh(2025, 3, 10, 10))
    state = RequestSla.objects.get(request=sr)
    assert state.policy is not None and state.policy.name.startswith("上门服务")
    assert set(SlaClock.objects.filter(request=sr).values_list("metric", flat=True)) == {
        Metric.FIRST_RESPONSE,
        Metric.ONSITE_ARRIVAL,
        Metric.RESOLUTION,
    }
    # 5 working days of 8 hours from Monday 10:00 is the next Monday 10:00
    assert clock(sr, Metric.RESOLUTION).due_at == sh(2025, 3, 17, 10)


def test_friday_evening_ticket_skips_the_weekend_and_the_lunch_break(make_request):
    # given a repair on Friday 17:30 with 4 working hours to a first response
    sr = make_request("repair", sh(2025, 3, 7, 17, 30))
    # then: 30 min on Friday, 3 h on Monday morning, 30 min after lunch
    assert clock(sr, Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 10, 13, 30)


def test_consultation_before_spring_festival_is_due_on_the_make_up_sunday(make_request):
    # Saturday 2025-01-25: closed; Sunday 01-26 is a 调休 workday
    sr = make_request("consultation", sh(2025, 1, 25, 10))
    first = clock(sr, Metric.FIRST_RESPONSE)
    assert first.due_at == sh(2025, 1, 26, 11) and first.confirmed


def test_consultation_on_the_eve_of_spring_festival_waits_out_the_holiday(make_request):
    # Monday 2025-01-27 17:00: one hour that day, then Jan 28 – Feb 4 off
    sr = make_request("consultation", sh(2025, 1, 27, 17))
    assert clock(sr, Metric.FIRST_RESPONSE).due_at == sh(2025, 2, 5, 10)


def test_return_over_national_day_lands_on_the_make_up_saturday(make_request):
    # Tue 2025-09-30 10:00, 3 working days (24 h): 7 h on Sep 30, Oct 1–8 off, 8 h Oct 9,
    # 8 h Oct 10, then the make-up Saturday Oct 11 from 09:00
    sr = make_request("return", sh(2025, 9, 30, 10))
    processing = clock(sr, Metric.RETURN_PROCESSING)
    assert processing.due_at == sh(2025, 10, 11, 10) and processing.confirmed


def test_a_deadline_in_a_year_without_an_official_schedule_is_unconfirmed(make_request, calendar_a):
    # 2027's notice is not published: the package's estimate is loaded but not confirmed
    early = make_request("repair", sh(2026, 12, 29, 10))
    assert clock(early, Metric.FIRST_RESPONSE).confirmed  # due the same day, in 2026
    assert not clock(early, Metric.RESOLUTION).confirmed  # five working days reach into 2027
    late = make_request("consultation", sh(2027, 3, 1, 10))
    assert not clock(late, Metric.FIRST_RESPONSE).confirmed
    # when an admin enters 2027's schedule and confirms the year
    calendar_year_confirm(calendar=calendar_a, year=2027)
    services.request_update(request=late, by=None, version=None, priority="high")
    assert clock(late, Metric.FIRST_RESPONSE).confirmed


def test_an_admin_day_moves_deadlines(make_request, calendar_a):
    # given a company day off on Monday 2025-03-10 (not an official holiday)
    calendar_day_set(calendar=calendar_a, day=date(2025, 3, 10), kind="holiday", name="年会")
    sr = make_request("consultation", sh(2025, 3, 7, 17))
    # then: 1 h on Friday, Monday skipped, 1 h on Tuesday
    assert clock(sr, Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 11, 10)
    # and special short hours on Tuesday push it after lunch
    calendar_day_set(
        calendar=calendar_a, day=date(2025, 3, 11), kind="special", hours="09:30-10:00, 14:00-17:00"
    )
    other = make_request("consultation", sh(2025, 3, 7, 17))
    assert clock(other, Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 11, 14, 30)


def test_calendar_time_runs_through_the_night_where_working_time_waits(make_request):
    sr = make_request("complaint", sh(2025, 3, 7, 17))
    # complaint: a solution within 24 calendar hours, a first response within 1 working hour
    assert clock(sr, Metric.RESOLUTION).due_at == sh(2025, 3, 8, 17)
    assert clock(sr, Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 7, 18)
    # on Saturday noon the calendar clock has used 19/24; the working one waits
    sla_check(now=sh(2025, 3, 8, 12))
    resolution = clock(sr, Metric.RESOLUTION)
    assert resolution.state == State.RUNNING and resolution.fraction_used == pytest.approx(19 / 24, abs=1e-4)


# --- pause and resume ---------------------------------------------------------------------------


def test_waiting_for_the_customer_pauses_and_resuming_pushes_the_deadline(make_request, alice):
    # given a repair on Monday 09:00: 40 working hours use up Friday
    sr = make_request("repair", sh(2025, 3, 10, 9))
    assert clock(sr, Metric.RESOLUTION).due_at == sh(2025, 3, 14, 18)
    sr = walk(sr, alice, sh(2025, 3, 10, 10), "accept", "assign", "start")
    # when: waiting for the customer on Tuesday from 10:00 to 17:00 (6 working hours)
    sr = walk(sr, alice, sh(2025, 3, 11, 10), "wait_for_customer")
    paused = clock(sr, Metric.RESOLUTION)
    assert paused.state == State.PAUSED
    sr = walk(sr, alice, sh(2025, 3, 11, 17), "resume")
    # then: due 6 working hours later, on Monday afternoon
    resumed = clock(sr, Metric.RESOLUTION)
    assert resumed.state == State.RUNNING
    assert resumed.due_at == sh(2025, 3, 17, 16)
    events = list(RequestEvent.objects.filter(request=sr, kind="sla").values_list("data__action", flat=True))
    assert events == ["paused", "resumed"]


def test_a_policy_can_pause_on_waiting_for_parts_too(make_request, alice, org_a, calendar_a):
    SlaPolicy.objects.filter(organization=org_a, name__startswith="上门服务").update(
        pause_statuses=["awaiting_customer", "awaiting_parts"]
    )
    sr = make_request("repair", sh(2025, 3, 10, 9))
    sr = walk(sr, alice, sh(2025, 3, 10, 10), "accept", "assign", "start")
    sr = walk(sr, alice, sh(2025, 3, 10, 11), "wait_for_parts")
    sr = walk(sr, alice, sh(2025, 3, 11, 11), "resume")
    # 8 working hours waiting for parts: Friday 18:00 becomes Monday 18:00
    assert clock(sr, Metric.RESOLUTION).due_at == sh(2025, 3, 17, 18)


# --- meeting targets ----------------------------------------------------------------------------


def test_staff_transition_meets_first_response_and_starting_work_meets_arrival(make_request, alice):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    sr = walk(sr, alice, sh(2025, 3, 10, 9, 30), "accept", "assign")
    first = clock(sr, Metric.FIRST_RESPONSE)
    assert first.state == State.MET and not first.active and first.met_at == sh(2025, 3, 10, 9, 30)
    assert clock(sr, Metric.ONSITE_ARRIVAL).state == State.RUNNING
    sr = walk(sr, alice, sh(2025, 3, 11, 14), "start")
    assert clock(sr, Metric.ONSITE_ARRIVAL).state == State.MET
    sr = walk(sr, alice, sh(2025, 3, 12, 14), "resolve")
    resolution = clock(sr, Metric.RESOLUTION)
    assert resolution.state == State.MET and resolution.outcome_at == sh(2025, 3, 12, 14)


def test_each_customer_message_waits_for_a_reply(make_request, alice, carol):
    sr = make_request("consultation", sh(2025, 3, 10, 9))
    services.message_add(
        request=sr, by=alice, body="您好，请问型号？", at=sh(2025, 3, 10, 9, 30), notify=False
    )
    sr.refresh_from_db()
    services.message_add(request=sr, by=carol, body="KFR-35", at=sh(2025, 3, 10, 11), notify=False)
    waiting = clock(sr, Metric.NEXT_RESPONSE)
    assert waiting.active and waiting.due_at == sh(2025, 3, 10, 14)  # 2 working hours over lunch
    # a second customer message while waiting does not start another clock
    services.message_add(request=sr, by=carol, body="在吗？", at=sh(2025, 3, 10, 11, 30), notify=False)
    assert SlaClock.objects.filter(request=sr, metric=Metric.NEXT_RESPONSE).count() == 1
    # an internal note is not a reply; a public one is
    services.message_add(
        request=sr, by=alice, body="查库存", internal=True, at=sh(2025, 3, 10, 13), notify=False
    )
    assert clock(sr, Metric.NEXT_RESPONSE).active
    services.message_add(request=sr, by=alice, body="有货", at=sh(2025, 3, 10, 13, 10), notify=False)
    assert clock(sr, Metric.NEXT_RESPONSE).state == State.MET
    services.message_add(request=sr, by=carol, body="谢谢", at=sh(2025, 3, 10, 15), notify=False)
    assert clock(sr, Metric.NEXT_RESPONSE, cycle=2).active


def test_reopening_starts_a_new_resolution_cycle(make_request, alice, carol):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    sr = walk(sr, alice, sh(2025, 3, 10, 10), "accept", "assign", "start", "resolve")
    services.request_transition(
        request=sr, name="customer_reject", by=carol, reason="仍然漏水", at=sh(2025, 3, 11, 9), notify=False
    )
    assert clock(sr, Metric.RESOLUTION).state == State.MET
    again = clock(sr, Metric.RESOLUTION, cycle=2)
    assert again.active and again.started_at == sh(2025, 3, 11, 9) and again.due_at == sh(2025, 3, 17, 18)
    assert clock(sr, Metric.ONSITE_ARRIVAL, cycle=2).active


def test_cancelling_stops_open_clocks_but_keeps_a_breach(make_request, alice):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    sla_check(now=sh(2025, 3, 10, 16))  # the 4-hour first response was due at 14:00 (after lunch)
    services.request_transition(
        request=sr, name="cancel", by=alice, reason="重复", at=sh(2025, 3, 10, 17), notify=False
    )
    first = clock(sr, Metric.FIRST_RESPONSE)
    assert first.state == State.BREACHED and first.breached_at == sh(2025, 3, 10, 14)
    assert clock(sr, Metric.RESOLUTION).state == State.STOPPED
    assert not SlaClock.objects.filter(request=sr, active=True).exists()


# --- re-applying the policy ---------------------------------------------------------------------


@pytest.fixture
def urgent_policy(org_a, calendar_a):
    policy = SlaPolicy.objects.create(
        organization=org_a, name="紧急维修", position=5, kinds=["repair"], priorities=["urgent"]
    )
    SlaTarget.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE, minutes=30)
    SlaTarget.objects.create(policy=policy, metric=Metric.RESOLUTION, minutes=8 * 60)
    return policy


def test_a_priority_change_re_applies_the_policy(make_request, alice, urgent_policy):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    assert clock(sr, Metric.RESOLUTION).due_at == sh(2025, 3, 14, 18)
    services.request_update(request=sr, by=alice, version=None, priority="urgent")
    sr.refresh_from_db()
    resolution = clock(sr, Metric.RESOLUTION)
    assert resolution.policy_id == urgent_policy.pk and resolution.started_at == sh(2025, 3, 10, 9)
    assert RequestSla.objects.get(request=sr).policy_id == urgent_policy.pk
    # the urgent policy has no on-site target: that clock stops
    assert clock(sr, Metric.ONSITE_ARRIVAL).state == State.STOPPED
    assert RequestEvent.objects.filter(request=sr, kind="sla", data__action="policy_applied").exists()


def test_re_applying_never_erases_or_back_dates_a_breach(make_request, alice, urgent_policy):
    # given an urgent repair whose 30-minute first response was breached at 09:30 and recorded
    sr = make_request("repair", sh(2025, 3, 10, 9), priority="urgent")
    sla_check(now=sh(2025, 3, 10, 10))
    first = clock(sr, Metric.FIRST_RESPONSE)
    assert first.state == State.BREACHED and first.breached_at == sh(2025, 3, 10, 9, 30)
    # when the priority drops back to normal (4 working hours would not have been breached)
    services.request_update(request=sr, by=alice, version=None, priority="normal")
    # then the breach stands, with its time
    first = clock(sr, Metric.FIRST_RESPONSE)
    assert first.state == State.BREACHED and first.breached_at == sh(2025, 3, 10, 9, 30)
    assert first.target_minutes == 30
    # and a shortened target does not date a new breach into the past
    other = make_request("repair", sh(2025, 3, 10, 9))
    services.request_update(request=other, by=alice, version=None, priority="urgent")
    later = clock(other, Metric.FIRST_RESPONSE)
    assert later.state == State.BREACHED and later.breached_at > sh(2025, 3, 10, 9, 30)


def test_a_kind_change_re_applies_the_policy(make_request, alice):
    sr = make_request("consultation", sh(2025, 3, 10, 9))
    assert not SlaClock.objects.filter(request=sr, metric=Metric.RESOLUTION).exists()
    services.request_update(request=sr, by=alice, version=None, kind="complaint")
    assert clock(sr, Metric.RESOLUTION).due_at == sh(2025, 3, 11, 9)  # 24 calendar hours
    assert clock(sr, Metric.FIRST_RESPONSE).target_minutes == 60


def test_the_first_matching_policy_in_admin_order_wins(make_request, org_a, calendar_a, customer_a):
    vip = SlaPolicy.objects.create(
        organization=org_a, name="VIP", position=1, customer_tiers=["vip"], channels=["phone"]
    )
    SlaTarget.objects.create(policy=vip, metric=Metric.FIRST_RESPONSE, minutes=15)
    customer_a.tier = "vip"
    customer_a.save()
    by_phone = make_request("repair", sh(2025, 3, 10, 9), channel="phone")
    by_web = make_request("repair", sh(2025, 3, 10, 9), channel="web", allow_duplicate=True)
    assert RequestSla.objects.get(request=by_phone).policy_id == vip.pk
    assert RequestSla.objects.get(request=by_web).policy.name.startswith("上门服务")


def test_requests_predating_the_engine_get_clocks_on_their_next_change(make_request, alice):
    sr = make_request("consultation", sh(2025, 3, 10, 9))
    RequestSla.objects.filter(request=sr).delete()
    SlaClock.objects.filter(request=sr).delete()
    walk(sr, alice, sh(2025, 3, 10, 9, 30), "accept")
    assert clock(sr, Metric.FIRST_RESPONSE).state == State.MET


def test_a_station_calendar_takes_over(make_request, org_a, calendar_a):
    station = ServiceStation.objects.create(
        organization=org_a,
        code="bj",
        name="北京网点",
        province="北京",
        city="北京",
        address="x",
        latitude=39.9,
        longitude=116.4,
    )
    # a station open seven days a week, 08:00–20:00
    calendar_create(
        organization=org_a,
        station=station,
        holiday_source="none",
        weekly={d: ((sh(2025, 1, 1, 8).time(), sh(2025, 1, 1, 20).time()),) for d in range(7)},
    )
    sr = make_request("consultation", sh(2025, 3, 8, 10))  # a Saturday
    assert clock(sr, Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 10, 11)
    sla_station_set(request=sr, station=station, at=sh(2025, 3, 8, 10))
    assert clock(sr, Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 8, 12)


def test_deadlines_over_many_days_stay_consistent(make_request):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    before = clock(sr, Metric.RESOLUTION).due_at
    sla_check(now=sh(2025, 3, 12, 9))
    sla_check(now=sh(2025, 3, 12, 9) + timedelta(minutes=1))
    assert clock(sr, Metric.RESOLUTION).due_at == before


def test_a_calendar_without_working_time_does_not_stop_a_new_request(make_request, calendar_a, caplog):
    """An admin who removes every working hour breaks working-time deadlines; the request is
    still created (its transaction intact), without clocks, and the failure is logged."""
    WorkingHours.objects.filter(calendar=calendar_a).delete()
    sr = make_request("repair", sh(2025, 3, 10, 9))
    assert sr.pk is not None and sr.events.filter(kind="created").exists()
    assert (
        not RequestSla.objects.filter(request=sr).exists()
        and not SlaClock.objects.filter(request=sr).exists()
    )
    assert any(r.getMessage() == "sla hook failed" for r in caplog.records)
    # The same transaction goes on: the next change writes fine.
    services.request_transition(request=sr, name="accept", by=None, at=sh(2025, 3, 10, 10))
    sr.refresh_from_db()
    assert sr.status == "accepted"
