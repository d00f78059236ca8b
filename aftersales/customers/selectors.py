"""Reads of customers and units, always narrowed to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from aftersales.accounts.access import get_or_404, scope
from aftersales.customers import lookup
from aftersales.customers.models import Customer, CustomerAddress, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

    AnyUser = User | AnonymousUser


def customers_for_user(user: AnyUser) -> QuerySet[Customer]:
    return scope(Customer.objects.all(), user, customer_field="user")


def customer_match(*, user: AnyUser, term: lookup.Term) -> Q:
    """The customers ``term`` finds (``lookup``): by name, e-mail, phone (full, last four or
    masked) or the serial, invoice or order number of one of their units."""
    visible = customers_for_user(user)
    units = units_for_user(user).filter(lookup.unit_q(term)).values_list("customer_id", flat=True)
    if term.is_phone:
        # Literal ids, read by key (see ``lookup.customer_q``); a number's own units are few.
        return lookup.customer_q(term, visible) | Q(pk__in=list(units[: lookup.PHONE_MATCHES]))
    return lookup.customer_q(term, visible) | Q(pk__in=units)


def customer_search(*, user: AnyUser, q: str = "", tier: str = "") -> QuerySet[Customer]:
    """Search by name, phone (full, last four or masked, through keyed hashes), email, serial,
    invoice or order number: the reading of ``lookup.parse``."""
    qs = customers_for_user(user).select_related("organization").annotate(unit_count=Count("units"))
    term = lookup.parse(q)
    if term:
        qs = qs.filter(customer_match(user=user, term=term))
    if tier:
        qs = qs.filter(tier=tier)
    return qs.order_by("-created_at", "-id")


def customer_for_user(*, user: AnyUser, pk: int) -> Customer:
    qs = (
        customers_for_user(user)
        .select_related("organization", "user")
        .prefetch_related(
            Prefetch("addresses", queryset=CustomerAddress.objects.order_by("-is_default", "id")),
            Prefetch(
                "units",
                queryset=Unit.objects.select_related("product_model", "product_model__category").order_by(
                    "-purchase_date"
                ),
            ),
        )
    )
    return get_or_404(qs, pk=pk)


def units_for_user(user: AnyUser) -> QuerySet[Unit]:
    return scope(Unit.objects.all(), user, customer_field="customer__user")


def unit_match(*, user: AnyUser, term: lookup.Term) -> Q:
    """The units ``term`` finds: by serial, invoice or order number (exact, in any case), by
    their customer (``customer_match``'s reading of names and phones) or, for free text, by
    model number."""
    cond = lookup.unit_q(term) | lookup.customer_q(term, customers_for_user(user), "customer")
    if term.free_text:
        cond |= Q(product_model__model_number__icontains=term.text)
    return cond


def unit_search(
    *, user: AnyUser, q: str = "", serial: str = "", channel: str = "", model_id: int | None = None
) -> QuerySet[Unit]:
    qs = units_for_user(user).select_related(
        "product_model", "product_model__category", "customer", "organization"
    )
    term = lookup.parse(q)
    if term:
        qs = qs.filter(unit_match(user=user, term=term))
    if serial:
        qs = qs.filter(serial_number=serial)
    if channel:
        qs = qs.filter(sales_channel=channel)
    if model_id:
        qs = qs.filter(product_model_id=model_id)
    return qs.order_by("-purchase_date", "-id")


def unit_for_user(*, user: AnyUser, pk: int) -> Unit:
    qs = units_for_user(user).select_related(
        "product_model", "product_model__category", "customer", "organization"
    )
    return get_or_404(qs, pk=pk)
