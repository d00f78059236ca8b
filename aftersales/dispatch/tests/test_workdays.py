"""Shifts on the station calendar: no visits on public holidays, Monday's shift on 调休 make-up days.

Real 2026 dates from China's official schedule (the ``holidays`` package, as the SLA calendars
load it): 2026-10-01 to 10-03 are National Day holidays (10-03 a Saturday) and Sunday
2026-09-20 is a make-up workday.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from unittest import mock

import pytest

from aftersales.core.errors import Conflict
from aftersales.dispatch import booking, planning, workdays
from aftersales.dispatch.selectors import board
from aftersales.sla import calendars as sla_calendars
from aftersales.sla.calendar import china_calendar
from aftersales.sla.models import CalendarDay

from .conftest import EVERY_DAY, SH, day_at, field_request, make_technician

pytestmark = pytest.mark.django_db

NATIONAL_DAY = date(2026, 10, 1)
MAKEUP_SUNDAY = date(2026, 9, 20)
WEEKDAYS = {0: (time(9), time(17)), **dict.fromkeys(range(1, 5), (time(8), time(18)))}  # Monday starts later


@pytest.fixture
def official_calendar(org_a):
    """org_a's default calendar with China's official 2026 schedule (what ``calendar_for`` falls back to)."""
    return sla_calendars.calendar_create(organization=org_a, years=[2026])


def local_days(avail: booking.Availability) -> set[date]:
    return {day for day, _slots in avail.by_day()}


def clock(avail: booking.Availability, day: date) -> list[time]:
    return [s.start.astimezone(SH).time() for s in dict(avail.by_day()).get(day, [])]


def test_the_dates_are_the_official_2026_schedule():
    china = china_calendar(years=[2026])
    assert {NATIONAL_DAY, NATIONAL_DAY + timedelta(days=1), date(2026, 10, 3)} <= china.holidays
    assert MAKEUP_SUNDAY in china.workdays and MAKEUP_SUNDAY.weekday() == 6
    assert china.hours_on(NATIONAL_DAY) == () and china.hours_on(MAKEUP_SUNDAY)


def test_shift_weekday_closes_holidays_and_gives_make_up_days_monday():
    china = china_calendar(years=[2026])
    assert workdays.shift_weekday(china, NATIONAL_DAY) is None
    assert workdays.shift_weekday(china, date(2026, 10, 3)) is None  # a holiday on a Saturday
    assert workdays.shift_weekday(china, MAKEUP_SUNDAY) == 0
    assert workdays.shift_weekday(china, date(2026, 9, 19)) == 5  # an ordinary Saturday keeps its own shift
    assert workdays.shift_weekday(china, date(2026, 9, 30)) == 2
    assert workdays.shift_weekday(china.with_day(date(2026, 9, 30), ()), date(2026, 9, 30)) is None


def test_a_public_holiday_offers_no_slots(
    org_a, official_calendar, station, carol_customer, ac_model, tina_tech
):
    sr = field_request(org_a, carol_customer, ac_model)
    now = day_at(date(2026, 9, 29), 10)
    assert booking.availability(request=sr, now=now, only_day=NATIONAL_DAY).slots == []
    # the week around it: open the day before, closed 10-01 to 10-03, tina's own Sunday shift on 10-04
    days = local_days(booking.availability(request=sr, now=now))
    assert date(2026, 9, 30) in days and date(2026, 10, 4) in days
    assert not days & {NATIONAL_DAY, date(2026, 10, 2), date(2026, 10, 3)}


def test_a_holiday_cannot_be_booked(org_a, official_calendar, station, carol_customer, ac_model, tina_tech):
    sr = field_request(org_a, carol_customer, ac_model)
    with pytest.raises(Conflict):
        booking.appointment_book(
            request=sr, start=day_at(NATIONAL_DAY, 10), by=None, now=day_at(date(2026, 9, 29), 10)
        )


def test_a_make_up_sunday_offers_the_monday_shift_of_weekday_technicians(
    org_a, official_calendar, station, carol_customer, ac_model
):
    weekdays_only = make_technician(org_a, station, "wendy", shifts=WEEKDAYS)
    sr = field_request(org_a, carol_customer, ac_model)
    avail = booking.availability(request=sr, now=day_at(date(2026, 9, 18), 10))  # a Friday
    days = local_days(avail)
    assert MAKEUP_SUNDAY in days
    assert date(2026, 9, 19) not in days  # an ordinary Saturday: wendy does not work it
    monday = MAKEUP_SUNDAY + timedelta(days=1)
    assert clock(avail, MAKEUP_SUNDAY) == clock(avail, monday) != clock(avail, date(2026, 9, 22))
    assert all(s.technician_ids == (weekdays_only.pk,) for s in avail.slots)
    appointment = booking.appointment_book(
        request=sr, start=day_at(MAKEUP_SUNDAY, 10), by=None, now=day_at(date(2026, 9, 18), 10)
    )
    assert appointment.technician_id == weekdays_only.pk


def test_a_station_calendar_of_its_own_is_the_one_followed(
    org_a, station, carol_customer, ac_model, tina_tech
):
    own = sla_calendars.calendar_create(organization=org_a, station=station, years=[2026])
    sla_calendars.calendar_day_set(
        calendar=own, day=date(2026, 9, 30), kind=CalendarDay.Kind.HOLIDAY, name="店庆"
    )
    sr = field_request(org_a, carol_customer, ac_model)
    days = local_days(booking.availability(request=sr, now=day_at(date(2026, 9, 27), 10)))
    assert date(2026, 9, 29) in days and date(2026, 9, 30) not in days and NATIONAL_DAY not in days


def test_calendars_are_looked_up_once_per_station_per_call(
    org_a, official_calendar, station, carol_customer, ac_model, tina_tech
):
    sr = field_request(org_a, carol_customer, ac_model)
    with (
        mock.patch.object(workdays, "calendar_for", wraps=sla_calendars.calendar_for) as looked_up,
        mock.patch.object(workdays, "business_calendar", wraps=sla_calendars.business_calendar) as built,
    ):
        booking.availability(request=sr, now=day_at(date(2026, 9, 27), 10))
    assert looked_up.call_count == 1 and built.call_count == 1
    assert looked_up.call_args.args[1] == station.pk


def test_the_day_planner_has_nobody_on_a_holiday_and_monday_hours_on_a_make_up_day(
    org_a, official_calendar, station
):
    everyday = make_technician(org_a, station, "eve", shifts=EVERY_DAY)
    weekdays_only = make_technician(org_a, station, "wendy", shifts=WEEKDAYS)
    holiday = planning.build_day(station, NATIONAL_DAY, now=day_at(date(2026, 9, 29), 10))
    assert list(holiday.problem.technicians) == []
    makeup = planning.build_day(station, MAKEUP_SUNDAY, now=day_at(date(2026, 9, 18), 10))
    shifts = {t.id: (t.shift.start, t.shift.end) for t in makeup.problem.technicians}
    assert shifts == {f"T{everyday.pk}": (8 * 3600, 18 * 3600), f"T{weekdays_only.pk}": (9 * 3600, 17 * 3600)}
    # an ordinary Saturday: only the one whose shifts include Saturdays
    saturday = planning.build_day(station, date(2026, 9, 19), now=day_at(date(2026, 9, 18), 10))
    assert [t.id for t in saturday.problem.technicians] == [f"T{everyday.pk}"]


def test_the_board_labels_shifts_by_the_station_calendar(client_for, dave, org_a, official_calendar, station):
    weekdays_only = make_technician(org_a, station, "wendy", shifts=WEEKDAYS)
    client = client_for(dave)

    def shift_label(day: date) -> str:
        rows = {row.technician.pk: row.shift for row in board(station=station, day=day).rows}
        page = client.get("/console/dispatch/board/", {"station": station.pk, "date": day.isoformat()})
        assert page.status_code == 200
        return rows[weekdays_only.pk]

    assert shift_label(NATIONAL_DAY) == ""  # a Thursday, but a public holiday: shown as 休息
    assert shift_label(MAKEUP_SUNDAY) == "09:00–17:00"  # the make-up Sunday works Monday's shift
    assert shift_label(date(2026, 9, 22)) == "08:00–18:00"  # an ordinary Tuesday
    assert shift_label(date(2026, 9, 19)) == ""  # an ordinary Saturday off
