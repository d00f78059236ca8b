"""Business calendar tests.

Expected dates come from the State Council notices, not from running the code:
2025 (国办发明电〔2024〕12号): Spring Festival Jan 28-Feb 4 off, Sun Jan 26 and Sat Feb 8 worked;
Labour Day May 1-5 off, Sun Apr 27 worked; National Day and Mid-Autumn Oct 1-8 off, Sun Sep 28
and Sat Oct 11 worked. 2026 (国办发明电〔2025〕7号): New Year Jan 1-3 off, Sun Jan 4 worked;
Spring Festival Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked; National Day Oct 1-7 off,
Sun Sep 20 and Sat Oct 10 worked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.sla.calendar import BusinessCalendar, china_calendar, china_confirmed_years

SH = ZoneInfo("Asia/Shanghai")
CAL = china_calendar(years=range(2024, 2029))
ONE_US = timedelta(microseconds=1)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


# --- seeding from the official schedule -------------------------------------------------------


def test_china_calendar_knows_2025_and_2026_make_up_days():
    # given / then: every 调休 working day of the two notices is a workday, nothing else is
    assert {d for d in CAL.workdays if d.year == 2025} == {
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    }
    assert {d for d in CAL.workdays if d.year == 2026} == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 28),
        date(2025, 2, 4),
        date(2025, 5, 5),
        date(2025, 10, 8),
        date(2026, 1, 2),
        date(2026, 2, 16),
        date(2026, 2, 23),
        date(2026, 10, 7),
    ],
)
def test_official_weekday_days_off_are_closed(day: date):
    assert day.weekday() < 5
    assert CAL.hours_on(day) == ()
    assert not CAL.is_working_time(datetime.combine(day, time(10), tzinfo=SH))


def test_confirmed_years_are_those_with_a_published_schedule():
    confirmed = china_confirmed_years()
    # holidays 0.109 ships the notices for 2001 to 2026; 2027's is not published yet
    assert set(range(2001, 2027)) <= confirmed
    assert 2027 not in confirmed and 2000 not in confirmed
    assert CAL.confirmed_years == frozenset({2024, 2025, 2026})


# --- deadlines ---------------------------------------------------------------------------------


def test_friday_ticket_lands_on_the_make_up_sunday_before_spring_festival():
    # given a Friday 17:00 ticket with a 4-working-hour target; Sun 2025-01-26 is a 调休 workday
    deadline = CAL.add_working_minutes(sh(2025, 1, 24, 17), 4 * 60)
    # then: 1 h on Friday, 3 h on Sunday morning, due at the lunch break
    assert deadline.at == sh(2025, 1, 26, 12)
    assert deadline.confirmed


def test_friday_ticket_lands_on_the_make_up_sunday_before_national_day():
    deadline = CAL.add_working_minutes(sh(2025, 9, 26, 17), 4 * 60)
    assert deadline.at == sh(2025, 9, 28, 12)


def test_make_up_saturday_after_spring_festival_counts():
    deadline = CAL.add_working_minutes(sh(2025, 2, 7, 17), 2 * 60)
    assert deadline.at == sh(2025, 2, 8, 10)


def test_spring_festival_2025_is_skipped():
    # Mon Jan 27 is the last working day; Jan 28 to Feb 4 are off
    deadline = CAL.add_working_minutes(sh(2025, 1, 27, 17), 2 * 60)
    assert deadline.at == sh(2025, 2, 5, 10)


def test_spring_festival_2026_make_up_saturday_then_nine_days_off():
    assert CAL.add_working_minutes(sh(2026, 2, 13, 17), 8 * 60).at == sh(2026, 2, 14, 17)
    assert CAL.add_working_minutes(sh(2026, 2, 14, 17), 2 * 60).at == sh(2026, 2, 24, 10)


def test_national_day_2026_is_skipped():
    assert CAL.add_working_minutes(sh(2026, 9, 30, 17), 2 * 60).at == sh(2026, 10, 8, 10)


def test_weekend_and_lunch_break_are_skipped():
    assert CAL.add_working_minutes(sh(2025, 3, 7, 17, 30), 60).at == sh(2025, 3, 10, 9, 30)
    assert CAL.add_working_minutes(sh(2025, 3, 10, 11, 30), 60).at == sh(2025, 3, 10, 13, 30)


def test_target_used_up_at_a_break_is_due_at_the_break_not_after_it():
    assert CAL.add_working_minutes(sh(2025, 3, 10, 11, 30), 30).at == sh(2025, 3, 10, 12)
    assert CAL.add_working_minutes(sh(2025, 3, 7, 17), 60).at == sh(2025, 3, 7, 18)
    # a whole day's worth from Sunday evening ends Monday 18:00, not Tuesday 09:00
    assert CAL.add_working_minutes(sh(2025, 3, 9, 20), 8 * 60).at == sh(2025, 3, 10, 18)


def test_start_outside_working_hours_begins_at_next_opening():
    assert CAL.add_working_minutes(sh(2025, 3, 8, 3), 30).at == sh(2025, 3, 10, 9, 30)
    assert CAL.add_working_minutes(sh(2025, 3, 10, 12, 15), 30).at == sh(2025, 3, 10, 13, 30)


def test_deadline_in_unconfirmed_year_says_so():
    assert CAL.add_working_minutes(sh(2026, 12, 31, 17), 4 * 60).confirmed is False
    assert CAL.add_working_minutes(sh(2027, 3, 1, 9), 60).confirmed is False
    assert CAL.add_working_minutes(sh(2026, 12, 30, 17), 60).confirmed is True


def test_walk_that_starts_in_an_unconfirmed_year_is_unconfirmed():
    cal = BusinessCalendar(confirmed_years=frozenset({2025}))
    assert cal.add_working_minutes(sh(2024, 12, 31, 17), 4 * 60).confirmed is False
    assert cal.add_working_minutes(sh(2025, 1, 2, 17), 4 * 60).confirmed is True
    assert BusinessCalendar().add_working_minutes(sh(2024, 12, 31, 17), 60).confirmed is True


def test_admin_can_confirm_a_year_after_entering_it():
    confirmed = CAL.with_confirmed_years([2027])
    assert confirmed.add_working_minutes(sh(2027, 3, 1, 9), 60).confirmed is True
    assert CAL.add_working_minutes(sh(2027, 3, 1, 9), 60).confirmed is False


def test_deadline_is_returned_in_the_calendar_zone_for_any_input_zone():
    # 09:00 UTC is 17:00 in Shanghai on the Friday before the make-up Sunday
    deadline = CAL.add_working_minutes(datetime(2025, 1, 24, 9, tzinfo=UTC), 4 * 60)
    assert deadline.at == sh(2025, 1, 26, 12)
    assert deadline.at.tzinfo == SH


def test_zero_minutes_returns_the_start():
    assert CAL.add_working_minutes(sh(2025, 3, 8, 3), 0).at == sh(2025, 3, 8, 3)


# --- measuring -----------------------------------------------------------------------------------


def test_working_minutes_between_is_signed():
    # Friday 17:00 to Monday 10:00 is one hour each side of the weekend
    assert CAL.working_minutes_between(sh(2025, 3, 7, 17), sh(2025, 3, 10, 10)) == 120
    assert CAL.working_minutes_between(sh(2025, 3, 10, 10), sh(2025, 3, 7, 17)) == -120
    assert CAL.working_minutes_between(sh(2025, 3, 10, 10), sh(2025, 3, 10, 10)) == 0


def test_working_minutes_between_truncates_partial_minutes_toward_zero():
    start, end = sh(2025, 3, 10, 9), sh(2025, 3, 10, 9, 1, 59)
    assert CAL.working_minutes_between(start, end) == 1
    assert CAL.working_minutes_between(end, start) == -1
    assert CAL.working_time_between(start, end) == timedelta(minutes=1, seconds=59)


def test_working_week_in_spring_festival_2025():
    # Sun Jan 26 and Mon Jan 27 worked, Jan 28 to Feb 2 off: two days of eight hours
    assert CAL.working_minutes_between(sh(2025, 1, 26), sh(2025, 2, 3)) == 2 * 8 * 60


def test_is_working_time_and_next_working_instant():
    assert CAL.is_working_time(sh(2025, 3, 10, 11, 59))
    assert not CAL.is_working_time(sh(2025, 3, 10, 12))
    assert not CAL.is_working_time(sh(2025, 3, 10, 12, 30))
    assert CAL.is_working_time(sh(2025, 1, 26, 10))  # make-up Sunday
    assert not CAL.is_working_time(sh(2025, 1, 25, 10))  # ordinary Saturday
    assert CAL.next_working_instant(sh(2025, 3, 10, 12)) == sh(2025, 3, 10, 13)
    assert CAL.next_working_instant(sh(2025, 1, 27, 18)) == sh(2025, 2, 5, 9)
    assert CAL.next_working_instant(sh(2025, 3, 10, 10, 5)) == sh(2025, 3, 10, 10, 5)


def test_calendar_time_differs_from_working_time():
    # 24 hours of calendar time from Friday 17:00 contain only one working hour
    start = sh(2025, 3, 7, 17)
    assert CAL.working_minutes_between(start, start + timedelta(hours=24)) == 60


# --- configuration -------------------------------------------------------------------------------


def test_admin_override_closes_a_day_and_can_be_removed():
    closed = CAL.with_day(date(2025, 3, 10), [])
    assert closed.add_working_minutes(sh(2025, 3, 7, 17, 30), 60).at == sh(2025, 3, 11, 9, 30)
    assert closed.without_day(date(2025, 3, 10)).add_working_minutes(sh(2025, 3, 7, 17, 30), 60).at == sh(
        2025, 3, 10, 9, 30
    )
    # the original calendar is untouched
    assert CAL.add_working_minutes(sh(2025, 3, 7, 17, 30), 60).at == sh(2025, 3, 10, 9, 30)


def test_admin_override_opens_a_saturday_with_its_own_hours():
    special = CAL.with_day(date(2025, 3, 8), [(time(10), time(14))])
    assert special.is_working_time(sh(2025, 3, 8, 12, 30))
    assert special.add_working_minutes(sh(2025, 3, 7, 17, 30), 60).at == sh(2025, 3, 8, 10, 30)


def test_make_up_day_hours_are_configurable():
    cal = china_calendar(years=[2025], makeup_hours=((time(10), time(15)),))
    assert cal.add_working_minutes(sh(2025, 1, 24, 17), 4 * 60).at == sh(2025, 1, 26, 13)


def test_daylight_saving_is_real_elapsed_time():
    # Berlin springs forward on 2025-03-30: a 24-hour Sunday has 23 real hours
    berlin = ZoneInfo("Europe/Berlin")
    always = BusinessCalendar(tz="Europe/Berlin", weekly_hours={d: ((time(0), time(0)),) for d in range(7)})
    start = datetime(2025, 3, 29, tzinfo=berlin)
    assert always.working_minutes_between(start, datetime(2025, 3, 31, tzinfo=berlin)) == 47 * 60
    assert always.add_working_minutes(start, 47 * 60).at == datetime(2025, 3, 31, tzinfo=berlin)


def test_hours_skipped_by_a_daylight_saving_jump_count_nothing():
    # 02:30-03:00 does not exist in Berlin on 2025-03-30; it must not subtract time either
    berlin = ZoneInfo("Europe/Berlin")
    hours = ((time(2, 30), time(3)), (time(9), time(10)))
    cal = BusinessCalendar(tz="Europe/Berlin", weekly_hours=dict.fromkeys(range(7), hours))
    day = datetime(2025, 3, 30, tzinfo=berlin)
    assert cal.working_minutes_between(day, day + timedelta(hours=23)) == 60
    assert cal.add_working_minutes(day, 30).at == datetime(2025, 3, 30, 9, 30, tzinfo=berlin)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"weekly_hours": {7: ()}}, "weekdays"),
        ({"weekly_hours": {0: ((time(12), time(9)),)}}, "start before"),
        ({"weekly_hours": {0: ((time(9), time(13)), (time(12), time(18)))}}, "overlap"),
        ({"holidays": frozenset({date(2025, 1, 1)}), "workdays": frozenset({date(2025, 1, 1)})}, "both"),
    ],
)
def test_invalid_configuration_is_rejected(kwargs: dict[str, object], message: str):
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)


def test_naive_datetimes_and_negative_minutes_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_minutes(datetime(2025, 3, 10, 9), 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.is_working_time(datetime(2025, 3, 10, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_minutes_between(sh(2025, 3, 10, 9), datetime(2025, 3, 10, 10))
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_minutes(sh(2025, 3, 10, 9), -1)


def test_calendar_without_working_time_fails_loudly_instead_of_looping():
    never = BusinessCalendar(weekly_hours={})
    with pytest.raises(ValueError, match="no working time"):
        never.add_working_minutes(sh(2025, 3, 10, 9), 1)
    with pytest.raises(ValueError, match="no working time"):
        never.next_working_instant(sh(2025, 3, 10, 9))


# --- properties ----------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2024, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(SH))
minute_instants = instants.map(lambda at: at.replace(second=0, microsecond=0))
minutes = st.integers(min_value=0, max_value=20 * 8 * 60)


@given(start=instants, n=minutes)
def test_adding_and_measuring_are_inverse(start: datetime, n: int):
    deadline = CAL.add_working_minutes(start, n)
    assert CAL.working_minutes_between(start, deadline.at) == n
    assert CAL.working_time_between(start, deadline.at) == timedelta(minutes=n)


@given(start=instants, n=st.integers(min_value=1, max_value=20 * 8 * 60))
def test_deadline_is_the_first_instant_reaching_the_target_and_never_in_closed_time(start: datetime, n: int):
    at = CAL.add_working_minutes(start, n).at
    # working time, or the exact end of a working interval: the instant just before is working
    assert CAL.is_working_time(at - ONE_US)
    # and one microsecond earlier the target is not reached yet
    assert CAL.working_time_between(start, at - ONE_US) < timedelta(minutes=n)


@given(at=minute_instants)
def test_is_working_time_agrees_with_one_minute_spans(at: datetime):
    expected = 1 if CAL.is_working_time(at) else 0
    assert CAL.working_minutes_between(at, at + timedelta(minutes=1)) == expected


@st.composite
def weekly_hours(draw: st.DrawFn) -> dict[int, tuple[tuple[time, time], ...]]:
    result = {}
    for weekday in range(7):
        marks = sorted(draw(st.sets(st.integers(min_value=0, max_value=24 * 4 - 1), max_size=6)))
        points = [time(m // 4, m % 4 * 15) for m in marks[: len(marks) // 2 * 2]]
        result[weekday] = tuple(zip(points[::2], points[1::2], strict=True))
    if not any(result.values()):
        result[0] = ((time(9), time(17)),)
    return result


@settings(max_examples=60, deadline=None)
@given(hours=weekly_hours(), start=minute_instants, raw_n=st.integers(min_value=0, max_value=10_000))
def test_add_matches_a_minute_by_minute_walk_on_random_calendars(hours, start: datetime, raw_n: int):
    cal = BusinessCalendar(weekly_hours=hours)
    # at most one week's worth of working minutes, so the reference walk stays short
    week_minutes = sum(
        (b.hour * 60 + b.minute or 24 * 60) - (a.hour * 60 + a.minute)
        for day in hours.values()
        for a, b in day
    )
    n = 1 + raw_n % week_minutes
    # reference: step one minute at a time and count the working ones
    at, counted = start, 0
    while counted < n:
        if cal.is_working_time(at):
            counted += 1
        at += timedelta(minutes=1)
    # the walk ends one minute past the last working minute, which is where the target is met
    assert cal.add_working_minutes(start, n).at == at
    assert cal.working_minutes_between(start, at) == n
