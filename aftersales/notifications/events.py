"""Every event a webhook subscription can ask for: what the outbox emits, in one list.

The events are emitted by higher apps (``service.notify``, ``entitlement.notify``), which this app
may not import; a test (``tests/test_events.py``) reads their sources and fails when one emits an
event missing here, so a subscriber's checkboxes never miss one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PING = "ping"


@dataclass(frozen=True)
class Event:
    code: str
    label: str | Promise


@dataclass(frozen=True)
class Group:
    label: str | Promise
    events: tuple[Event, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        _("服务单"),
        (
            Event("request.created", _("新建服务单")),
            Event("request.status_changed", _("服务单状态变化")),
            Event("request.message", _("服务单新消息")),
        ),
    ),
    Group(
        _("退换货"),
        (
            Event("return.requested", _("退换货申请")),
            Event("return.approved", _("退换货已批准")),
            Event("return.rejected", _("退换货已拒绝")),
            Event("return.shipped", _("客户已寄回")),
            Event("return.received", _("已收到退货")),
            Event("return.inspected", _("已检测")),
            Event("return.refund_pending", _("待退款")),
            Event("return.refunded", _("已退款")),
            Event("return.exchange_shipped", _("换货已发出")),
            Event("return.closed", _("退换货已关闭")),
            Event("return.refund_due_soon", _("退款即将到期")),
            Event("return.refund_overdue", _("退款已逾期")),
        ),
    ),
    Group(
        _("维修报价"),
        (
            Event("quote.sent", _("报价已发送")),
            Event("quote.approved", _("客户同意报价")),
            Event("quote.declined", _("客户拒绝报价")),
        ),
    ),
)
CODES: tuple[str, ...] = tuple(e.code for g in GROUPS for e in g.events)


def label_of(code: str) -> str | Promise:
    if code == PING:
        return _("测试（ping）")
    for group in GROUPS:
        for event in group.events:
            if event.code == code:
                return event.label
    return code
