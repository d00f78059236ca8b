"""Facts derived once per evaluation: when the current period started, which repairs count, day arithmetic.

Day counting follows the civil-law rule for periods (民法典第二百零一条): the starting day is not
counted, so "within 7 days of D" means up to and including D + 7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from aftersales.core.dates import add_months

from .facts import CategoryKind, Facts, FaultType, RepairVisit, Request
from .rules import EffectiveTerms


def visit_days(visit: RepairVisit, on: date) -> int:
    """Calendar days the unit has been with the repairer, counting an unfinished visit up to `on`."""
    end = visit.returned if visit.returned is not None else on
    return (end - visit.dropped_off).days


def car_repair_days(visit: RepairVisit, on: date) -> int:
    """Car repair time in days: any started day counts, and a repair under 24 hours is one day."""
    if visit.hours is not None:
        return max(1, math.ceil(visit.hours / Decimal(24)))
    return max(1, visit_days(visit, on))


@dataclass(frozen=True)
class Context:
    facts: Facts
    request: Request
    rules: EffectiveTerms
    start: date  # start of the current 三包 / 包修 period
    start_km: int
    exchanged: bool
    visits: tuple[RepairVisit, ...]  # the current unit's authorized quality repairs

    @property
    def on(self) -> date:
        return self.request.on

    @property
    def has_fault(self) -> bool:
        return self.request.fault != FaultType.NONE

    @property
    def km(self) -> int:
        """Distance driven since the current period started (0 for goods)."""
        return max(0, (self.facts.odometer_km or 0) - self.start_km)

    def days_since(self, day: date) -> int:
        return (self.on - day).days

    def excluded_days(self) -> int:
        """Goods: days in repair and waiting for parts, which the 三包 period does not count."""
        return sum(visit_days(visit, self.on) for visit in self.visits)


def build_context(facts: Facts, request: Request, rules: EffectiveTerms) -> Context:
    start = facts.invoiced_on or facts.purchased_on
    if facts.terms.kind == CategoryKind.CAR and facts.delivered_on is not None:
        # The car rules count from the invoice, but from delivery when the two dates differ.
        start = facts.delivered_on
    start_km = 0
    exchanges = sorted(facts.exchanges, key=lambda exchange: exchange.on)
    if exchanges:
        # An exchanged unit is a new unit: its period restarts and the old unit's repairs stop counting.
        start, start_km = exchanges[-1].on, exchanges[-1].odometer_km
    visits = tuple(
        visit
        for visit in sorted(facts.repairs, key=lambda visit: visit.dropped_off)
        if visit.dropped_off >= start and visit.authorized and visit.quality_fault
    )
    return Context(facts, request, rules, start, start_km, bool(exchanges), visits)


def period_end(ctx: Context, months: int, extend_by_repairs: bool) -> date:
    end = add_months(ctx.start, months)
    if extend_by_repairs:
        end += timedelta(days=ctx.excluded_days())
    return end
