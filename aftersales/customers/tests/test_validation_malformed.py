"""Malformed requests to the customer and unit pages and endpoints get a 4xx problem+json, never a 500."""

from __future__ import annotations

import json

import pytest

from aftersales.customers.models import Customer
from aftersales.customers.tests.support import PROBLEM, post_json
from aftersales.testing.factories import CustomerFactory, UnitFactory

# --- malformed requests: 4xx problem+json, never 500 -------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "{bad json",
        "",
        "null",
        "[1, 2]",
        '"a string"',
        "123",
        '{"name": "x", "phone": "13800000000"',
        "\xff\xfe",
    ],
)
def test_api_malformed_bodies_are_422_problems(client_for, alice, raw):
    response = client_for(alice).post("/api/v1/customers", raw, content_type="application/json")

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": "韩\u0000梅梅", "phone": "13800000000"},
        {"name": "韩梅梅", "phone": "13800000000", "email": "a\u0000@example.com"},
        {"name": "韩梅梅", "phone": "13800000000", "notes": ["\u0000"]},
    ],
)
def test_api_text_with_nul_characters_is_a_422_problem(client_for, alice, body):
    # PostgreSQL cannot store NUL in text; the API must say so instead of failing on insert
    response = post_json(client_for(alice), "/api/v1/customers", body)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/customers?limit=abc"),
        ("get", "/api/v1/customers?offset=-1"),
        ("get", "/api/v1/customers?tier=diamond"),
        ("get", "/api/v1/units?customer_id=abc"),
        ("get", "/api/v1/units?channel=tv"),
        ("get", "/api/v1/units?product_model_id=1.5"),
        ("patch", "/api/v1/customers/{c}"),
        ("patch", "/api/v1/units/SN-M"),
        ("post", "/api/v1/units"),
        ("post", "/api/v1/customers/{c}/reveal"),
    ],
)
def test_api_wrong_types_are_422_problems(client_for, alice, method, url):
    unit = UnitFactory(organization=alice.organization, serial_number="SN-M")
    bad_body = {
        "name": 1,
        "tier": 2,
        "delivery_date": "soon",
        "purchase_date": [],
        "invoice_amount": "lots",
        "serial_number": {},
        "product_model_id": "x",
        "field": 3,
        "reason": {"a": 1},
    }
    client = client_for(alice)

    url = url.format(c=unit.customer_id)
    if method == "get":
        response = client.get(url)
    else:
        response = getattr(client, method)(url, json.dumps(bad_body), content_type="application/json")

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/99999999999999999999999",
        "/api/v1/customers/abc",
        "/api/v1/units/%00",
        "/api/v1/units/SN%00",
        "/api/v1/units/SN?model=%00",
        "/api/v1/units/" + "S" * 500,
        "/api/v1/customers?q=%00",
        "/api/v1/units?q=%00&serial=%00",
    ],
)
def test_api_odd_paths_and_queries_never_500(client_for, alice, url):
    CustomerFactory(organization=alice.organization)

    response = client_for(alice).get(url)

    assert response.status_code < 500, response.content
    assert response["Content-Type"] in (PROBLEM, "application/json; charset=utf-8")


@pytest.mark.parametrize(
    "url",
    [
        "/console/customers/99999999999999999999999/",
        "/console/units/99999999999999999999999/",
        "/console/customers/?q=%00",
        "/console/customers/?q=138%0012341234",
        "/console/units/?q=%00",
        "/console/export/customers.csv?q=%00",
        "/console/customers/?page=abc",
        "/console/customers/?page=99999",
        "/console/export/things.csv",
        "/console/export/customers.pdf",
    ],
)
def test_console_odd_urls_never_500(client_for, olga, url):
    CustomerFactory(organization=olga.organization)

    response = client_for(olga).get(url)

    assert response.status_code < 500
