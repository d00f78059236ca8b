"""Reads of service requests, narrowed to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from aftersales.accounts.access import get_or_404, scope
from aftersales.core.crypto import phone_hash
from aftersales.service import lifecycle
from aftersales.service.models import Attachment, RequestEvent, ServiceRequest, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

    AnyUser = User | AnonymousUser


def requests_for_user(user: AnyUser) -> QuerySet[ServiceRequest]:
    return scope(ServiceRequest.objects.all(), user, customer_field="customer__user")


def request_for_user(*, user: AnyUser, number: str) -> ServiceRequest:
    qs = requests_for_user(user).select_related(
        "organization", "customer", "unit", "unit__product_model", "assignee", "linked_to", "merged_into"
    )
    return get_or_404(qs, number=number)


@dataclass(frozen=True)
class QueueFilter:
    queue: str = ""  # mine | unassigned | open | all
    status: str = ""
    kind: str = ""
    priority: str = ""
    channel: str = ""
    q: str = ""


def request_queue(*, user: AnyUser, f: QueueFilter) -> QuerySet[ServiceRequest]:
    """The console's list: one query for the page, whatever its size (the tests pin it)."""
    qs = requests_for_user(user).select_related("customer", "unit", "unit__product_model", "assignee", "organization")
    if f.queue == "mine":
        qs = qs.filter(assignee_id=getattr(user, "pk", None))
    elif f.queue == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if f.queue in ("mine", "unassigned", "open") and not f.status:
        qs = qs.exclude(status__in=[Status.CLOSED, Status.CANCELLED])
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    q = f.q.strip()
    if q:
        cond = Q(number__iexact=q) | Q(subject__icontains=q) | Q(description__icontains=q) | Q(unit__serial_number__iexact=q)
        digits = "".join(ch for ch in q if ch.isdigit())
        if len(digits) >= 7 and not q.upper().startswith("SR-"):
            cond |= Q(customer__phone_hash=phone_hash(q))
        qs = qs.filter(cond)
    return qs.order_by("-created_at", "-id")


def timeline_for_user(*, user: AnyUser, request: ServiceRequest) -> QuerySet[RequestEvent]:
    qs = request.events.select_related("actor").order_by("created_at", "id")
    if getattr(user, "role", None) == "customer":
        qs = qs.filter(public=True)
    return qs


def messages_for_user(*, user: AnyUser, request: ServiceRequest) -> QuerySet:  # type: ignore[type-arg]
    qs = request.messages.select_related("author").prefetch_related("attachments").order_by("created_at", "id")
    if getattr(user, "role", None) == "customer":
        qs = qs.filter(internal=False)
    return qs


def attachments_for_user(*, user: AnyUser, request: ServiceRequest) -> QuerySet[Attachment]:
    qs = request.attachments.order_by("created_at", "id")
    if getattr(user, "role", None) == "customer":
        qs = qs.filter(public=True)
    return qs


def allowed_transitions(*, user: AnyUser, request: ServiceRequest) -> list[lifecycle.Transition]:
    from aftersales.service.services import actor_of

    if not user.is_authenticated:
        return []
    return lifecycle.allowed(request.kind, request.status, actor_of(user))  # type: ignore[arg-type]
