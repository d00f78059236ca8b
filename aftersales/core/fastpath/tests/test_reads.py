"""Hand-written reads give the same instances the ORM does."""

from __future__ import annotations

import pickle

import pytest
from django.db import connection

from aftersales.core import crypto, fields
from aftersales.core.fastpath import reads
from aftersales.core.fields import Ciphertext
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.service.models import ServiceRequest
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


def test_values_go_through_the_orm_converters(org_a):
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


def test_a_left_join_that_found_nothing_is_none(org_a):
    stored = CustomerFactory(organization=org_a)
    customer, address, _extra = _joined(stored.pk)
    assert customer is not None and customer.pk == stored.pk
    assert address is None


def _column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test constants
        return str(cursor.fetchone()[0])


def test_encrypted_values_are_decrypted_only_when_read(org_a, monkeypatch):
    saved = CustomerFactory(organization=org_a, phone="13912345678")
    AddressFactory(customer=saved, province="浙江省", city="杭州市", district="西湖区", detail="文三路1号")
    decrypted: list[str] = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: decrypted.append(token) or real(token))
    customer, address, _extra = _joined(saved.pk)
    assert customer is not None and address is not None
    assert decrypted == []  # nothing yet
    token = _column("customers_customeraddress", "detail", address.pk)
    held = fields.stored(address, "detail")
    assert type(held) is Ciphertext and held.token == token and "文三路" not in repr(held)
    assert address.masked == "浙江省杭州市西湖区****" and decrypted == []  # whether there is one is enough
    # Copied to another encrypted column, it is written as the same ciphertext, still unread.
    request = ServiceRequest.objects.create(
        organization=org_a,
        customer=customer,
        kind="repair",
        channel="web",
        number="SR-T-1",
        description="d",
        address_region=address.region,
        address_detail=held,
        created_at=saved.created_at,
    )
    assert decrypted == []
    assert _column("service_servicerequest", "address_detail", request.pk) == token
    assert request.masked_address == "浙江省杭州市西湖区****" and decrypted == []
    # Read, it is the plain value, decrypted once and kept.
    assert address.detail == "文三路1号" and address.detail == "文三路1号" and decrypted == [token]
    assert type(fields.stored(address, "detail")) is crypto.Sealed
    assert customer.phone == "13912345678" and len(decrypted) == 2
    assert ServiceRequest.objects.get(pk=request.pk).address_detail == "文三路1号"
    # A pickled copy (a cache) still decrypts on first read; assigning a value replaces it.
    _c, again, _e = _joined(saved.pk)
    assert again is not None
    copy = pickle.loads(pickle.dumps(again))  # noqa: S301 - our own bytes
    assert type(fields.stored(copy, "detail")) is Ciphertext and copy.detail == "文三路1号"
    again.detail = "文二路2号"
    assert again.detail == "文二路2号" and fields.stored(again, "detail") == "文二路2号"
    again.save()
    assert CustomerAddress.objects.get(pk=again.pk).detail == "文二路2号"
