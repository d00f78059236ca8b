"""The return (RMA) workflow as data: every step, the statuses it leaves from and who takes it.

requested → approved (or rejected) → shipped → received → inspected (again, or rejected) →
refund_pending → refunded, or exchange_shipped → closed. Each step's service looks its name up
here (``rma.base.check``) and tests no status of its own.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.core import workflow
from aftersales.core.workflow import Actor
from aftersales.entitlement.models.returns import ReturnAuthorization

S = ReturnAuthorization.Status
Transition = workflow.Transition[ReturnAuthorization.Status]
STAFF = {Actor.STAFF}
# The customer records their own return shipment and confirms the refund or exchange arrived.
OWNER = {Actor.STAFF, Actor.CUSTOMER}

TABLE: tuple[Transition, ...] = (
    workflow.transition("approve", {S.REQUESTED}, S.APPROVED, STAFF),
    # Before the goods are back the request is cancelled; after, they go back to the customer.
    workflow.transition(
        "reject", {S.REQUESTED, S.RECEIVED, S.INSPECTED}, S.REJECTED, STAFF, needs_reason=True
    ),
    # A shipment may be corrected (another carrier or tracking number) until the goods arrive.
    workflow.transition("ship", {S.APPROVED, S.SHIPPED}, S.SHIPPED, OWNER),
    # Goods handed in at a counter arrive without a recorded shipment.
    workflow.transition("receive", {S.APPROVED, S.SHIPPED}, S.RECEIVED, STAFF),
    # An inspection may be repeated; the latest report is the one the engine reads.
    workflow.transition("inspect", {S.RECEIVED, S.INSPECTED}, S.INSPECTED, STAFF),
    workflow.transition("refund", {S.INSPECTED}, S.REFUND_PENDING, STAFF),
    workflow.transition("refund_paid", {S.REFUND_PENDING}, S.REFUNDED, STAFF),
    workflow.transition("exchange", {S.INSPECTED}, S.EXCHANGE_SHIPPED, STAFF),
    workflow.transition("close", {S.REFUNDED, S.EXCHANGE_SHIPPED}, S.CLOSED, OWNER),
)

# What each step is called in the message that refuses it.
LABELS: dict[str, Promise] = {
    "approve": _("批准"),
    "reject": _("拒绝"),
    "ship": _("登记寄回"),
    "receive": _("签收"),
    "inspect": _("检测"),
    "refund": _("退款"),
    "refund_paid": _("确认退款"),
    "exchange": _("换货"),
    "close": _("完成"),
}

# Statuses no step leaves: a unit whose return stands in one of them may be returned again.
FINAL = workflow.statuses(TABLE) - {s for t in TABLE for s in t.sources}
