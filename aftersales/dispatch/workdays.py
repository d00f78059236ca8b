"""Which weekly shift a technician works on a date, by their station's business calendar.

Technicians work their weekday shifts on the station's calendar (``aftersales.sla``): on a public
holiday the station is closed and nobody is offered, and on a make-up workday (调休上班, a
Saturday or Sunday the calendar opens) technicians work their Monday shift. Every other date
keeps the technician's own shift of that weekday, ordinary weekends included: the calendar's
office hours do not limit field work, only its holidays and make-up days move it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from aftersales.sla.calendars import business_calendar, calendar_for

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization
    from aftersales.dispatch.models import Shift, Technician
    from aftersales.sla.calendar import BusinessCalendar

MONDAY = 0


def shift_weekday(calendar: BusinessCalendar, day: date) -> int | None:
    """The weekday whose shift applies on ``day``; None when the calendar closes the day.

    Closed: a holiday, or a date an admin set to no hours. A make-up day: a date the calendar
    works although its weekday normally has no hours; it takes Monday's shift, as the calendar
    takes Monday's hours.
    """
    hours = calendar.hours_on(day)
    if not hours:
        if day in calendar.holidays or day in calendar.overrides:
            return None
        return day.weekday()
    if not calendar.weekly_hours.get(day.weekday()):
        return MONDAY
    return day.weekday()


def shift_on(tech: Technician, weekday: int | None, day: date) -> Shift | None:
    """``tech``'s shift for ``weekday`` (from ``shift_weekday``); None when not working.

    On a make-up day someone without a Monday shift still works their own shift of the day, if any.
    """
    if weekday is None:
        return None
    shifts = {s.weekday: s for s in tech.shifts.all()}
    return shifts.get(weekday) or shifts.get(day.weekday())


class StationCalendars:
    """The business calendars of one call's stations, each looked up once."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self._calendars: dict[int | None, BusinessCalendar] = {}

    def of(self, station_id: int | None) -> BusinessCalendar:
        calendar = self._calendars.get(station_id)
        if calendar is None:
            calendar = business_calendar(calendar_for(self.organization, station_id))
            self._calendars[station_id] = calendar
        return calendar

    def weekday(self, station_id: int | None, day: date) -> int | None:
        return shift_weekday(self.of(station_id), day)

    def shift(self, tech: Technician, day: date) -> Shift | None:
        """``tech``'s shift on ``day`` by their home station's calendar; None when off."""
        return shift_on(tech, self.weekday(tech.home_station_id, day), day)
