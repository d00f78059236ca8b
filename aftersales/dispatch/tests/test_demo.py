"""The demo's dispatch step: technicians everywhere, keepable visits today and tomorrow, a year of repair records."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from aftersales.demo.context import DemoContext
from aftersales.demo.generate import STEPS
from aftersales.dispatch.models import Appointment, DayPlan, RepairRecord, Technician
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import ServiceRequest
from aftersales.stations.models import ServiceStation

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        # Mid-morning, whenever the tests run: the first visits of the day under way or done, and
        # technicians with more than one visit in the first window (at most one can be under way).
        today = timezone.localdate()
        ctx = DemoContext(
            rng=random.Random(2026),
            today=today,
            report=lambda line: None,
            now=timezone.make_aware(datetime.combine(today, time(9, 40))),
        )
        for _title, step in STEPS:
            step(ctx)
        yield ctx
        transaction.set_rollback(True)


def test_every_station_has_technicians_and_a_day_of_visits(demo):
    for station in ServiceStation.objects.all():
        crew = Technician.objects.filter(home_station=station)
        assert crew.count() >= 3
        assert all(t.skills.exists() and t.shifts.exists() for t in crew)
        today = Appointment.objects.filter(station=station, window_start__date=demo.today)
        assert today.count() >= 3, station
    assert Technician.objects.filter(user__username="qc-technician").exists()


def test_tomorrows_plans_place_every_visit_with_its_booked_technician(demo):
    tomorrow = demo.today + timedelta(days=1)
    plans = DayPlan.objects.filter(day=tomorrow)
    assert plans.count() == ServiceStation.objects.count()
    assert all(plan.unassigned == [] for plan in plans)
    for plan in plans:
        for stop in plan.stops.select_related("appointment"):
            assert stop.technician_id == stop.appointment.technician_id
            assert stop.appointment.window_start <= stop.start_at <= stop.appointment.window_end
    assert not OutboxMessage.objects.exists()


def test_closed_field_requests_of_the_year_have_repair_records(demo):
    closed = ServiceRequest.objects.filter(
        kind__in=["installation", "repair", "maintenance"], status="closed", unit__isnull=False
    )
    assert RepairRecord.objects.filter(request__in=closed).count() == closed.count() > 500
    coverages = set(RepairRecord.objects.values_list("coverage", flat=True))
    assert {"covered", "charged"} <= coverages
    assert RepairRecord.objects.filter(first_time_fix=False).exists()
    assert RepairRecord.objects.filter(logistics_cost__gt=0).exists()  # mail-in repairs


def test_a_technician_is_at_one_site_at_a_time(demo):
    visits = Appointment.objects.filter(window_start__date=demo.today, checked_in_at__isnull=False)
    assert visits.filter(checked_out_at__isnull=True).exists()  # at 09:40 some visits are under way
    assert visits.filter(checked_out_at__isnull=False).exists()  # and some are done
    by_technician: dict[int, list[Appointment]] = {}
    for visit in visits.order_by("checked_in_at"):
        by_technician.setdefault(visit.technician_id, []).append(visit)
    for day in by_technician.values():
        assert sum(v.checked_out_at is None for v in day) <= 1
        for before, after in zip(day, day[1:], strict=False):
            assert before.checked_out_at is not None and before.checked_out_at < after.checked_in_at
