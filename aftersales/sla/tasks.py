"""Background jobs of the SLA engine: thin, idempotent, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from aftersales.jobs.registry import job
from aftersales.sla.calendars import calendars_refresh
from aftersales.sla.recompute import sla_check


@job("sla.check", every=timedelta(minutes=1))
def check() -> dict[str, int]:
    """Recompute open clocks, record breaches and apply escalations (see ``recompute.sla_check``)."""
    return sla_check(now=timezone.now())


@job("sla.refresh_calendars", every=timedelta(hours=24))
def refresh_calendars() -> int:
    """Keep China calendars a few years ahead and confirm newly published schedules."""
    return calendars_refresh()
