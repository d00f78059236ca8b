"""SLA clock tests. Working hours are the default Mon-Fri 09:00-12:00 and 13:00-18:00; March
2025 has no public holiday in China and 2025-03-10 is a Monday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.sla.calendar import BusinessCalendar, china_calendar
from aftersales.sla.clock import ClockStatus, compute_clock

SH = ZoneInfo("Asia/Shanghai")
CAL = china_calendar(years=range(2024, 2029))


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


MON = (2025, 3, 10)
FRI = (2025, 3, 7)
SAT = (2025, 3, 8)


def test_running_clock_in_calendar_time():
    state = compute_clock(calendar=None, start=sh(*MON, 10), target_minutes=60, now=sh(*MON, 10, 30))
    assert state.state == ClockStatus.RUNNING
    assert state.due_at == sh(*MON, 11)
    assert state.remaining_minutes == 30
    assert state.breached_by_minutes == 0
    assert state.fraction_used == 0.5
    assert state.confirmed


@pytest.mark.parametrize("calendar", [None, CAL])
@pytest.mark.parametrize("start", [sh(*MON, 10), sh(*SAT, 10)])
def test_a_clock_computed_as_it_starts_has_used_nothing(calendar, start):
    fresh = compute_clock(calendar=calendar, start=start, target_minutes=90, now=start)
    assert fresh.state == ClockStatus.RUNNING
    assert fresh.remaining_minutes == 90
    assert fresh.fraction_used == 0.0
    # A second later (outside working hours, still nothing) the same due time.
    later = compute_clock(calendar=calendar, start=start, target_minutes=90, now=start + timedelta(seconds=1))
    assert fresh.due_at == later.due_at
    paused = compute_clock(
        calendar=calendar, start=start, target_minutes=90, now=start, pauses=[(start, None)]
    )
    assert paused.state == ClockStatus.PAUSED
    assert paused.remaining_minutes == 90


def test_working_time_clock_waits_over_the_weekend_where_calendar_time_breaches():
    start, now = sh(*FRI, 17, 30), sh(*SAT, 12)
    working = compute_clock(calendar=CAL, start=start, target_minutes=60, now=now)
    assert working.state == ClockStatus.RUNNING
    assert working.due_at == sh(*MON, 9, 30)
    assert working.remaining_minutes == 30

    elapsed = compute_clock(calendar=None, start=start, target_minutes=60, now=now)
    assert elapsed.state == ClockStatus.BREACHED
    assert elapsed.due_at == sh(*FRI, 18, 30)
    assert elapsed.breached_by_minutes == 17 * 60 + 30


def test_spring_festival_does_not_count():
    state = compute_clock(calendar=CAL, start=sh(2025, 1, 27, 17), target_minutes=120, now=sh(2025, 2, 1, 10))
    assert state.state == ClockStatus.RUNNING
    assert state.remaining_minutes == 60
    assert state.due_at == sh(2025, 2, 5, 10)


def test_pause_and_resume_push_the_due_time():
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 9),
        target_minutes=120,
        now=sh(*MON, 10, 45),
        pauses=[(sh(*MON, 9, 30), sh(*MON, 10, 30))],
    )
    assert state.state == ClockStatus.RUNNING
    assert state.remaining_minutes == 75
    assert state.due_at == sh(*MON, 12)


def test_pause_over_lunch_only_pushes_by_its_working_minutes():
    # 11:30-13:30 holds 60 working minutes, so the 14:00 due time moves to 15:00
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 11),
        target_minutes=120,
        now=sh(*MON, 14),
        pauses=[(sh(*MON, 11, 30), sh(*MON, 13, 30))],
    )
    assert state.due_at == sh(*MON, 15)
    assert state.remaining_minutes == 60


def test_open_pause_freezes_the_clock_and_projects_the_due_time_from_now():
    pauses = [(sh(*MON, 9, 30), None)]
    early = compute_clock(
        calendar=CAL, start=sh(*MON, 9), target_minutes=120, now=sh(*MON, 10), pauses=pauses
    )
    later = compute_clock(
        calendar=CAL, start=sh(*MON, 9), target_minutes=120, now=sh(*MON, 14), pauses=pauses
    )
    assert early.state == later.state == ClockStatus.PAUSED
    assert early.remaining_minutes == later.remaining_minutes == 90
    assert early.due_at == sh(*MON, 11, 30)
    assert later.due_at == sh(*MON, 15, 30)


def test_clock_inside_a_pause_that_ends_later_is_paused():
    # e.g. recomputing the clock for a moment in the past
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 9),
        target_minutes=120,
        now=sh(*MON, 10),
        pauses=[(sh(*MON, 9, 30), sh(*MON, 11))],
    )
    assert state.state == ClockStatus.PAUSED
    assert state.remaining_minutes == 90


def test_pause_that_began_before_the_start_only_counts_from_the_start():
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 10),
        target_minutes=60,
        now=sh(*MON, 11),
        pauses=[(sh(*MON, 9), sh(*MON, 10, 30))],
    )
    assert state.remaining_minutes == 30
    assert state.due_at == sh(*MON, 11, 30)


def test_overlapping_pauses_and_pauses_before_the_start_count_once():
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 9),
        target_minutes=60,
        now=sh(*MON, 10, 10),
        pauses=[(sh(*MON, 8), sh(*MON, 9, 30)), (sh(*MON, 9, 15), sh(*MON, 10))],
    )
    assert state.remaining_minutes == 50
    assert state.due_at == sh(*MON, 11)


def test_breach_stays_a_breach_even_when_paused_afterwards():
    start = sh(*MON, 9)
    plain = compute_clock(calendar=CAL, start=start, target_minutes=60, now=sh(*MON, 10, 30))
    assert plain.state == ClockStatus.BREACHED
    assert plain.due_at == sh(*MON, 10)
    assert plain.breached_by_minutes == 30
    assert plain.remaining_minutes == -30
    assert plain.fraction_used == 1.5

    # a pause that starts after the due time neither moves it nor clears the breach; it only
    # stops the overdue time from growing
    paused = compute_clock(
        calendar=CAL, start=start, target_minutes=60, now=sh(*MON, 17), pauses=[(sh(*MON, 10, 15), None)]
    )
    assert paused.state == ClockStatus.BREACHED
    assert paused.due_at == sh(*MON, 10)
    assert paused.breached_by_minutes == 15


def test_pause_starting_exactly_at_the_due_time_does_not_move_it():
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 9),
        target_minutes=30,
        now=sh(*MON, 10, 45),
        pauses=[(sh(*MON, 9, 30), sh(*MON, 10, 30))],
    )
    assert state.due_at == sh(*MON, 9, 30)
    assert state.state == ClockStatus.BREACHED
    assert state.breached_by_minutes == 15


def test_met_late_stays_breached_and_met_in_time_stays_met():
    start = sh(*MON, 9)
    late = compute_clock(
        calendar=CAL, start=start, target_minutes=60, now=sh(2025, 3, 20, 9), met_at=sh(*MON, 10, 30)
    )
    assert late.state == ClockStatus.BREACHED
    assert late.breached_by_minutes == 30

    on_time = compute_clock(
        calendar=CAL, start=start, target_minutes=60, now=sh(2025, 3, 20, 9), met_at=sh(*MON, 9, 50)
    )
    assert on_time.state == ClockStatus.MET
    assert on_time.remaining_minutes == 10
    assert on_time.breached_by_minutes == 0
    assert on_time.fraction_used == pytest.approx(50 / 60)

    exactly = compute_clock(
        calendar=CAL, start=start, target_minutes=60, now=sh(*MON, 11), met_at=sh(*MON, 10)
    )
    assert exactly.state == ClockStatus.MET


def test_met_while_paused_is_met():
    state = compute_clock(
        calendar=CAL,
        start=sh(*MON, 9),
        target_minutes=60,
        now=sh(*MON, 16),
        pauses=[(sh(*MON, 9, 30), None)],
        met_at=sh(*MON, 15),
    )
    assert state.state == ClockStatus.MET
    assert state.remaining_minutes == 30


def test_breach_after_closing_time_is_at_least_one_minute():
    # due Friday 18:00; on Saturday no working time has passed, but the deadline has
    state = compute_clock(calendar=CAL, start=sh(*FRI, 17), target_minutes=60, now=sh(*SAT, 10))
    assert state.state == ClockStatus.BREACHED
    assert state.due_at == sh(*FRI, 18)
    assert state.breached_by_minutes == 1
    assert state.remaining_minutes == -1


def test_partial_minutes_round_toward_the_safe_side():
    start = sh(*MON, 9)
    almost = compute_clock(calendar=CAL, start=start, target_minutes=60, now=sh(*MON, 9, 59, 20))
    assert (almost.state, almost.remaining_minutes) == (ClockStatus.RUNNING, 0)
    just_late = compute_clock(calendar=CAL, start=start, target_minutes=60, now=sh(*MON, 10, 0, 30))
    assert (just_late.state, just_late.remaining_minutes, just_late.breached_by_minutes) == (
        ClockStatus.BREACHED,
        -1,
        1,
    )


def test_fraction_used_for_escalation_at_75_percent():
    state = compute_clock(calendar=CAL, start=sh(*MON, 9), target_minutes=120, now=sh(*MON, 10, 30))
    assert state.fraction_used == 0.75


def test_clock_before_its_start_has_used_nothing():
    state = compute_clock(calendar=CAL, start=sh(*MON, 9), target_minutes=60, now=sh(*MON, 8))
    assert (state.state, state.remaining_minutes, state.fraction_used) == (ClockStatus.RUNNING, 60, 0.0)


def test_due_time_in_an_unconfirmed_year_is_flagged():
    assert not compute_clock(
        calendar=CAL, start=sh(2026, 12, 31, 17), target_minutes=240, now=sh(2026, 12, 31, 17)
    ).confirmed
    assert compute_clock(
        calendar=CAL, start=sh(2026, 6, 1, 9), target_minutes=240, now=sh(2026, 6, 1, 9)
    ).confirmed
    # a clock that starts in an unconfirmed year is unconfirmed even if it is due in a confirmed one
    only_2025 = BusinessCalendar(confirmed_years=frozenset({2025}))
    assert not compute_clock(
        calendar=only_2025, start=sh(2024, 12, 31, 17), target_minutes=240, now=sh(2024, 12, 31, 17)
    ).confirmed


def test_calendar_time_clock_counts_real_time_across_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    # Berlin springs forward at 02:00 on 2025-03-30: one real hour later it is 03:00 CEST
    state = compute_clock(
        calendar=None,
        start=datetime(2025, 3, 30, 1, 30, tzinfo=berlin),
        target_minutes=60,
        now=datetime(2025, 3, 30, 1, 30, tzinfo=berlin),
    )
    assert state.due_at == datetime(2025, 3, 30, 3, 30, tzinfo=berlin)
    assert state.due_at.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    # and at 03:30 CEST only one real hour of a two-hour target is used
    halfway = compute_clock(
        calendar=None,
        start=datetime(2025, 3, 30, 1, 30, tzinfo=berlin),
        target_minutes=120,
        now=datetime(2025, 3, 30, 3, 30, tzinfo=berlin),
    )
    assert (halfway.remaining_minutes, halfway.fraction_used) == (60, 0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": datetime(2025, 3, 10, 9)}, "timezone-aware"),
        ({"now": datetime(2025, 3, 10, 9)}, "timezone-aware"),
        ({"target_minutes": 0}, "positive"),
        ({"pauses": [(sh(*MON, 10), sh(*MON, 9))]}, "ends before"),
        ({"pauses": [(datetime(2025, 3, 10, 9), None)]}, "timezone-aware"),
        ({"met_at": sh(*MON, 8)}, "before"),
    ],
)
def test_invalid_input_is_rejected(kwargs: dict[str, object], message: str):
    arguments: dict[str, object] = {
        "calendar": CAL,
        "start": sh(*MON, 9),
        "target_minutes": 60,
        "now": sh(*MON, 10),
    }
    with pytest.raises(ValueError, match=message):
        compute_clock(**{**arguments, **kwargs})


# --- properties ----------------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 1), timezones=st.just(SH))
targets = st.integers(min_value=1, max_value=5 * 8 * 60)
# pauses as (minutes after start, length in minutes or None for still open)
pause_lists = st.lists(
    st.tuples(
        st.integers(min_value=-600, max_value=10_000), st.none() | st.integers(min_value=0, max_value=5_000)
    ),
    max_size=4,
)


def build_pauses(
    start: datetime, raw: list[tuple[int, int | None]]
) -> list[tuple[datetime, datetime | None]]:
    return [
        (
            start + timedelta(minutes=offset),
            None if length is None else start + timedelta(minutes=offset + length),
        )
        for offset, length in raw
    ]


@given(start=starts, target=targets, elapsed=st.integers(min_value=0, max_value=20_000))
def test_without_pauses_the_due_time_is_the_calendar_deadline(start: datetime, target: int, elapsed: int):
    now = start + timedelta(minutes=elapsed)
    state = compute_clock(calendar=CAL, start=start, target_minutes=target, now=now)
    assert state.due_at == CAL.add_working_minutes(start, target).at
    assert (state.state == ClockStatus.BREACHED) == (now > state.due_at)
    assert (state.remaining_minutes < 0) == (state.state == ClockStatus.BREACHED)


@given(start=starts, target=targets, raw=pause_lists, elapsed=st.integers(min_value=0, max_value=20_000))
def test_due_time_is_where_unpaused_working_time_reaches_the_target(
    start: datetime, target: int, raw: list[tuple[int, int | None]], elapsed: int
):
    now = start + timedelta(minutes=elapsed)
    pauses = build_pauses(start, raw)
    state = compute_clock(calendar=CAL, start=start, target_minutes=target, now=now, pauses=pauses)
    if state.state == ClockStatus.PAUSED:
        return  # the due time is a projection; checked by the example tests
    # independent recount: working time up to the due time minus working time paused in it
    horizon = state.due_at
    paused = timedelta(0)
    covered: list[tuple[datetime, datetime]] = []
    for pause_start, pause_end in sorted(pauses, key=lambda pause: pause[0]):
        low = max(pause_start, start, covered[-1][1] if covered else start)
        high = min(pause_end or now, now, horizon)
        if high > low:
            paused += CAL.working_time_between(low, high)
            covered.append((low, high))
    assert CAL.working_time_between(start, horizon) - paused == timedelta(minutes=target)


@given(
    start=starts,
    target=targets,
    raw=pause_lists,
    first=st.integers(min_value=0, max_value=20_000),
    extra=st.integers(min_value=0, max_value=20_000),
)
def test_a_breach_is_never_erased_by_later_time(
    start: datetime, target: int, raw: list[tuple[int, int | None]], first: int, extra: int
):
    pauses = build_pauses(start, raw)
    earlier = compute_clock(
        calendar=CAL, start=start, target_minutes=target, now=start + timedelta(minutes=first), pauses=pauses
    )
    later = compute_clock(
        calendar=CAL,
        start=start,
        target_minutes=target,
        now=start + timedelta(minutes=first + extra),
        pauses=pauses,
    )
    if earlier.state == ClockStatus.BREACHED:
        assert later.state == ClockStatus.BREACHED
        assert later.due_at == earlier.due_at
        assert later.breached_by_minutes >= earlier.breached_by_minutes
    assert later.fraction_used >= earlier.fraction_used
