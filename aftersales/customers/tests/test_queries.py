"""List pages make the same number of queries for 5 rows as for 30."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.testing.factories import AddressFactory, ProductModelFactory, UnitFactory

MAX_QUERIES = 6  # session, user, count, page (5 today); a query per row would show at once


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _sell(org, n: int) -> None:
    models = [ProductModelFactory(organization=org) for _ in range(3)]
    for i in range(n):
        unit = UnitFactory(organization=org, product_model=models[i % 3])
        AddressFactory(customer=unit.customer)


@pytest.mark.parametrize(
    "url",
    [
        "/console/customers/",
        "/console/customers/?q=客户",
        "/console/units/",
        "/console/units/?channel=online",
        "/api/v1/customers",
        "/api/v1/units",
        "/portal/",
    ],
)
def test_list_queries_do_not_grow_with_rows(client_for, alice, carol, url):
    user = carol if url == "/portal/" else alice
    client = client_for(user)
    _sell(alice.organization, 5)
    if user is carol:
        alice.organization.customer_set.update(user=carol)
    few = _queries(client, url)

    _sell(alice.organization, 25)
    if user is carol:
        alice.organization.customer_set.update(user=carol)
    many = _queries(client, url)

    assert many == few
    assert many <= MAX_QUERIES


def test_customer_detail_queries_do_not_grow_with_units(client_for, alice):
    client = client_for(alice)
    unit = UnitFactory(organization=alice.organization)
    customer = unit.customer
    few = _queries(client, f"/console/customers/{customer.pk}/")

    for _ in range(10):
        UnitFactory(organization=alice.organization, customer=customer)
        AddressFactory(customer=customer, is_default=False)
    many = _queries(client, f"/console/customers/{customer.pk}/")

    assert many == few


def test_htmx_row_partials_render_only_the_rows(client_for, alice):
    UnitFactory(organization=alice.organization, serial_number="SN-HX")
    client = client_for(alice)

    rows = client.get("/console/units/", HTTP_HX_REQUEST="true").content.decode()
    page = client.get("/console/units/").content.decode()

    assert "SN-HX" in rows and "SN-HX" in page
    assert "<html" not in rows and "<html" in page
