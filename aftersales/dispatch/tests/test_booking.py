"""Slots that can really be kept, and booking, rescheduling and cancelling them."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.customers.models import Customer
from aftersales.dispatch import booking
from aftersales.dispatch.models import Appointment, Technician
from aftersales.dispatch.services import time_off_add
from aftersales.service import services
from aftersales.service.models import RequestEvent, ServiceRequest, Status
from aftersales.testing.factories import CustomerFactory

from .conftest import EVERY_DAY, day_at, field_request, make_technician, near, today, tomorrow_at

pytestmark = pytest.mark.django_db


def starts(avail: booking.Availability) -> list:
    return [s.start for s in avail.slots]


# --- slots ---------------------------------------------------------------------------------------


def test_slots_are_two_hour_windows_from_tomorrow_within_shifts(carol_request, tina_tech):
    avail = booking.availability(request=carol_request)
    assert avail.slots and not avail.outside_network and not avail.same_day
    tomorrow = today() + timedelta(days=1)
    first_day = [s for s in avail.slots if s.start.date() == tomorrow]
    # The last window opens at 16:00: arriving then, an hour's repair and the drive back end before 18:00.
    assert [s.start.timetz().replace(tzinfo=None) for s in first_day] == [
        time(h) for h in (8, 10, 12, 14, 16)
    ]
    assert all(s.end - s.start == timedelta(hours=2) for s in avail.slots)
    assert all(s.technician_ids == (tina_tech.pk,) for s in avail.slots)
    assert len({s.start.date() for s in avail.slots}) == 7  # the policy's default horizon


def test_a_technician_without_the_skill_offers_nothing_and_says_why(org_a, station, carol_customer, ac_model):
    make_technician(org_a, station, "washer-only", skills=[("category", "washer", 3), ("work", "repair", 3)])
    sr = field_request(org_a, carol_customer, ac_model)
    avail = booking.availability(request=sr)
    assert avail.slots == []
    assert "空调" in avail.problem and "技能" in avail.problem


def test_days_off_and_time_off_are_not_offered(carol_request, tina_tech):
    tomorrow = today() + timedelta(days=1)
    tina_tech.shifts.filter(
        weekday=(tomorrow + timedelta(days=1)).weekday()
    ).delete()  # day after: not working
    time_off_add(
        technician=tina_tech, starts_at=day_at(tomorrow, 12), ends_at=day_at(tomorrow, 18), reason="体检"
    )
    avail = booking.availability(request=carol_request)
    offered = starts(avail)
    # Arriving at 10:00 the repair is over before the time off starts at 12:00; 12:00-14:00 is off.
    assert day_at(tomorrow, 10) in offered and day_at(tomorrow, 12) not in offered
    assert not [s for s in offered if s.date() == tomorrow + timedelta(days=1)]


def test_booked_jobs_travel_and_the_daily_limit_close_slots(
    org_a, station, carol_customer, ac_model, tina_tech
):
    tina_tech.max_jobs_per_day = 2
    tina_tech.save()
    first = field_request(org_a, carol_customer, ac_model, where=near(0, 25))  # 25 km north
    booking.appointment_book(request=first, start=tomorrow_at(8), by=None)
    second = field_request(org_a, carol_customer, ac_model, where=near(0, -25))  # 25 km south
    avail = booking.availability(request=second)
    tomorrow = today() + timedelta(days=1)
    # 50 km across town from the 08:00 job takes longer than the window allows: 08:00 is gone.
    assert day_at(tomorrow, 8) not in starts(avail)
    booking.appointment_book(request=second, start=tomorrow_at(14), by=None)
    third = field_request(org_a, carol_customer, ac_model)
    assert not [s for s in starts(booking.availability(request=third)) if s.date() == tomorrow]


def test_vip_and_urgent_requests_may_be_booked_the_same_day(org_a, station, ac_model, tina_tech):
    vip = CustomerFactory(organization=org_a, tier=Customer.Tier.VIP)
    sr = field_request(org_a, vip, ac_model)
    morning = datetime.combine(today(), time(7, 0), tzinfo=day_at(today(), 0).tzinfo)
    avail = booking.availability(request=sr, now=morning)
    assert avail.same_day and day_at(today(), 10) in starts(avail)
    assert day_at(today(), 8) not in starts(avail)  # 08:00 is less than the 90-minute lead away

    standard = CustomerFactory(organization=org_a)
    urgent = field_request(org_a, standard, ac_model, priority="urgent")
    assert booking.availability(request=urgent, now=morning).same_day
    normal = field_request(org_a, standard, ac_model)
    assert not [s for s in starts(booking.availability(request=normal, now=morning)) if s.date() == today()]


def test_an_address_outside_every_radius_is_offered_mail_in_or_carry_in(
    org_a, station, far_station, carol_customer, ac_model, tina_tech
):
    sr = field_request(org_a, carol_customer, ac_model, where=(30.2741, 120.1551))  # Hangzhou: 165 km away
    avail = booking.availability(request=sr)
    assert avail.outside_network and avail.slots == []
    assert [d.station for d in avail.carry_in] == [station, far_station]  # nearest first
    assert "寄修" in avail.problem


@pytest.mark.parametrize("where", [(None, None), (95.0, 121.0)])
def test_a_request_without_usable_coordinates_gets_a_clear_error(carol_request, where):
    ServiceRequest.objects.filter(pk=carol_request.pk).update(latitude=where[0], longitude=where[1])
    carol_request.refresh_from_db()
    with pytest.raises(InvalidInput) as excinfo:
        booking.availability(request=carol_request)
    assert "address" in excinfo.value.errors


def test_only_field_kinds_on_site_can_be_booked(org_a, carol_customer, ac_model, station, tina_tech):
    sr = field_request(org_a, carol_customer, ac_model, kind="consultation")
    with pytest.raises(InvalidInput, match="安装、维修、保养"):
        booking.availability(request=sr)


# --- booking -------------------------------------------------------------------------------------


def test_booking_assigns_and_schedules_the_request_with_reasons_on_the_timeline(
    carol_request, tina_tech, carol
):
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=carol)
    carol_request.refresh_from_db()
    assert appointment.technician == tina_tech and appointment.status == Appointment.Status.BOOKED
    assert appointment.window_end - appointment.window_start == timedelta(hours=2)
    assert carol_request.status == Status.SCHEDULED and carol_request.assignee == tina_tech.user
    assignment = carol_request.events.get(kind=RequestEvent.Kind.ASSIGNMENT)
    assert "客户自助预约" in assignment.reason
    scheduled = carol_request.events.filter(kind=RequestEvent.Kind.STATUS, to_status=Status.SCHEDULED).get()
    assert scheduled.actor is None and f"{tomorrow_at(10):%Y-%m-%d} 10:00–12:00" in scheduled.reason


def test_a_window_that_ends_before_it_starts_is_refused(carol_request):
    with pytest.raises(InvalidInput) as excinfo:
        booking.appointment_book(request=carol_request, start=tomorrow_at(10), end=tomorrow_at(9), by=None)
    assert "end" in excinfo.value.errors
    assert not Appointment.objects.exists()


def test_booking_a_full_slot_is_a_conflict_and_changes_nothing(
    org_a, carol_customer, ac_model, carol_request, tina_tech
):
    tina_tech.max_jobs_per_day = 1
    tina_tech.save()
    booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    other = field_request(org_a, carol_customer, ac_model)
    with pytest.raises(Conflict, match="已约满"):
        booking.appointment_book(request=other, start=tomorrow_at(10), by=None)
    other.refresh_from_db()
    assert other.status == Status.ACCEPTED and other.assignee is None
    assert Appointment.objects.count() == 1


def test_a_slot_offered_to_two_customers_is_kept_for_the_first_who_books(
    org_a, carol_customer, ac_model, carol_request, tina_tech
):
    # given: both were shown the same last slot
    tina_tech.max_jobs_per_day = 1
    tina_tech.save()
    other = field_request(org_a, carol_customer, ac_model)
    assert tomorrow_at(12) in starts(booking.availability(request=carol_request))
    assert tomorrow_at(12) in starts(booking.availability(request=other))
    # when: both book it
    booking.appointment_book(request=carol_request, start=tomorrow_at(12), by=None)
    with pytest.raises(Conflict):
        booking.appointment_book(request=other, start=tomorrow_at(12), by=None)
    # then: one visit
    assert Appointment.objects.filter(window_start=tomorrow_at(12)).count() == 1


def test_a_request_cannot_hold_two_active_appointments(carol_request):
    booking.appointment_book(request=carol_request, start=tomorrow_at(8), by=None)
    with pytest.raises(Conflict, match="已有上门预约"):
        booking.appointment_book(request=carol_request, start=tomorrow_at(14), by=None)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_the_last_slot_give_one_appointment(
    org_a, station, carol_customer, ac_model
):
    if connection.vendor == "sqlite":
        pytest.skip(
            "the in-memory SQLite test database locks whole tables between threads; run on PostgreSQL"
        )
    tech = make_technician(org_a, station, "solo", max_jobs_per_day=1)
    requests = [field_request(org_a, carol_customer, ac_model) for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def book(sr: ServiceRequest) -> None:
        start.wait()
        try:
            booking.appointment_book(request=sr, start=tomorrow_at(10), by=None)
            outcomes.append("booked")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(sr,)) for sr in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["booked", "conflict"]
    assert Appointment.objects.filter(technician=tech, status="booked").count() == 1


# --- reschedule and cancel -----------------------------------------------------------------------


def test_rescheduling_moves_the_visit_and_frees_its_old_place(
    org_a, carol_customer, ac_model, carol_request, tina_tech
):
    tina_tech.max_jobs_per_day = 1
    tina_tech.save()
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(8), by=None)
    moved = booking.appointment_reschedule(
        appointment=appointment, start=tomorrow_at(14), by=None, version=appointment.version
    )
    assert moved.status == Appointment.Status.RESCHEDULED and moved.window_start == tomorrow_at(14)
    carol_request.refresh_from_db()
    assert carol_request.status == Status.SCHEDULED
    # the day is still full (one job), but a stale version is refused
    with pytest.raises(Conflict, match="版本"):
        booking.appointment_reschedule(appointment=appointment, start=tomorrow_at(10), by=None, version=1)


def test_cancelling_releases_the_slot_and_steps_the_request_back(
    org_a, carol_customer, ac_model, carol_request, tina_tech
):
    tina_tech.max_jobs_per_day = 1
    tina_tech.save()
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    with pytest.raises(InvalidInput):
        booking.appointment_cancel(appointment=appointment, by=None, reason="  ")
    booking.appointment_cancel(appointment=appointment, by=None, reason="客户临时出差")
    carol_request.refresh_from_db()
    assert carol_request.status == Status.ASSIGNED
    other = field_request(org_a, carol_customer, ac_model)
    assert booking.appointment_book(request=other, start=tomorrow_at(10), by=None).technician == tina_tech


def test_a_customer_cannot_book_someone_elses_request(carol_request, cody):
    with pytest.raises(PermissionDenied):
        booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=cody)


def test_the_earlier_technician_of_the_unit_is_preferred_for_the_slot(
    org_a, station, carol_customer, ac_model, carol_request, tina_tech
):
    other = make_technician(org_a, station, "zed", shifts=EVERY_DAY)
    assert other.pk > tina_tech.pk
    # zed fixed this unit last time
    old = ServiceRequest.objects.create(
        number="SR-OLD-1",
        organization=org_a,
        customer=carol_customer,
        unit=carol_request.unit,
        kind="repair",
        channel="web",
        subject="x",
        description="x",
        status="closed",
        assignee=other.user,
        created_at=carol_request.created_at - timedelta(days=90),
    )
    assert old.pk
    slot = booking.availability(request=carol_request).slots[0]
    assert slot.technician_ids[0] == other.pk
    assert Technician.objects.get(pk=slot.technician_ids[0]).user.username == "zed"


def test_a_request_cancelled_elsewhere_releases_its_visit(
    org_a, carol_customer, ac_model, carol_request, tina_tech
):
    tina_tech.max_jobs_per_day = 1
    tina_tech.save()
    booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    other = field_request(org_a, carol_customer, ac_model)
    assert not [
        s for s in starts(booking.availability(request=other)) if s.date() == today() + timedelta(days=1)
    ]
    services.request_transition(
        request=carol_request, name="cancel", by=None, reason="客户不修了", notify=False
    )
    assert tomorrow_at(10) in starts(booking.availability(request=other))
