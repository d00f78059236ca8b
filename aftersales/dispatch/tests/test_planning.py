"""Day plans from the database: routes with ETAs stored, explained gaps, re-planning around a visit in progress."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftersales.core.errors import InvalidInput
from aftersales.dispatch import booking, planning
from aftersales.dispatch.models import Appointment, DayPlan, RouteStop, SkillRequirement
from aftersales.dispatch.tasks import replan
from aftersales.dispatch.visits import visit_check_in
from aftersales.jobs.models import Job
from aftersales.service.models import Status

from .conftest import EVERY_DAY, day_at, field_request, make_technician, near, today, tomorrow_at

pytestmark = pytest.mark.django_db
FAST = 0.3


def test_a_day_plan_orders_each_technicians_visits_with_etas_inside_the_windows(
    org_a, station, carol_customer, ac_model, tina_tech
):
    make_technician(org_a, station, "zed", shifts=EVERY_DAY)
    for i, hour in enumerate((8, 8, 10, 12, 14)):
        sr = field_request(org_a, carol_customer, ac_model, where=near(i * 3 - 6, i % 2 * 4))
        booking.appointment_book(request=sr, start=tomorrow_at(hour), by=None)
    plan = planning.plan_day(station=station, day=today() + timedelta(days=1), by=None, time_limit_s=FAST)
    stops = list(plan.stops.select_related("appointment"))
    assert len(stops) == 5 and plan.unassigned == []
    for stop in stops:
        assert stop.appointment.window_start <= stop.start_at <= stop.appointment.window_end
        assert stop.arrival_at <= stop.start_at < stop.departure_at
    for tech_id in {s.technician_id for s in stops}:
        mine = sorted((s for s in stops if s.technician_id == tech_id), key=lambda s: s.sequence)
        assert [s.sequence for s in mine] == list(range(1, len(mine) + 1))
        assert all(a.departure_at <= b.arrival_at for a, b in zip(mine, mine[1:], strict=False))
    assert plan.distance_m > 0 and plan.solver == "pyvrp"
    # the appointments follow the plan's technicians, and the requests their assignees
    for stop in stops:
        stop.appointment.refresh_from_db()
        assert stop.appointment.technician_id == stop.technician_id
        assert stop.appointment.request.assignee_id == stop.technician.user_id


def test_a_job_nobody_is_qualified_for_is_unassigned_with_the_reason(
    org_a, station, carol_customer, ac_model, carol_request, tina_tech
):
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    # later the organization requires a refrigerant certificate for AC repairs; tina has none
    SkillRequirement.objects.create(
        organization=org_a, category=ac_model.category, request_kind="repair", skill_code="refrigerant"
    )
    plan = planning.plan_day(station=station, day=today() + timedelta(days=1), by=None, time_limit_s=FAST)
    assert plan.stops.count() == 0
    [left] = plan.unassigned
    assert left["appointment"] == appointment.pk and left["reason"] == "no_qualified_technician"
    assert "制冷剂操作证" in left["message"] and "空调" in left["message"]


def test_replanning_keeps_the_visit_in_progress_first_and_fits_the_urgent_job(
    org_a, station, carol_customer, ac_model, tina_tech
):
    # given: tina's day was planned and she is on site at her first visit (VIPs may book the same day)
    carol_customer.tier = "vip"
    carol_customer.save()
    morning = [field_request(org_a, carol_customer, ac_model, where=near(2 * i, 1)) for i in range(3)]
    for sr, hour in zip(morning, (8, 10, 14), strict=True):
        booking.appointment_book(request=sr, start=day_at(today(), hour), by=None, now=day_at(today(), 0))
    day = today()
    planning.plan_day(station=station, day=day, by=None, now=day_at(day, 7), time_limit_s=FAST)
    first = Appointment.objects.get(request=morning[0])
    visit_check_in(appointment=first, by=tina_tech.user, at=day_at(day, 8, 20))
    # when: an urgent job arrives mid-morning and the day is re-planned
    urgent = field_request(org_a, carol_customer, ac_model, where=near(1, 1), priority="urgent")
    booking.appointment_book(request=urgent, start=day_at(day, 10), by=None, now=day_at(day, 8, 25))
    plan = planning.plan_day(station=station, day=day, by=None, now=day_at(day, 8, 30), time_limit_s=FAST)
    # then: the visit in progress is still first, unmoved; the urgent job is planned; nothing starts in the past
    route = list(RouteStop.objects.filter(plan=plan, technician=tina_tech).order_by("sequence"))
    assert route[0].appointment == first and route[0].fixed
    assert route[0].start_at == day_at(day, 8, 20)
    assert any(s.appointment.request == urgent for s in route)
    assert all(s.arrival_at >= day_at(day, 8, 30) for s in route[1:])
    first.request.refresh_from_db()
    assert first.request.status == Status.IN_PROGRESS


def test_a_past_day_cannot_be_planned(station):
    with pytest.raises(InvalidInput, match="已经过去"):
        planning.plan_day(station=station, day=today() - timedelta(days=1), by=None)


def test_replanning_replaces_the_stored_plan(carol_request, station):
    booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    day = today() + timedelta(days=1)
    planning.plan_day(station=station, day=day, by=None, time_limit_s=FAST)
    planning.plan_day(station=station, day=day, by=None, time_limit_s=FAST)
    assert DayPlan.objects.count() == 1 and RouteStop.objects.count() == 1


def test_a_visit_booked_into_a_planned_day_queues_a_re_plan(
    org_a, station, carol_customer, ac_model, carol_request
):
    booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    assert not Job.objects.filter(name="dispatch.plan_day").exists()  # no plan yet: nothing to redo
    day = today() + timedelta(days=1)
    planning.plan_day(station=station, day=day, by=None, time_limit_s=FAST)
    urgent = field_request(org_a, carol_customer, ac_model, priority="urgent")
    booking.appointment_book(request=urgent, start=tomorrow_at(14), by=None)
    job = Job.objects.get(name="dispatch.plan_day")
    assert job.kwargs == {"station_id": station.pk, "day": day.isoformat()}
    assert replan(**job.kwargs) == {"stops": 2, "unassigned": 0}
    assert replan(station_id=station.pk, day="2001-01-01") == {"stops": 0}  # a day gone by the time it runs
