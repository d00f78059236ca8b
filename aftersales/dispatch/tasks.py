"""Background jobs of dispatch: thin, safe to run twice."""

from __future__ import annotations

from datetime import date, timedelta

from aftersales.core.errors import InvalidInput
from aftersales.dispatch.assignment import auto_assign_pending
from aftersales.dispatch.planning import plan_day
from aftersales.jobs.registry import job
from aftersales.stations.models import ServiceStation


@job("dispatch.auto_assign", every=timedelta(minutes=1))
def auto_assign() -> dict[str, int]:
    """Assign accepted field requests of organizations with auto-assign on (see ``assignment``)."""
    return {"assigned": auto_assign_pending()}


@job("dispatch.plan_day", max_attempts=3)
def replan(*, station_id: int, day: str) -> dict[str, int]:
    """Re-plan a station's day after a booking changed it; running it twice plans twice, no harm."""
    station = ServiceStation.objects.select_related("organization").filter(pk=station_id).first()
    if station is None:
        return {"stops": 0}
    try:
        stored = plan_day(station=station, day=date.fromisoformat(day), by=None, time_limit_s=2.0)
    except InvalidInput:  # the day is over by the time the job runs: nothing left to plan
        return {"stops": 0}
    return {"stops": stored.stops.count(), "unassigned": len(stored.unassigned)}
