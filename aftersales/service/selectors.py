"""Reads of service requests, narrowed to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet

from aftersales.accounts.access import get_or_404, scope
from aftersales.accounts.models import Role
from aftersales.accounts.roles import can
from aftersales.catalog.models import ProductModel
from aftersales.core.fastpath import reads, rows
from aftersales.core.fastpath.rows import next_id_sql
from aftersales.customers import lookup
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.customers.selectors import customers_for_user, units_for_user
from aftersales.service import lifecycle
from aftersales.service.access import step_cap
from aftersales.service.events import actor_of
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
    """The console's and the API's list, with the customer, unit and assignee every row shows
    joined: one query for the page, whatever its size (the tests pin it). Callers join what else
    they show."""
    qs = requests_for_user(user).select_related("customer", "unit", "assignee")
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
    term = lookup.parse(f.q)
    if term:
        qs = qs.filter(request_match(user=user, term=term))
    return qs.order_by("-created_at", "-id")


def request_match(*, user: AnyUser, term: lookup.Term) -> Q:
    """The requests ``term`` finds (``customers.lookup``): by number, by the serial, invoice or
    order number of the unit, by the customer's phone (full, last four, masked) or name, and
    for free text by words of the subject or description.

    Units and a phone's customers are first turned into ids (each through its own index) and
    the requests taken by those ids: an ``OR`` of literal lists the database answers from the
    request's number, customer and unit indexes, where a join for each condition would make it
    read every request of the organization. Free text reads them anyway (``icontains``).
    """
    units = units_for_user(user).filter(lookup.unit_q(term)).values_list("pk", flat=True)
    cond = Q(number__in=term.codes + term.numbers) | Q(unit_id__in=list(units[: lookup.PHONE_MATCHES]))
    cond |= lookup.customer_q(term, customers_for_user(user), "customer")
    if term.free_text:
        cond |= Q(subject__icontains=term.text) | Q(description__icontains=term.text)
    return cond


def timeline_for_user(*, user: AnyUser, request: ServiceRequest) -> QuerySet[RequestEvent]:
    qs = request.events.select_related("actor").order_by("created_at", "id")
    if getattr(user, "role", None) == "customer":
        qs = qs.filter(public=True)
    return qs


def messages_for_user(*, user: AnyUser, request: ServiceRequest) -> QuerySet:
    qs = (
        request.messages.select_related("author").prefetch_related("attachments").order_by("created_at", "id")
    )
    if getattr(user, "role", None) == "customer":
        qs = qs.filter(internal=False)
    return qs


def attachments_for_user(*, user: AnyUser, request: ServiceRequest) -> QuerySet[Attachment]:
    qs = request.attachments.order_by("created_at", "id")
    if getattr(user, "role", None) == "customer":
        qs = qs.filter(public=True)
    return qs


def allowed_transitions(*, user: AnyUser, request: ServiceRequest) -> list[lifecycle.Transition]:
    """The steps ``user`` may take on ``request`` now: the lifecycle's, and for staff only those
    their role holds the capability of (``access.STEP_CAPS``), so no button leads to a refusal."""
    if not user.is_authenticated:
        return []
    steps = lifecycle.allowed(request.kind, request.status, actor_of(user))
    if user.role == Role.CUSTOMER:
        return steps
    return [t for t in steps if can(user, step_cap(t.name))]


# --- intake reads (every API create runs one of these; SQL written once, see core.fastpath.reads) ------------


@lru_cache(maxsize=4)
def _intake_sql(by_unit: bool, with_address: bool) -> str:
    q = connection.ops.quote_name
    unit_t, customer_t, model_t, address_t, request_t = (
        q(m._meta.db_table) for m in (Unit, Customer, ProductModel, CustomerAddress, ServiceRequest)
    )
    select = [reads.columns(Customer, "c")]
    joins = ""
    if by_unit:
        select = [reads.columns(Unit, "u"), *select, reads.columns(ProductModel, "pm")]
        joins += f" INNER JOIN {customer_t} c ON c.id = u.customer_id INNER JOIN {model_t} pm ON pm.id = u.product_model_id"
    if with_address:
        # The customer's default address, else their first: ``order_by("-is_default", "id").first()``.
        select.append(reads.columns(CustomerAddress, "a"))
        joins += (
            f" LEFT OUTER JOIN {address_t} a ON a.id = (SELECT a2.id FROM {address_t} a2 "  # noqa: S608
            "WHERE a2.customer_id = c.id ORDER BY a2.is_default DESC, a2.id LIMIT 1)"
        )
    if by_unit:
        # Whether the unit has an open request, for request_create's duplicate check.
        select.append(
            f"EXISTS(SELECT 1 FROM {request_t} r WHERE r.unit_id = u.id AND r.status NOT IN (%s, %s))"  # noqa: S608
        )
    # The new request's id, on PostgreSQL: taken here rather than in a statement of its own.
    # An id taken by a create that then fails is a gap in the numbers, as a rolled-back insert's is.
    next_id = next_id_sql(ServiceRequest)
    if next_id:
        select.append(next_id)
    if by_unit:
        return (
            f"SELECT {', '.join(select)} FROM {unit_t} u{joins} "  # noqa: S608
            "WHERE u.organization_id = %s AND u.serial_number = %s AND u.customer_id = %s "
            "AND c.organization_id = u.organization_id LIMIT 1"
        )
    return f"SELECT {', '.join(select)} FROM {customer_t} c{joins} WHERE c.organization_id = %s AND c.id = %s"  # noqa: S608


def _with_customer(address: object, customer: Customer) -> CustomerAddress | None:
    """The joined default address (None when the customer has none), pointing at ``customer``."""
    if not isinstance(address, CustomerAddress):
        return None
    rows.relate(address, "customer", customer)
    return address


class Intake(NamedTuple):
    unit: Unit | None
    customer: Customer
    address: CustomerAddress | None
    next_id: int | None  # the new request's id, for ``request_create(reserved_id=…)``; None off PostgreSQL


def intake_unit(*, organization_id: int, serial: str, customer_id: int, with_address: bool) -> Intake | None:
    """A staff create's unit by serial and customer within the organization, with its customer,
    product model and ``has_open_request`` loaded, the customer's default address if asked and
    the new request's id: one query. None when the customer has no such unit."""
    models = (
        (Unit, Customer, ProductModel, CustomerAddress) if with_address else (Unit, Customer, ProductModel)
    )
    found = reads.one(
        _intake_sql(True, with_address),
        [Status.CLOSED, Status.CANCELLED, organization_id, serial, customer_id],
        *models,
    )
    if found is None:
        return None
    (unit, customer, product_model, *address), (has_open, *next_id) = found
    assert (
        isinstance(unit, Unit) and isinstance(customer, Customer) and isinstance(product_model, ProductModel)
    )
    rows.relate(unit, "customer", customer)
    rows.relate(unit, "product_model", product_model)
    unit.has_open_request = bool(has_open)  # type: ignore[attr-defined]
    return Intake(
        unit,
        customer,
        _with_customer(address[0] if address else None, customer),
        next_id[0] if next_id else None,
    )


def intake_customer(*, organization_id: int, customer_id: int, with_address: bool) -> Intake | None:
    """A staff create's customer within the organization, their default address if asked and the
    new request's id: one query. None when the organization has no such customer."""
    models = (Customer, CustomerAddress) if with_address else (Customer,)
    found = reads.one(_intake_sql(False, with_address), [organization_id, customer_id], *models)
    if found is None:
        return None
    (customer, *address), next_id = found
    assert isinstance(customer, Customer)
    return Intake(
        None,
        customer,
        _with_customer(address[0] if address else None, customer),
        next_id[0] if next_id else None,
    )
