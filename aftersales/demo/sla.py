"""Demo step: calendars, default SLA policies, every request's clocks and recent escalations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from aftersales.demo.context import DemoContext
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import ServiceRequest
from aftersales.sla.backfill import sla_backfill
from aftersales.sla.escalation import escalate, rules_by_policy, rules_due
from aftersales.sla.models import SlaClock
from aftersales.sla.policies import sla_setup_all


def step_sla(ctx: DemoContext) -> None:
    """Calendars, default policies and every request's clocks, replayed from its timeline.

    The running job would do this within minutes; doing it here means the first page a demo
    user opens already shows deadlines.
    """
    sla_setup_all()
    clocked = 0
    while n := sla_backfill(now=timezone.now(), limit=5000):
        clocked += n
    ctx.report(f"SLA clocks for {clocked} requests")
    ctx.report(f"SLA escalations for {_recent_escalations(timezone.now())} clocks")


def _recent_escalations(now: datetime) -> int:
    """The backfill treats thresholds already passed as handled, so that a replayed year sends no
    old warnings. The last three days' breaches of open work are escalated as the job would have
    done, so the demo's supervisors and timelines show escalations."""
    queued_before = OutboxMessage.objects.aggregate(m=Max("id"))["m"] or 0
    clocks = list(
        SlaClock.objects.filter(active=True, breached_at__gte=now - timedelta(days=3))
        .select_related("request__sla")
        .order_by("id")
    )
    rules = rules_by_policy(c.request.sla.policy_id for c in clocks)
    escalated = 0
    for clock in clocks:
        due = rules_due(
            rules.get(clock.request.sla.policy_id or 0, []),
            metric=clock.metric,
            target_minutes=clock.target_minutes,
            fraction_used=clock.fraction_used,
            mark=-1.0,
        )
        applied = [escalate(clock_id=clock.pk, rule=rule, at=now) for rule in due]
        escalated += any(applied)
    # History, not news: its warnings are not sent, and a raised priority dates from the
    # escalation's own time, like the rest of the demo's timelines.
    OutboxMessage.objects.filter(id__gt=queued_before).delete()
    ServiceRequest.objects.filter(pk__in={c.request_id for c in clocks}, updated_at__gt=now).update(
        updated_at=now
    )
    return escalated
