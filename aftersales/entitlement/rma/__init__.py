"""Returns, exchanges and refunds (RMA) on top of a service request.

request → eligibility (the engine, shown to agent and customer) → approve / reject with a reason →
return shipment → received → inspected (the condition report feeds the engine again) → refund
(amount, method, due date, escalated before it is late) or exchange (new serial, old unit marked
returned, 三包 restarting at the exchange date) → closed.

Each step locks the RMA row, takes its transition in the return's table (``table.TABLE``),
writes a timeline event on the request, moves the request along its own lifecycle table
(``flow.drive``) and queues the notifications, in one transaction. Every approve / reject /
refund / exchange is stored with the facts it used.

The package is split by stage: ``request`` (opening a return), ``decide`` (approve / reject),
``goods`` (shipment, receipt, inspection), ``settle`` (refund, exchange, close) and ``deadlines``
(refund escalation), on the shared steps in ``base`` and the table in ``table``. Callers import
from the package: ``from aftersales.entitlement import rma``.
"""

from aftersales.entitlement.rma.base import choose, option_key, org_language, rma_inputs
from aftersales.entitlement.rma.deadlines import refunds_escalate
from aftersales.entitlement.rma.decide import rma_approve, rma_reject
from aftersales.entitlement.rma.goods import MAX_PHOTOS, rma_inspect, rma_receive, rma_ship
from aftersales.entitlement.rma.request import rma_attach, rma_request
from aftersales.entitlement.rma.settle import rma_close, rma_exchange, rma_refund, rma_refund_paid
from aftersales.entitlement.rma.table import TABLE

__all__ = [
    "MAX_PHOTOS",
    "TABLE",
    "choose",
    "option_key",
    "org_language",
    "refunds_escalate",
    "rma_approve",
    "rma_attach",
    "rma_close",
    "rma_exchange",
    "rma_inputs",
    "rma_inspect",
    "rma_receive",
    "rma_refund",
    "rma_refund_paid",
    "rma_reject",
    "rma_request",
    "rma_ship",
]
