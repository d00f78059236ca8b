"""Business calendars: working hours, public holidays and make-up workdays (调休).

A pure module (no Django, no database) so SLA maths can be tested and benchmarked on its own.
The models layer stores one calendar per organization or station and builds these values.

Conventions:

* Every instant is timezone-aware; a naive datetime raises ``ValueError`` instead of being
  silently read in some zone.
* Working hours are half-open local intervals ``[start, end)``. ``time(0)`` as an end means
  midnight at the end of the day, so ``(time(0), time(0))`` is a full 24-hour day.
* Internally every instant is an integer count of microseconds since the Unix epoch, so adding
  working time is exact and daylight-saving changes (for stations outside China) are real
  elapsed time rather than wall-clock arithmetic.
* A year is *confirmed* when its official schedule is loaded. Deadlines that walk through any
  other year carry ``confirmed=False`` so callers can say "unconfirmed" instead of pretending.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays import country_holidays
from holidays.countries.china import ChinaStaticHolidays

Interval = tuple[time, time]
Hours = tuple[Interval, ...]

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_DAY_HOURS: Hours = ((time(9), time(12)), (time(13), time(18)))
DEFAULT_WEEKLY_HOURS: Mapping[int, Hours] = MappingProxyType(dict.fromkeys(range(5), DEFAULT_DAY_HOURS))

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
# A calendar closed for longer than this is misconfigured; without the guard a deadline search
# would loop forever instead of telling the admin.
_MAX_CLOSED_DAYS = 3 * 366
# The package's docstring says its China data is checked against the State Council notices
# from 2001 onwards; earlier years are its own reconstruction.
_FIRST_OFFICIAL_CHINA_YEAR = 2001

# Per local date: working intervals as epoch microseconds, their total, and whether the
# date's year is confirmed. Precomputed once per date so a deadline walk skips whole days.
_Day = tuple[tuple[tuple[int, int], ...], int, bool]


@dataclass(frozen=True)
class Deadline:
    """The result of adding working time: the instant (in the calendar's zone) and whether
    every day walked through lies in a year whose official schedule is loaded."""

    at: datetime
    confirmed: bool


def _check_hours(hours: Iterable[Interval], what: str) -> Hours:
    result = tuple((start, end) for start, end in hours)
    previous_end = -1
    for start, end in result:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{what}: working hours are local wall times and must not carry a tzinfo")
        start_us = _time_us(start)
        end_us = _time_us(end) if end != time(0) else 24 * 3600 * 1_000_000
        if start_us >= end_us:
            raise ValueError(f"{what}: interval {start}-{end} must start before it ends")
        if start_us < previous_end:
            raise ValueError(f"{what}: intervals must be sorted and must not overlap")
        previous_end = end_us
    return result


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")


def _to_us(value: datetime) -> int:
    return (value - _EPOCH) // _ONE_US


@dataclass(frozen=True)
class BusinessCalendar:
    """An immutable business calendar for one time zone.

    The hours of a local date come from the first rule that applies:

    1. ``overrides[day]``: a day an admin added or edited (``()`` closes it);
    2. ``holidays``: closed;
    3. ``workdays`` (make-up days, 调休): ``makeup_hours``, or Monday's hours when unset;
    4. ``weekly_hours[day.weekday()]`` (0 is Monday); a missing weekday is closed.

    ``confirmed_years=None`` means the calendar does not depend on an official schedule (for
    example a plain Monday-to-Friday calendar), so every year counts as confirmed.
    """

    tz: str = DEFAULT_TZ
    weekly_hours: Mapping[int, Hours] = field(default_factory=lambda: DEFAULT_WEEKLY_HOURS, hash=False)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    makeup_hours: Hours | None = None
    overrides: Mapping[date, Hours] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    confirmed_years: frozenset[int] | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _days: dict[int, _Day] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        if any(weekday not in range(7) for weekday in self.weekly_hours):
            raise ValueError("weekly_hours keys must be weekdays 0 (Monday) to 6 (Sunday)")
        clash = self.holidays & self.workdays
        if clash:
            raise ValueError(f"dates cannot be both holiday and make-up workday: {sorted(clash)}")
        # Copy the mappings into read-only views so a caller mutating its dict afterwards
        # cannot change a calendar whose per-day cache is already filled.
        weekly = {day: _check_hours(hours, f"weekday {day}") for day, hours in self.weekly_hours.items()}
        overrides = {day: _check_hours(hours, f"override {day}") for day, hours in self.overrides.items()}
        setattr_ = object.__setattr__
        setattr_(self, "weekly_hours", MappingProxyType(weekly))
        setattr_(self, "overrides", MappingProxyType(overrides))
        setattr_(self, "holidays", frozenset(self.holidays))
        setattr_(self, "workdays", frozenset(self.workdays))
        if self.makeup_hours is not None:
            setattr_(self, "makeup_hours", _check_hours(self.makeup_hours, "make-up hours"))
        if self.confirmed_years is not None:
            setattr_(self, "confirmed_years", frozenset(self.confirmed_years))
        setattr_(self, "_zone", zone)
        setattr_(self, "_days", {})

    # -- editing (returns new calendars; the cache of the old one stays valid) ----------------

    def with_day(self, day: date, hours: Iterable[Interval]) -> BusinessCalendar:
        """A copy with ``day`` set to ``hours`` (an empty iterable closes it)."""
        return dataclasses.replace(self, overrides={**self.overrides, day: tuple(hours)})

    def without_day(self, day: date) -> BusinessCalendar:
        """A copy where ``day`` falls back to the holiday, make-up and weekly rules."""
        return dataclasses.replace(self, overrides={d: h for d, h in self.overrides.items() if d != day})

    def with_confirmed_years(self, years: Iterable[int]) -> BusinessCalendar:
        """A copy that also treats ``years`` as confirmed, e.g. after an admin entered the
        official schedule of a year the ``holidays`` package does not know yet."""
        current = self.confirmed_years if self.confirmed_years is not None else frozenset()
        return dataclasses.replace(self, confirmed_years=current | frozenset(years))

    # -- queries -------------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def hours_on(self, day: date) -> Hours:
        """The local working hours of ``day`` after overrides, holidays and make-up days."""
        if day in self.overrides:
            return self.overrides[day]
        if day in self.holidays:
            return ()
        if day in self.workdays:
            if self.makeup_hours is not None:
                return self.makeup_hours
            return self.weekly_hours.get(0, ())
        return self.weekly_hours.get(day.weekday(), ())

    def is_year_confirmed(self, year: int) -> bool:
        return self.confirmed_years is None or year in self.confirmed_years

    def is_working_time(self, at: datetime) -> bool:
        """Whether ``at`` lies inside a working interval (the end instant of one does not)."""
        _require_aware(at, "at")
        now = _to_us(at)
        intervals = self._day(self._ordinal(at))[0]
        return any(start <= now < end for start, end in intervals)

    def next_working_instant(self, at: datetime) -> datetime:
        """``at`` itself during working time, otherwise the start of the next working interval."""
        _require_aware(at, "at")
        cursor = _to_us(at)
        ordinal = self._ordinal(at)
        for _ in range(_MAX_CLOSED_DAYS):
            for start, end in self._day(ordinal)[0]:
                if end > cursor:
                    return self._from_us(max(start, cursor))
            ordinal += 1
        raise ValueError(f"calendar has no working time within {_MAX_CLOSED_DAYS} days of {at.isoformat()}")

    def add_working_minutes(self, start: datetime, minutes: int) -> Deadline:
        """The instant ``minutes`` working minutes after ``start``.

        With ``minutes > 0`` the result is inside a working interval or exactly at the end of
        one (a target that uses up Friday's last hour is due Friday 18:00, not Monday 09:00).
        ``minutes == 0`` returns ``start`` unchanged.
        """
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        return self.add_working_time(start, timedelta(minutes=minutes))

    def add_working_time(self, start: datetime, amount: timedelta) -> Deadline:
        """Like :meth:`add_working_minutes`, exact to the microsecond."""
        _require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError(f"working time to add must not be negative, got {amount}")
        remaining = amount // _ONE_US
        cursor = _to_us(start)
        ordinal = self._ordinal(start)
        if remaining == 0:
            return Deadline(self._from_us(cursor), self._day(ordinal)[2])
        confirmed = True
        closed_days = 0
        while True:
            intervals, total, day_confirmed = self._day(ordinal)
            confirmed = confirmed and day_confirmed
            if not total:
                closed_days += 1
                if closed_days > _MAX_CLOSED_DAYS:
                    raise ValueError(f"calendar has no working time within {_MAX_CLOSED_DAYS} days")
            elif intervals[0][0] >= cursor and total < remaining:
                # The whole day lies ahead and does not finish the job: skip it by its total
                # instead of visiting its intervals (this is what keeps long targets cheap).
                closed_days = 0
                remaining -= total
            else:
                closed_days = 0
                for begin, end in intervals:
                    if end <= cursor:
                        continue
                    begin = max(begin, cursor)
                    available = end - begin
                    # "<=" so that a target ending exactly at a break is due at the break,
                    # not after it.
                    if remaining <= available:
                        return Deadline(self._from_us(begin + remaining), confirmed)
                    remaining -= available
            ordinal += 1

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``, signed: negative when ``end < start``."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end < start:
            return -self.working_time_between(end, start)
        low, high = _to_us(start), _to_us(end)
        first, last = self._ordinal(start), self._ordinal(end)
        total = 0
        for ordinal in range(first, last + 1):
            intervals, day_total, _ = self._day(ordinal)
            if first < ordinal < last:
                total += day_total
                continue
            for begin, finish in intervals:
                overlap = min(finish, high) - max(begin, low)
                if overlap > 0:
                    total += overlap
        return timedelta(microseconds=total)

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole working minutes from ``start`` to ``end``.

        Signed (negative when ``end < start``) and truncated toward zero, so that
        ``working_minutes_between(s, add_working_minutes(s, n).at) == n`` for any ``s``.
        """
        amount = self.working_time_between(start, end) // _ONE_US
        minutes = abs(amount) // _US_PER_MINUTE
        return minutes if amount >= 0 else -minutes

    # -- internals -----------------------------------------------------------------------------

    def _ordinal(self, at: datetime) -> int:
        return at.astimezone(self._zone).toordinal()

    def _from_us(self, value: int) -> datetime:
        return (_EPOCH + timedelta(microseconds=value)).astimezone(self._zone)

    def _day(self, ordinal: int) -> _Day:
        # A plain dict rather than lru_cache: the calendar is immutable, so entries never go
        # stale, and the number of distinct dates an SLA engine touches is small.
        cached = self._days.get(ordinal)
        if cached is None:
            cached = self._build_day(date.fromordinal(ordinal))
            self._days[ordinal] = cached
        return cached

    def _build_day(self, day: date) -> _Day:
        next_day = day + timedelta(days=1)
        intervals = []
        for start, end in self.hours_on(day):
            begin = _to_us(datetime.combine(day, start, tzinfo=self._zone))
            finish = _to_us(datetime.combine(next_day if end == time(0) else day, end, tzinfo=self._zone))
            # Wall times that a daylight-saving jump folds into nothing contribute no time.
            if finish > begin:
                intervals.append((begin, finish))
        return (
            tuple(intervals),
            sum(end - start for start, end in intervals),
            self.is_year_confirmed(day.year),
        )


def china_confirmed_years() -> frozenset[int]:
    """Years whose official State Council holiday schedule the installed ``holidays`` knows.

    The package records every year's 调休 swaps in ``ChinaStaticHolidays`` once the notice is
    published (each year since 2001 has had some), so those years are the confirmed ones; any
    later year is the package's estimate from the statutory rules. Upgrading ``holidays``
    after a new notice moves this boundary without code changes.
    """
    return frozenset(
        year for year in ChinaStaticHolidays.special_public_holidays if year >= _FIRST_OFFICIAL_CHINA_YEAR
    )


def china_calendar(
    tz: str = DEFAULT_TZ,
    years: Iterable[int] | None = None,
    hours: Mapping[int, Hours] | None = None,
    makeup_hours: Hours | None = None,
) -> BusinessCalendar:
    """Mainland China's calendar, seeded from the ``holidays`` package.

    ``years`` defaults to 2001 through five years past the last confirmed year; statutory
    holidays of unconfirmed years are still loaded (the package's estimate) but deadlines in
    them are marked unconfirmed. ``hours`` defaults to Mon-Fri 09:00-12:00 and 13:00-18:00.
    """
    confirmed = china_confirmed_years()
    wanted = set(years) if years is not None else set(range(_FIRST_OFFICIAL_CHINA_YEAR, max(confirmed) + 6))
    official = country_holidays("CN", years=sorted(wanted))
    # The package may report swaps of neighbouring years it populated on the side; keep only
    # the requested ones so `years` means what it says.
    return BusinessCalendar(
        tz=tz,
        weekly_hours=hours if hours is not None else DEFAULT_WEEKLY_HOURS,
        holidays=frozenset(day for day in official if day.year in wanted),
        workdays=frozenset(day for day in official.weekend_workdays if day.year in wanted),
        makeup_hours=makeup_hours,
        confirmed_years=frozenset(wanted & confirmed),
    )
