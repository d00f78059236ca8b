"""The rows of the customer and unit exports, in the same columns the importer reads; written
as CSV or XLSX by ``aftersales.core.exports``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from aftersales.core import masking
from aftersales.customers.models import Customer, Unit

UNIT_COLUMNS = [
    "order_number",
    "customer_name",
    "phone",
    "email",
    "model_number",
    "serial_number",
    "purchase_date",
    "delivery_date",
    "invoice_number",
    "invoice_amount",
    "sales_channel",
    "store",
]
CUSTOMER_COLUMNS = ["id", "customer_name", "phone", "email", "tier", "units", "created_at"]


def unit_rows(qs: QuerySet[Unit], *, reveal: bool) -> Iterator[list[Any]]:
    qs = qs.select_related("product_model", "customer").order_by("id")
    for u in qs.iterator(chunk_size=2000):
        c = u.customer
        phone = (c.phone if reveal else masking.mask_phone(c.phone)) if c else ""
        yield [
            u.order_number,
            c.name if c else "",
            phone,
            c.email if c else "",
            u.product_model.model_number,
            u.serial_number,
            u.purchase_date.isoformat(),
            u.delivery_date.isoformat() if u.delivery_date else "",
            u.invoice_number,
            str(u.invoice_amount),
            u.sales_channel,
            u.store,
        ]


def customer_rows(qs: QuerySet[Customer], *, reveal: bool) -> Iterator[list[Any]]:
    for c in qs.order_by("id").iterator(chunk_size=2000):
        yield [
            c.pk,
            c.name,
            c.phone if reveal else masking.mask_phone(c.phone),
            c.email,
            c.tier,
            getattr(c, "unit_count", ""),
            c.created_at.isoformat(),
        ]
