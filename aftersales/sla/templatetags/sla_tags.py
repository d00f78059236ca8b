"""Template tags the console and portal pages include: ``{% load sla_tags %}``.

* ``{% sla_badge request %}``: a small coloured badge of the most urgent clock; use
  ``aftersales.sla.selectors.with_sla`` on list querysets. Built in Python (``badge_html``), not
  from a template: a list page shows a hundred of them.
* ``{% clock_badge row %}``: the same badge for a row of ``clock_context``, as the panel lists them.
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
from django.utils.html import format_html
from django.utils.safestring import SafeString
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


def badge_html(row: dict[str, Any]) -> SafeString:
    """The badge of a ``clock_context`` row: tone, what is left or how late, and the due time on hover."""
    clock = row["clock"]
    if clock is None:
        return SafeString("")
    title = row["metric_label"] + "：" + _("%(due)s 到期") % {"due": row["due_text"]}
    if row["is_working_time"]:
        title += "（" + _("工作时间") + "）"
    if not clock.confirmed:
        title += "，" + _("节假日安排未确认")
    if clock.state == State.BREACHED:
        text = _("超时 %(d)s") % {"d": sla_duration(clock.breached_by_minutes)}
    elif clock.state == State.PAUSED:
        text = _("时效暂停")
    elif clock.state == State.MET:
        text = _("时效达成")
    elif clock.state == State.STOPPED:
        text = _("时效停止")
    else:
        text = _("剩余 %(d)s") % {"d": sla_duration(row["remaining"])}
    unconfirmed = format_html(' <span aria-label="{}">*</span>', _("未确认")) if not clock.confirmed else ""
    return format_html(
        '<span class="badge text-bg-{} sla-badge" data-sla-state="{}" data-sla-metric="{}" title="{}">'
        '<i class="bi bi-stopwatch" aria-hidden="true"></i>\n{}{}</span>',
        row["tone"],
        clock.state,
        clock.metric,
        title,
        text,
        unconfirmed,
    )


@register.simple_tag
def sla_badge(request: ServiceRequest) -> SafeString:
    return badge_html(clock_context(selectors.badge_clock(request)))


@register.simple_tag
def clock_badge(row: dict[str, Any]) -> SafeString:
    return badge_html(row)


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
    return {
        "promise": promise,
        "due_text": when(promise.due_at, short=True) if promise and promise.due_at else "",
    }
