from aftersales.sla.models.calendars import CalendarDay, CalendarYear, ServiceCalendar, WorkingHours
from aftersales.sla.models.clocks import Escalation, RequestSla, SlaClock, SlaPause
from aftersales.sla.models.policies import EscalationRule, Metric, SlaPolicy, SlaTarget, TimeBasis

__all__ = [
    "CalendarDay",
    "CalendarYear",
    "Escalation",
    "EscalationRule",
    "Metric",
    "RequestSla",
    "ServiceCalendar",
    "SlaClock",
    "SlaPause",
    "SlaPolicy",
    "SlaTarget",
    "TimeBasis",
    "WorkingHours",
]
