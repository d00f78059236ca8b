"""Template tags the console and portal pages include: ``{% load sla_tags %}``.

* ``{% sla_badge request %}``: a small coloured badge of the most urgent clock
  (``sla/partials/_clock.html``); use ``aftersales.sla.selectors.with_sla`` on list querysets.
* ``{% sla_panel request %}``: every clock of the request with due times, for a staff detail
  page (``sla/partials/_clocks.html``).
* ``{% sla_promise request %}``: the sentence for the customer portal, such as
  "我们将在 3月10日 14:00 前回复您" (``sla/partials/_promise.html``).
* ``{{ minutes|sla_duration }}``: 150 → "2小时30分".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import dateformat
from django.utils.translation import gettext as _

from aftersales.service.models import ServiceRequest
from aftersales.sla import selectors
from aftersales.sla.models import Escalation, Metric, RequestSla, SlaClock

register = template.Library()
State = SlaClock.State


@register.filter
def sla_duration(minutes: int | float | None) -> str:
    if minutes is None:
        return ""
    total = max(0, int(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d天") % {"n": days})
    if hours:
        parts.append(_("%(n)d小时") % {"n": hours})
    if mins or not parts:
        parts.append(_("%(n)d分") % {"n": mins})
    return "".join(parts)


def when(value: Any, short: bool = False) -> str:
    """A time in its own zone (the calendar's), not the viewer's: "3月10日 14:00"."""
    # Translators: a PHP-style date format (Django's "date" filter), month and day then time.
    return dateformat.format(value, _("n月j日 H:i") if short else _("Y年n月j日 H:i"))


def clock_context(clock: SlaClock | None) -> dict[str, Any]:
    if clock is None:
        return {"clock": None}
    return {
        "clock": clock,
        "tone": selectors.tone(clock),
        "metric_label": Metric(clock.metric).label,
        "due_text": when(clock.due_at.astimezone(selectors.zone_of(clock))),
        "remaining": max(0, clock.remaining_minutes),
        "percent": min(100, round(clock.fraction_used * 100)),
        "is_working_time": clock.basis == "working",
    }


@register.inclusion_tag("sla/partials/_clock.html")
def sla_badge(request: ServiceRequest) -> dict[str, Any]:
    return clock_context(selectors.badge_clock(request))


@register.inclusion_tag("sla/partials/_clocks.html")
def sla_panel(request: ServiceRequest) -> dict[str, Any]:
    clocks = sorted(selectors.clocks_of(request), key=lambda c: (not c.active, c.metric, c.cycle))
    state = RequestSla.objects.filter(request=request).select_related("policy").first()
    return {
        "rows": [clock_context(c) for c in clocks],
        "state": state,
        "escalations": list(Escalation.objects.filter(request=request).order_by("-created_at", "-id")[:5]),
    }


@register.inclusion_tag("sla/partials/_promise.html")
def sla_promise(request: ServiceRequest) -> dict[str, Any]:
    promise = selectors.promise_for(request)
    return {"promise": promise, "due_text": when(promise.due_at, short=True) if promise and promise.due_at else ""}
