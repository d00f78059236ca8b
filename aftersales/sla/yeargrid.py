"""A year of a business calendar as twelve month grids (pure: no database).

Each date is one of: a workday or a weekend day by the weekly hours; an official holiday or an
official make-up workday (调休上班) from the State Council's schedule; or an admin's override
(a holiday, a workday, or special hours), which wins over both.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

WORKDAY = "workday"
WEEKEND = "weekend"
HOLIDAY = "holiday"  # official holiday
MAKEUP = "makeup"  # official make-up workday (调休上班)
OFF = "off"  # admin: closed
ON = "on"  # admin: open
SPECIAL = "special"  # special hours

KINDS = (WORKDAY, WEEKEND, HOLIDAY, MAKEUP, OFF, ON, SPECIAL)


@dataclass(frozen=True)
class DayFact:
    """A ``CalendarDay`` row, reduced: ``kind`` holiday/workday/special, ``source`` official/admin."""

    kind: str
    source: str
    name: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Cell:
    day: date
    kind: str
    name: str = ""
    hours: str = ""

    @property
    def is_override(self) -> bool:
        return self.kind in (OFF, ON, SPECIAL)


@dataclass(frozen=True)
class Month:
    number: int
    weeks: tuple[tuple[Cell | None, ...], ...]


def classify(day: date, working_weekdays: frozenset[int], fact: DayFact | None) -> str:
    if fact is None:
        return WORKDAY if day.weekday() in working_weekdays else WEEKEND
    if fact.kind == "special":
        return SPECIAL
    if fact.source == "official":
        return HOLIDAY if fact.kind == "holiday" else MAKEUP
    return OFF if fact.kind == "holiday" else ON


def year_months(year: int, working_weekdays: frozenset[int], facts: Mapping[date, DayFact]) -> list[Month]:
    """Monday-first month grids; days outside the month are None."""
    months = []
    grid = pycalendar.Calendar(firstweekday=0)
    for number in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, number):
            row: list[Cell | None] = []
            for day in week:
                if day.month != number:
                    row.append(None)
                    continue
                fact = facts.get(day)
                row.append(
                    Cell(
                        day,
                        classify(day, working_weekdays, fact),
                        fact.name if fact else "",
                        fact.hours if fact else "",
                    )
                )
            weeks.append(tuple(row))
        months.append(Month(number, tuple(weeks)))
    return months


def counts(months: list[Month]) -> dict[str, int]:
    """How many days of each kind; a workday count is what a year's working-time SLA runs on."""
    out = dict.fromkeys(KINDS, 0)
    for month in months:
        for week in month.weeks:
            for cell in week:
                if cell is not None:
                    out[cell.kind] += 1
    return out
