"""The service-request lifecycle as data: kinds, statuses, and the transitions each kind allows.

Pure Python (no database), so the table can be read, tested and shown to users on its own.
A transition (``core.workflow.Transition``, the shape every workflow's table shares) names the
statuses it leaves from, the status it leads to, who may take it and whether a reason is required.
Returns, exchanges and refunds have their own path, which the entitlement workflow extends.

The kinds and statuses are defined here, once; ``service.models`` uses these same classes for
its fields' choices. So are the groups of kinds the other apps ask about (field jobs, returns).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core import workflow
from aftersales.core.workflow import Actor

__all__ = [
    "ADMINISTRATIVE_KINDS",
    "FIELD_KINDS",
    "FLOWS",
    "MAIL_IN_KINDS",
    "MERGE",
    "OPEN_STATUSES",
    "QUOTABLE_KINDS",
    "RETURN_KINDS",
    "UNIT_KINDS",
    "Actor",
    "Kind",
    "Status",
    "Transition",
    "allowed",
    "assign_moves_status",
    "can",
    "find",
    "transitions_for",
]


class Kind(models.TextChoices):
    INSTALLATION = "installation", _("安装")
    REPAIR = "repair", _("维修")
    MAINTENANCE = "maintenance", _("保养")
    RETURN = "return", _("退货")
    EXCHANGE = "exchange", _("换货")
    REFUND = "refund", _("退款")
    EXTENDED_WARRANTY = "extended_warranty", _("延保")
    COMPLAINT = "complaint", _("投诉")
    CONSULTATION = "consultation", _("咨询")


class Status(models.TextChoices):
    NEW = "new", _("新建")
    ACCEPTED = "accepted", _("已受理")
    ASSIGNED = "assigned", _("已派单")
    SCHEDULED = "scheduled", _("已预约")
    IN_PROGRESS = "in_progress", _("处理中")
    AWAITING_PARTS = "awaiting_parts", _("等待备件")
    AWAITING_CUSTOMER = "awaiting_customer", _("等待客户")
    RESOLVED = "resolved", _("待验收")
    REOPENED = "reopened", _("返修")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


# The groups of kinds other apps ask about, defined once.
# Field jobs: a technician works on a unit (visits, skills, the on-site arrival clock).
FIELD_KINDS = frozenset({Kind.INSTALLATION, Kind.REPAIR, Kind.MAINTENANCE})
# Returns, exchanges and refunds: the RMA workflow and the return-processing clock.
RETURN_KINDS = frozenset({Kind.RETURN, Kind.EXCHANGE, Kind.REFUND})
# The short administrative path: returns plus extended-warranty sales.
ADMINISTRATIVE_KINDS = RETURN_KINDS | {Kind.EXTENDED_WARRANTY}
# A unit can travel to the repair centre (寄修) for these.
MAIL_IN_KINDS = frozenset({Kind.REPAIR, Kind.MAINTENANCE})
# Paid work a customer may be quoted for.
QUOTABLE_KINDS = FIELD_KINDS
# Kinds that are about one unit, so a request of them names it.
UNIT_KINDS = FIELD_KINDS | ADMINISTRATIVE_KINDS

Transition = workflow.Transition[Status]

OPEN_STATUSES = frozenset(Status) - {Status.CLOSED, Status.CANCELLED}


def _t(
    name: str, sources: set[Status], target: Status, actors: set[Actor], needs_reason: bool = False
) -> Transition:
    return workflow.transition(name, sources, target, actors, needs_reason)


S, A = Status, Actor
STAFF = {A.STAFF, A.SYSTEM}
EARLY = {S.NEW, S.ACCEPTED, S.ASSIGNED, S.SCHEDULED}
WORKING = {
    S.ACCEPTED,
    S.ASSIGNED,
    S.SCHEDULED,
    S.IN_PROGRESS,
    S.AWAITING_PARTS,
    S.AWAITING_CUSTOMER,
    S.REOPENED,
}

# Every flow ends the same way: the customer accepts the finished work (closed) or rejects it
# with a reason (reopened, 返修); staff may also close a resolved request.
ACCEPTANCE = (
    _t("customer_accept", {S.RESOLVED}, S.CLOSED, {A.CUSTOMER, A.STAFF}),
    _t("customer_reject", {S.RESOLVED}, S.REOPENED, {A.CUSTOMER, A.STAFF}, needs_reason=True),
    _t("close", {S.RESOLVED}, S.CLOSED, STAFF),
)

# Field jobs: installation, repair, maintenance (on site, mail-in or carry-in).
FIELD = (
    _t("accept", {S.NEW}, S.ACCEPTED, STAFF),
    _t("assign", {S.ACCEPTED, S.REOPENED, S.ASSIGNED, S.SCHEDULED}, S.ASSIGNED, STAFF),
    _t("schedule", {S.ASSIGNED, S.SCHEDULED}, S.SCHEDULED, STAFF),
    _t("start", {S.ASSIGNED, S.SCHEDULED, S.REOPENED}, S.IN_PROGRESS, STAFF),
    _t("wait_for_parts", {S.IN_PROGRESS}, S.AWAITING_PARTS, STAFF),
    _t("wait_for_customer", {S.ACCEPTED, S.ASSIGNED, S.SCHEDULED, S.IN_PROGRESS}, S.AWAITING_CUSTOMER, STAFF),
    _t("resume", {S.AWAITING_PARTS, S.AWAITING_CUSTOMER}, S.IN_PROGRESS, STAFF),
    _t("resolve", {S.IN_PROGRESS, S.REOPENED}, S.RESOLVED, STAFF),
    *ACCEPTANCE,
    _t("cancel", EARLY, S.CANCELLED, {A.STAFF, A.CUSTOMER, A.SYSTEM}, needs_reason=True),
)

# Consultations: answered and done.
CONSULTATION = (
    _t("accept", {S.NEW}, S.ACCEPTED, STAFF),
    _t("start", {S.NEW, S.ACCEPTED, S.REOPENED}, S.IN_PROGRESS, STAFF),
    _t("wait_for_customer", {S.ACCEPTED, S.IN_PROGRESS}, S.AWAITING_CUSTOMER, STAFF),
    _t("resume", {S.AWAITING_CUSTOMER}, S.IN_PROGRESS, STAFF),
    _t("resolve", {S.NEW, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED}, S.RESOLVED, STAFF),
    *ACCEPTANCE,
    _t("cancel", {S.NEW, S.ACCEPTED}, S.CANCELLED, {A.STAFF, A.CUSTOMER, A.SYSTEM}, needs_reason=True),
)

# Complaints: accepted, investigated, a solution proposed, the customer agrees or not.
COMPLAINT = (
    _t("accept", {S.NEW}, S.ACCEPTED, STAFF),
    _t("assign", {S.ACCEPTED, S.REOPENED, S.ASSIGNED}, S.ASSIGNED, STAFF),
    _t("start", {S.ACCEPTED, S.ASSIGNED, S.REOPENED}, S.IN_PROGRESS, STAFF),
    _t("wait_for_customer", {S.IN_PROGRESS}, S.AWAITING_CUSTOMER, STAFF),
    _t("resume", {S.AWAITING_CUSTOMER}, S.IN_PROGRESS, STAFF),
    _t("resolve", {S.IN_PROGRESS}, S.RESOLVED, STAFF),
    *ACCEPTANCE,
    _t("cancel", {S.NEW, S.ACCEPTED}, S.CANCELLED, {A.STAFF, A.CUSTOMER, A.SYSTEM}, needs_reason=True),
)

# Returns, exchanges, refunds, extended-warranty sales: a short path the RMA workflow extends.
ADMINISTRATIVE = (
    _t("accept", {S.NEW}, S.ACCEPTED, STAFF),
    _t("assign", {S.ACCEPTED, S.ASSIGNED}, S.ASSIGNED, STAFF),
    _t("start", {S.ACCEPTED, S.ASSIGNED, S.REOPENED}, S.IN_PROGRESS, STAFF),
    _t("wait_for_customer", {S.ACCEPTED, S.IN_PROGRESS}, S.AWAITING_CUSTOMER, STAFF),
    _t("resume", {S.AWAITING_CUSTOMER}, S.IN_PROGRESS, STAFF),
    _t("resolve", {S.IN_PROGRESS}, S.RESOLVED, STAFF),
    *ACCEPTANCE,
    _t(
        "cancel",
        {S.NEW, S.ACCEPTED, S.ASSIGNED},
        S.CANCELLED,
        {A.STAFF, A.CUSTOMER, A.SYSTEM},
        needs_reason=True,
    ),
)

FLOWS: dict[str, tuple[Transition, ...]] = {
    **dict.fromkeys(sorted(FIELD_KINDS), FIELD),
    Kind.CONSULTATION: CONSULTATION,
    Kind.COMPLAINT: COMPLAINT,
    **dict.fromkeys(sorted(ADMINISTRATIVE_KINDS), ADMINISTRATIVE),
}

# Folding a request into another (a duplicate) closes it from wherever it is, whatever its kind.
# It is not one of a kind's own steps (no button offers it, and it does not count as a way
# forward from a status), so it stands apart from ``FLOWS``; ``request_merge`` takes it.
MERGE = _t("merge", set(OPEN_STATUSES), S.CLOSED, STAFF)


# Ownership and field work are separate: giving a request to someone moves its status forward only
# from where nobody had taken it on yet (accepted, or reopened for rework). A request that is
# already assigned, scheduled or under way keeps its status when its owner changes; its visit
# still belongs to the technician, and only the visit's own steps (cancel, reschedule) move it.
ASSIGN_ADVANCES_FROM = frozenset({S.ACCEPTED, S.REOPENED})


def assign_moves_status(kind: str, status: str) -> bool:
    """Whether a change of owner takes the ``assign`` transition from ``status``."""
    transition = find(kind, "assign")
    return (
        transition is not None
        and Status(status) in transition.sources
        and Status(status) in ASSIGN_ADVANCES_FROM
    )


def transitions_for(kind: str) -> tuple[Transition, ...]:
    try:
        return FLOWS[kind]
    except KeyError:
        raise ValueError(f"unknown request kind {kind!r}") from None


def allowed(kind: str, status: str, actor: Actor) -> list[Transition]:
    """Transitions ``actor`` may take now, in table order."""
    return workflow.allowed(transitions_for(kind), status, actor)


def find(kind: str, name: str) -> Transition | None:
    return workflow.find(transitions_for(kind), name)


def can(kind: str, name: str, status: str, actor: Actor) -> bool:
    """Whether ``actor`` may take transition ``name`` from ``status`` in this kind's table."""
    transition = find(kind, name)
    return transition is not None and transition.leaves(status) and actor in transition.actors
