"""The service-request lifecycle as data: statuses, and the transitions each kind allows.

Pure Python (no database), so the table can be read, tested and shown to users on its own.
A transition names the statuses it leaves from, the status it leads to, who may take it and
whether a reason is required. Returns, exchanges and refunds have their own path, which the
entitlement workflow extends.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    AWAITING_PARTS = "awaiting_parts"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Actor(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


OPEN_STATUSES = frozenset(Status) - {Status.CLOSED, Status.CANCELLED}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]
    needs_reason: bool = False


def _t(name: str, sources: set[Status], target: Status, actors: set[Actor], needs_reason: bool = False) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(actors), needs_reason)


S, A = Status, Actor
STAFF = {A.STAFF, A.SYSTEM}
EARLY = {S.NEW, S.ACCEPTED, S.ASSIGNED, S.SCHEDULED}
WORKING = {S.ACCEPTED, S.ASSIGNED, S.SCHEDULED, S.IN_PROGRESS, S.AWAITING_PARTS, S.AWAITING_CUSTOMER, S.REOPENED}

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
    _t("cancel", {S.NEW, S.ACCEPTED, S.ASSIGNED}, S.CANCELLED, {A.STAFF, A.CUSTOMER, A.SYSTEM}, needs_reason=True),
)

FLOWS: dict[str, tuple[Transition, ...]] = {
    "installation": FIELD,
    "repair": FIELD,
    "maintenance": FIELD,
    "consultation": CONSULTATION,
    "complaint": COMPLAINT,
    "return": ADMINISTRATIVE,
    "exchange": ADMINISTRATIVE,
    "refund": ADMINISTRATIVE,
    "extended_warranty": ADMINISTRATIVE,
}


# Ownership and field work are separate: giving a request to someone moves its status forward only
# from where nobody had taken it on yet (accepted, or reopened for rework). A request that is
# already assigned, scheduled or under way keeps its status when its owner changes; its visit
# still belongs to the technician, and only the visit's own steps (cancel, reschedule) move it.
ASSIGN_ADVANCES_FROM = frozenset({S.ACCEPTED, S.REOPENED})


def assign_moves_status(kind: str, status: str) -> bool:
    """Whether a change of owner takes the ``assign`` transition from ``status``."""
    transition = find(kind, "assign")
    return transition is not None and Status(status) in transition.sources and Status(status) in ASSIGN_ADVANCES_FROM


def transitions_for(kind: str) -> tuple[Transition, ...]:
    try:
        return FLOWS[kind]
    except KeyError:
        raise ValueError(f"unknown request kind {kind!r}") from None


def allowed(kind: str, status: str, actor: Actor) -> list[Transition]:
    """Transitions ``actor`` may take now, in table order."""
    return [t for t in transitions_for(kind) if Status(status) in t.sources and actor in t.actors]


def find(kind: str, name: str) -> Transition | None:
    return next((t for t in transitions_for(kind) if t.name == name), None)
