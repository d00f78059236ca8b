"""Hand-written reads give the same instances the ORM does."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.core import reads
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.testing.factories import AddressFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _joined(customer_id: int) -> tuple[Customer | None, CustomerAddress | None, list[object]]:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {reads.columns(Customer, 'c')}, {reads.columns(CustomerAddress, 'a')}, 42 "  # noqa: S608
            f"FROM {q(Customer._meta.db_table)} c LEFT OUTER JOIN {q(CustomerAddress._meta.db_table)} a "
            "ON a.customer_id = c.id WHERE c.id = %s",
            [customer_id],
        )
        (customer, address), extra = reads.split(cursor.fetchone(), Customer, CustomerAddress)
    assert customer is None or isinstance(customer, Customer)
    assert address is None or isinstance(address, CustomerAddress)
    return customer, address, extra


def test_values_go_through_the_orm_converters(org_a):  # type: ignore[no-untyped-def]
    stored = CustomerFactory(organization=org_a, phone="13912345678")
    address = AddressFactory(customer=stored, detail="解放路1号")
    customer, joined, extra = _joined(stored.pk)
    by_orm = Customer.objects.get(pk=stored.pk)
    assert customer is not None and joined is not None
    # decrypted personal data, dates as dates: field for field what the ORM reads
    for f in Customer._meta.concrete_fields:
        assert getattr(customer, f.attname) == getattr(by_orm, f.attname), f.name
    assert customer.phone == "13912345678" and joined.detail == "解放路1号" and joined.pk == address.pk
    assert not customer._state.adding and extra == [42]


def test_a_left_join_that_found_nothing_is_none(org_a):  # type: ignore[no-untyped-def]
    stored = CustomerFactory(organization=org_a)
    customer, address, _extra = _joined(stored.pk)
    assert customer is not None and customer.pk == stored.pk
    assert address is None
