"""Calendar rows in, ``BusinessCalendar`` out; seeding from China's official holiday schedule.

Built calendars are cached per process, keyed by the row's ``updated_at``: every write to a
calendar's hours, days or years goes through ``calendar_touch`` so the next read rebuilds it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from holidays import country_holidays

from aftersales.accounts import config
from aftersales.accounts.models import Organization
from aftersales.sla.calendar import DEFAULT_WEEKLY_HOURS, BusinessCalendar, Hours, china_confirmed_years
from aftersales.sla.models import CalendarDay, CalendarYear, ServiceCalendar, WorkingHours
from aftersales.stations.models import ServiceStation

_cache: dict[int, tuple[datetime, BusinessCalendar]] = {}
_cache_lock = threading.Lock()


def official_years(today: date | None = None) -> range:
    """Last year through two years past the last published schedule: what a new calendar loads."""
    year = (today or timezone.localdate()).year
    last = max(china_confirmed_years(), default=year)
    return range(year - 1, max(last, year) + 3)


def calendar_touch(calendar_id: int) -> None:
    """The calendar's hours, days or years changed: rebuild it on next use, in every process."""
    ServiceCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())
    # ``update`` sends no signal: the organization's settings stamp is replaced here.
    config.config_touch(
        ServiceCalendar.objects.filter(pk=calendar_id).values_list("organization_id", flat=True).first()
    )


def calendar_create(
    *,
    organization: Organization,
    station: ServiceStation | None = None,
    name: str = "",
    tz: str | None = None,
    holiday_source: str = ServiceCalendar.HolidaySource.CHINA,
    weekly: Mapping[int, Hours] | None = None,
    years: Iterable[int] | None = None,
) -> ServiceCalendar:
    """A calendar with weekly hours (default Mon–Fri 09:00–12:00, 13:00–18:00) and, for China,
    the official holidays and make-up workdays of ``years``."""
    if station is not None and station.organization_id != organization.pk:
        raise ValueError("station belongs to another organization")
    with transaction.atomic():
        calendar = ServiceCalendar.objects.create(
            organization=organization,
            station=station,
            name=name or (station.name if station else _("%(org)s 默认日历") % {"org": organization.name}),
            timezone=tz or organization.timezone or "Asia/Shanghai",
            holiday_source=holiday_source,
        )
        hours = weekly if weekly is not None else DEFAULT_WEEKLY_HOURS
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start=start, end=end)
            for day, spans in sorted(hours.items())
            for start, end in spans
        )
        if holiday_source == ServiceCalendar.HolidaySource.CHINA:
            calendar_load_official(calendar=calendar, years=years if years is not None else official_years())
    return calendar


def calendar_load_official(*, calendar: ServiceCalendar, years: Iterable[int]) -> int:
    """(Re)load the official holidays and 调休 workdays of ``years`` from the ``holidays`` package.

    Days an admin entered are kept; official rows of those years are replaced, so running it
    again after upgrading the package picks up a newly published schedule. A year becomes
    confirmed when the package has its notice; an admin's confirmation is never taken back.
    Returns the number of official days written.
    """
    wanted = sorted(set(years))
    if not wanted:
        return 0
    official = country_holidays("CN", years=wanted, language="zh_CN")
    confirmed = china_confirmed_years()
    with transaction.atomic():
        in_years = CalendarDay.objects.filter(calendar=calendar, date__year__in=wanted)
        admin_dates = set(in_years.filter(source=CalendarDay.Source.ADMIN).values_list("date", flat=True))
        in_years.filter(source=CalendarDay.Source.OFFICIAL).delete()
        rows = [
            CalendarDay(
                calendar=calendar,
                date=day,
                kind=CalendarDay.Kind.HOLIDAY,
                name=str(label)[:100],
                source=CalendarDay.Source.OFFICIAL,
            )
            for day, label in sorted(official.items())
            if day.year in wanted and day not in admin_dates
        ]
        rows += [
            CalendarDay(
                calendar=calendar,
                date=day,
                kind=CalendarDay.Kind.WORKDAY,
                name=_("调休上班"),
                source=CalendarDay.Source.OFFICIAL,
            )
            for day in sorted(official.weekend_workdays)
            if day.year in wanted and day not in admin_dates
        ]
        CalendarDay.objects.bulk_create(rows)
        for year in wanted:
            row, _created = CalendarYear.objects.get_or_create(calendar=calendar, year=year)
            if year in confirmed and not row.confirmed:
                row.confirmed = True
                row.note = _("国务院放假安排（holidays 数据包）")
                row.save(update_fields=["confirmed", "note"])
        calendar_touch(calendar.pk)
    return len(rows)


def calendars_refresh(*, today: date | None = None) -> int:
    """Load the official schedule of years a China calendar lacks, or that the ``holidays``
    package has confirmed since (after an upgrade); returns how many calendars changed.

    Run daily: a calendar made in 2026 reaches 2028, and in 2027 it needs 2029 loaded and 2027's
    published notice confirmed, without anyone remembering to press a button in the admin.
    """
    wanted = official_years(today)
    confirmed = china_confirmed_years()
    changed = 0
    for calendar in ServiceCalendar.objects.filter(holiday_source=ServiceCalendar.HolidaySource.CHINA):
        known = dict(CalendarYear.objects.filter(calendar=calendar).values_list("year", "confirmed"))
        stale = [y for y in wanted if y not in known or (y in confirmed and not known[y])]
        if stale:
            calendar_load_official(calendar=calendar, years=stale)
            changed += 1
    return changed


def calendar_day_set(
    *, calendar: ServiceCalendar, day: date, kind: str, hours: str = "", name: str = ""
) -> CalendarDay:
    """Add or change one date (an admin's edit: kept when the official schedule is reloaded)."""
    with transaction.atomic():
        row, _created = CalendarDay.objects.update_or_create(
            calendar=calendar,
            date=day,
            defaults={"kind": kind, "hours": hours, "name": name, "source": CalendarDay.Source.ADMIN},
        )
        row.full_clean()
        calendar_touch(calendar.pk)
    return row


def calendar_year_confirm(
    *, calendar: ServiceCalendar, year: int, confirmed: bool = True, note: str = ""
) -> None:
    with transaction.atomic():
        CalendarYear.objects.update_or_create(
            calendar=calendar, year=year, defaults={"confirmed": confirmed, "note": note}
        )
        calendar_touch(calendar.pk)


def default_calendar(organization: Organization) -> ServiceCalendar:
    """The organization's default calendar, created (with China's schedule) on first use."""
    existing = ServiceCalendar.objects.filter(organization=organization, station__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return calendar_create(organization=organization)
    except IntegrityError:
        # Another process created it a moment ago.
        return ServiceCalendar.objects.get(organization=organization, station__isnull=True)


def calendar_for(
    organization: Organization, station_id: int | None, *, default: ServiceCalendar | None = None
) -> ServiceCalendar:
    """A station's own calendar when it has one, else the organization's default (``default``
    when the caller has just read it)."""
    if station_id is not None:
        own = config.cached(
            organization,
            f"station_calendar:{station_id}",
            lambda: (ServiceCalendar.objects.filter(station_id=station_id).first(), True),
        )
        if own is not None:
            return own
    return default if default is not None else default_calendar(organization)


def build_business_calendar(calendar: ServiceCalendar) -> BusinessCalendar:
    """The pure calendar for ``calendar``'s rows (three queries)."""
    weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for row in WorkingHours.objects.filter(calendar=calendar).order_by("weekday", "start"):
        weekly[row.weekday].append((row.start, row.end))
    holidays: set[date] = set()
    workdays: set[date] = set()
    overrides: dict[date, Hours] = {}
    for day in CalendarDay.objects.filter(calendar=calendar):
        if day.kind == CalendarDay.Kind.HOLIDAY:
            holidays.add(day.date)
        elif day.kind == CalendarDay.Kind.WORKDAY and not day.hours.strip():
            workdays.add(day.date)
        else:
            overrides[day.date] = day.parsed_hours
    confirmed: frozenset[int] | None = None
    if calendar.holiday_source == ServiceCalendar.HolidaySource.CHINA:
        confirmed = frozenset(
            CalendarYear.objects.filter(calendar=calendar, confirmed=True).values_list("year", flat=True)
        )
    return BusinessCalendar(
        tz=calendar.timezone,
        weekly_hours={d: tuple(spans) for d, spans in weekly.items()},
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        overrides=overrides,
        confirmed_years=confirmed,
    )


def business_calendar(calendar: ServiceCalendar) -> BusinessCalendar:
    """The cached pure calendar of ``calendar`` as of its ``updated_at``."""
    with _cache_lock:
        cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == calendar.updated_at:
        return cached[1]
    built = build_business_calendar(calendar)
    with _cache_lock:
        _cache[calendar.pk] = (calendar.updated_at, built)
    return built


def business_calendar_by_id(calendar_id: int | None) -> BusinessCalendar | None:
    if calendar_id is None:
        return None
    calendar = ServiceCalendar.objects.filter(pk=calendar_id).first()
    return business_calendar(calendar) if calendar is not None else None


def business_calendars(ids: Iterable[int]) -> dict[int, BusinessCalendar]:
    """Several at once (one query to check freshness), for the periodic recompute."""
    return {c.pk: business_calendar(c) for c in ServiceCalendar.objects.filter(pk__in=set(ids))}
