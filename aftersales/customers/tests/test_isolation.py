"""Staff see only their organization's customers and units; customers see only their own."""

from __future__ import annotations

import json

import pytest

from aftersales.core.models import RevealLog
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.testing.factories import AddressFactory, OrganizationFactory, ProductModelFactory, UnitFactory


@pytest.fixture
def bolt_unit(org_b):
    unit = UnitFactory(
        organization=org_b,
        serial_number="BOLT-0001",
        customer__name="乙方客户",
        customer__phone="13900001111",
    )
    AddressFactory(customer=unit.customer)
    return unit


def _snapshot(unit: Unit) -> tuple:
    c = Customer.objects.get(pk=unit.customer_id)
    u = Unit.objects.get(pk=unit.pk)
    return (
        c.name,
        c.phone,
        c.email,
        c.tier,
        c.notes,
        u.serial_number,
        u.purchase_date,
        u.delivery_date,
        u.invoice_number,
        u.customer_id,
        CustomerAddress.objects.filter(customer=c).count(),
    )


def _assert_problem_404(response):
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_console_lists_and_searches_only_own_organization(client_for, alice, bolt_unit):
    mine = UnitFactory(organization=alice.organization, customer__name="甲方客户")
    client = client_for(alice)

    customers = client.get("/console/customers/").content.decode()
    units = client.get("/console/units/").content.decode()
    by_serial = client.get("/console/customers/", {"q": "BOLT-0001"}).content.decode()
    by_phone = client.get("/console/units/", {"q": "13900001111"}).content.decode()

    assert mine.customer.name in customers and "乙方客户" not in customers
    assert mine.serial_number in units and "BOLT-0001" not in units
    assert "乙方客户" not in by_serial
    assert "BOLT-0001" not in by_phone


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/console/customers/{c}/", None),
        ("get", "/console/customers/{c}/edit/", None),
        ("post", "/console/customers/{c}/edit/", {"name": "改名", "phone": "", "email": "", "tier": "vip"}),
        ("post", "/console/customers/{c}/delete/", {}),
        ("post", "/console/customers/{c}/reveal/", {"field": "phone", "reason": "好奇"}),
        (
            "post",
            "/console/customers/{c}/addresses/",
            {"province": "浙江省", "city": "杭州市", "detail": "x"},
        ),
        ("get", "/console/customers/{c}/units/new/", None),
        ("get", "/console/units/{u}/", None),
        ("get", "/console/units/{u}/edit/", None),
        (
            "post",
            "/console/units/{u}/edit/",
            {"serial_number": "HIJACK", "purchase_date": "2024-01-01", "sales_channel": "online"},
        ),
    ],
)
def test_console_answers_404_for_another_organizations_records(
    client_for, olga, bolt_unit, method, path, data
):
    # olga is org A's admin: she may do all of this to her own records, so 404 is about reach
    before = _snapshot(bolt_unit)
    client = client_for(olga)
    url = path.format(c=bolt_unit.customer_id, u=bolt_unit.pk)

    response = getattr(client, method)(url, data) if data is not None else client.get(url)

    assert response.status_code == 404
    assert "乙方客户" not in response.content.decode()
    assert _snapshot(bolt_unit) == before
    assert RevealLog.objects.count() == 0


def test_api_lists_and_searches_only_own_organization(client_for, alice, bolt_unit):
    mine = UnitFactory(organization=alice.organization)
    client = client_for(alice)

    customers = client.get("/api/v1/customers").json()["items"]
    units = client.get("/api/v1/units").json()["items"]
    by_phone = client.get("/api/v1/customers", {"q": "13900001111"}).json()["items"]
    by_serial = client.get("/api/v1/units", {"serial": "BOLT-0001"}).json()["items"]
    by_customer = client.get("/api/v1/units", {"customer_id": bolt_unit.customer_id}).json()["items"]

    assert [c["id"] for c in customers] == [mine.customer_id]
    assert [u["serial_number"] for u in units] == [mine.serial_number]
    assert by_phone == [] and by_serial == [] and by_customer == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/customers/{c}", None),
        ("patch", "/api/v1/customers/{c}", {"name": "改名", "tier": "vip"}),
        ("delete", "/api/v1/customers/{c}", None),
        ("post", "/api/v1/customers/{c}/reveal", {"field": "phone", "reason": "好奇"}),
        ("get", "/api/v1/units/{s}", None),
        ("patch", "/api/v1/units/{s}", {"invoice_number": "HIJACK"}),
    ],
)
def test_api_answers_404_problem_for_another_organizations_records(
    client_for, olga, bolt_unit, method, path, body
):
    before = _snapshot(bolt_unit)
    client = client_for(olga)
    url = path.format(c=bolt_unit.customer_id, s=bolt_unit.serial_number)

    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(url, **kwargs)

    _assert_problem_404(response)
    assert "乙方客户" not in response.content.decode()
    assert _snapshot(bolt_unit) == before
    assert RevealLog.objects.count() == 0


def test_api_refuses_to_register_units_on_another_organizations_model_or_customer(
    client_for, alice, bolt_unit
):
    own_model = ProductModelFactory(organization=alice.organization)
    client = client_for(alice)
    base = {"serial_number": "NEW-1", "purchase_date": "2024-05-01"}

    foreign_model = client.post(
        "/api/v1/units",
        {**base, "product_model_id": bolt_unit.product_model_id},
        content_type="application/json",
    )
    foreign_customer = client.post(
        "/api/v1/units",
        {**base, "product_model_id": own_model.pk, "customer_id": bolt_unit.customer_id},
        content_type="application/json",
    )

    assert foreign_model.status_code == 422
    assert foreign_model.json()["errors"][0]["field"] == "product_model_id"
    assert foreign_customer.status_code == 422
    assert foreign_customer.json()["errors"][0]["field"] == "customer_id"
    assert not Unit.objects.filter(serial_number="NEW-1").exists()


def test_api_cannot_move_own_unit_to_another_organizations_customer(client_for, alice, bolt_unit):
    mine = UnitFactory(organization=alice.organization)
    client = client_for(alice)

    response = client.patch(
        f"/api/v1/units/{mine.serial_number}",
        {"customer_id": bolt_unit.customer_id},
        content_type="application/json",
    )

    assert response.status_code == 422
    mine.refresh_from_db()
    assert mine.customer.organization == alice.organization


def test_platform_admin_reaches_every_organization(client_for, pat, bolt_unit):
    UnitFactory(organization=OrganizationFactory(name="第三方", slug="third"))
    client = client_for(pat)

    assert client.get(f"/api/v1/customers/{bolt_unit.customer_id}").status_code == 200
    assert len(client.get("/api/v1/units").json()["items"]) == 2


@pytest.fixture
def two_customers(carol, cody, org_a, org_b):
    carols = UnitFactory(organization=org_a, serial_number="CAROL-1", customer__user=carol)
    codys = UnitFactory(organization=org_b, serial_number="CODY-1", customer__user=cody)
    unowned = UnitFactory(organization=org_a, serial_number="NOBODY-1")
    return carols, codys, unowned


def test_portal_shows_a_customer_only_their_own_units(client_for, carol, two_customers):
    carols, codys, unowned = two_customers
    # carol also bought from the second organization: she sees both of her units
    also_carols = UnitFactory(organization=codys.organization, serial_number="CAROL-2", customer__user=carol)

    page = client_for(carol).get("/portal/").content.decode()

    assert "CAROL-1" in page and "CAROL-2" in page
    assert "CODY-1" not in page and "NOBODY-1" not in page
    assert also_carols.organization.name in page


def test_api_shows_a_customer_only_their_own_units_and_records(client_for, carol, two_customers):
    carols, codys, _ = two_customers
    client = client_for(carol)

    units = client.get("/api/v1/units").json()["items"]
    customers = client.get("/api/v1/customers").json()["items"]

    assert [u["serial_number"] for u in units] == ["CAROL-1"]
    assert [c["id"] for c in customers] == [carols.customer_id]
    _assert_problem_404(client.get("/api/v1/units/CODY-1"))
    _assert_problem_404(client.get("/api/v1/units/NOBODY-1"))
    _assert_problem_404(client.get(f"/api/v1/customers/{codys.customer_id}"))


def test_customers_cannot_use_the_staff_console_or_change_records(client_for, carol, two_customers):
    carols, _, _ = two_customers
    client = client_for(carol)

    assert client.get("/console/customers/").status_code == 404
    assert client.get(f"/console/customers/{carols.customer_id}/").status_code == 404
    assert client.get("/console/units/").status_code == 404
    patch = client.patch(
        f"/api/v1/customers/{carols.customer_id}", {"tier": "vip"}, content_type="application/json"
    )
    reveal = client.post(
        f"/api/v1/customers/{carols.customer_id}/reveal",
        {"field": "phone", "reason": "x"},
        content_type="application/json",
    )
    assert patch.status_code == 403
    assert reveal.status_code == 403
    assert Customer.objects.get(pk=carols.customer_id).tier == "standard"
    assert RevealLog.objects.count() == 0


def test_staff_get_404_on_the_portal(client_for, alice):
    assert client_for(alice).get("/portal/").status_code == 404


def test_anonymous_visitors_are_sent_to_login_or_get_401(client, bolt_unit):
    assert client.get("/console/customers/")["Location"].startswith("/accounts/login/")
    assert client.get("/portal/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/api/v1/customers/{bolt_unit.customer_id}").status_code == 401
    assert client.get("/api/v1/units/BOLT-0001").status_code == 401


def test_customer_search_by_another_organizations_serial_does_not_leak(client_for, alice, bolt_unit):
    # given: org A has a customer whose unit shares a serial number with org B's
    mine = UnitFactory(organization=alice.organization, serial_number="BOLT-0001", customer__name="甲方同号")

    found = client_for(alice).get("/api/v1/customers", {"q": "BOLT-0001"}).json()["items"]

    assert [c["id"] for c in found] == [mine.customer_id]


def test_unknown_customer_is_the_same_404_as_a_foreign_one(client_for, alice, bolt_unit):
    client = client_for(alice)
    foreign = client.get(f"/api/v1/customers/{bolt_unit.customer_id}")
    missing = client.get("/api/v1/customers/987654321")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert not Customer.objects.filter(pk=987654321).exists()
