"""Reads of customers and units, always narrowed to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from aftersales.accounts.access import get_or_404, scope
from aftersales.core.crypto import phone_hash
from aftersales.customers.models import Customer, CustomerAddress, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

    AnyUser = User | AnonymousUser


def _looks_like_phone(text: str) -> bool:
    digits = "".join(ch for ch in text if ch.isdigit())
    return len(digits) >= 7 and len(digits) >= len(text.replace(" ", "").replace("-", "").replace("+", "")) - 1


def customers_for_user(user: AnyUser) -> QuerySet[Customer]:
    return scope(Customer.objects.all(), user, customer_field="user")


def customer_search(*, user: AnyUser, q: str = "", tier: str = "") -> QuerySet[Customer]:
    """Search by name, exact phone (through its keyed hash), email, serial or invoice number."""
    qs = customers_for_user(user).select_related("organization").annotate(unit_count=Count("units"))
    q = q.strip()
    if q:
        cond = Q(name__icontains=q) | Q(email__iexact=q)
        if _looks_like_phone(q):
            cond |= Q(phone_hash=phone_hash(q))
        unit_match = Unit.objects.filter(Q(serial_number__iexact=q) | Q(invoice_number__iexact=q))
        cond |= Q(pk__in=unit_match.values("customer_id"))
        qs = qs.filter(cond)
    if tier:
        qs = qs.filter(tier=tier)
    return qs.order_by("-created_at", "-id")


def customer_for_user(*, user: AnyUser, pk: int) -> Customer:
    qs = customers_for_user(user).select_related("organization", "user").prefetch_related(
        Prefetch("addresses", queryset=CustomerAddress.objects.order_by("-is_default", "id")),
        Prefetch(
            "units",
            queryset=Unit.objects.select_related("product_model", "product_model__category").order_by(
                "-purchase_date"
            ),
        ),
    )
    return get_or_404(qs, pk=pk)


def units_for_user(user: AnyUser) -> QuerySet[Unit]:
    return scope(Unit.objects.all(), user, customer_field="customer__user")


def unit_search(
    *, user: AnyUser, q: str = "", serial: str = "", channel: str = "", model_id: int | None = None
) -> QuerySet[Unit]:
    qs = units_for_user(user).select_related("product_model", "product_model__category", "customer", "organization")
    q = q.strip()
    if q:
        cond = (
            Q(serial_number__iexact=q)
            | Q(invoice_number__iexact=q)
            | Q(order_number__iexact=q)
            | Q(product_model__model_number__icontains=q)
            | Q(customer__name__icontains=q)
        )
        if _looks_like_phone(q):
            cond |= Q(customer__phone_hash=phone_hash(q))
        qs = qs.filter(cond)
    if serial:
        qs = qs.filter(serial_number=serial)
    if channel:
        qs = qs.filter(sales_channel=channel)
    if model_id:
        qs = qs.filter(product_model_id=model_id)
    return qs.order_by("-purchase_date", "-id")


def unit_for_user(*, user: AnyUser, pk: int) -> Unit:
    qs = units_for_user(user).select_related("product_model", "product_model__category", "customer", "organization")
    return get_or_404(qs, pk=pk)
