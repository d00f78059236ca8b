"""Bad input gets a field error (form error in the console, problem+json in the API) and changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.customers import services
from aftersales.customers.models import Customer, Unit
from aftersales.testing.factories import CustomerFactory, ProductModelFactory, UnitFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def existing(alice):
    return services.customer_create(organization=alice.organization, by=alice, name="李雷", phone="13912345678")


def _fields(response) -> dict[str, str]:
    assert response["Content-Type"] == PROBLEM, response.content
    body = response.json()
    assert body["status"] == response.status_code
    return {e["field"]: e["reason"] for e in body["errors"]}


def _post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _patch_json(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


# --- customers in the console ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "韩梅梅", "phone": "12345"}, "phone"),
        ({"name": "韩梅梅", "phone": "1391234567x"}, "phone"),
        ({"name": "韩梅梅", "phone": "13912345678"}, "phone"),  # taken by `existing`
        ({"name": "韩梅梅", "phone": "+86 139-1234-5678"}, "phone"),  # the same number, spelled differently
        ({"name": "韩梅梅", "phone": "13800000000", "email": "not-an-email"}, "email"),
        ({"name": "韩梅梅", "phone": "13800000000", "id_number": "12"}, "id_number"),
        ({"name": "   ", "phone": "13800000000"}, "name"),
        ({"name": "韩梅梅", "phone": "13800000000", "tier": "platinum"}, "tier"),
    ],
)
def test_console_create_customer_shows_the_field_error_and_saves_nothing(client_for, alice, existing, data, field):
    response = client_for(alice).post("/console/customers/new/", {"tier": "standard", **data})

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert list(Customer.objects.values_list("name", flat=True)) == ["李雷"]


def test_console_create_customer_saves_a_normalised_phone(client_for, alice):
    response = client_for(alice).post(
        "/console/customers/new/",
        {"name": "韩梅梅", "phone": "+86 138-0000-0000", "email": "Han@Example.COM", "tier": "gold"},
    )

    customer = Customer.objects.get()
    assert response["Location"] == f"/console/customers/{customer.pk}/"
    assert (customer.phone, customer.email, customer.tier) == ("13800000000", "han@example.com", "gold")


def test_console_edit_with_empty_phone_keeps_the_phone(client_for, alice, existing):
    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/edit/", {"name": "李雷雷", "phone": "", "tier": "vip"}
    )

    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.name, existing.phone, existing.tier) == ("李雷雷", "13912345678", "vip")


def test_console_edit_to_a_taken_phone_is_a_field_error(client_for, alice, existing):
    other = services.customer_create(organization=alice.organization, by=alice, name="韩梅梅", phone="13800000000")

    response = client_for(alice).post(
        f"/console/customers/{other.pk}/edit/", {"name": "韩梅梅", "phone": "13912345678", "tier": "standard"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    other.refresh_from_db()
    assert other.phone == "13800000000"


def test_console_create_is_404_for_roles_that_cannot_edit(client_for, tina):
    assert client_for(tina).post("/console/customers/new/", {"name": "x", "phone": "13800000000"}).status_code == 404
    assert Customer.objects.count() == 0


# --- customers in the API ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "韩梅梅", "phone": "12345"}, 422, "phone"),
        ({"name": "韩梅梅", "phone": "13800000000", "email": "nope"}, 422, "email"),
        ({"name": "韩梅梅", "phone": "13912345678"}, 409, "phone"),
        ({"name": "韩梅梅", "phone": "0086 139 1234 5678"}, 409, "phone"),
        ({"name": "", "phone": "13800000000"}, 422, "name"),
        ({"name": "韩梅梅"}, 422, "phone"),
        ({"name": "韩梅梅", "phone": "13800000000", "tier": "platinum"}, 422, "tier"),
        ({"name": "韩梅梅", "phone": 13800000000}, 422, "phone"),
        ({"name": ["韩梅梅"], "phone": "13800000000"}, 422, "name"),
        ({"name": "x" * 101, "phone": "13800000000"}, 422, "name"),
    ],
)
def test_api_create_customer_rejects_bad_fields(client_for, alice, existing, body, status, field):
    response = _post_json(client_for(alice), "/api/v1/customers", body)

    assert response.status_code == status
    assert field in _fields(response)
    assert Customer.objects.count() == 1


def test_api_create_customer(client_for, alice):
    response = _post_json(client_for(alice), "/api/v1/customers",
                          {"name": "韩梅梅", "phone": "138 0000 0000", "tier": "vip"})

    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "138****0000"
    assert body["organization"] == "acme"
    assert Customer.objects.get(pk=body["id"]).phone == "13800000000"


def test_api_create_customer_needs_the_edit_capability(client_for, tina):
    response = _post_json(client_for(tina), "/api/v1/customers", {"name": "韩梅梅", "phone": "13800000000"})

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"phone": "13912345678"}, 409, "phone"),
        ({"phone": "123"}, 422, "phone"),
        ({"email": "nope"}, 422, "email"),
        ({"name": None}, 422, "name"),
        ({"tier": None}, 422, "tier"),
        ({"tier": "diamond"}, 422, "tier"),
    ],
)
def test_api_patch_customer_rejects_bad_fields_and_changes_nothing(client_for, alice, existing, body, status, field):
    other = services.customer_create(organization=alice.organization, by=alice, name="韩梅梅", phone="13800000000")

    response = _patch_json(client_for(alice), f"/api/v1/customers/{other.pk}", body)

    assert response.status_code == status
    assert field in _fields(response)
    other.refresh_from_db()
    assert (other.name, other.phone, other.email, other.tier) == ("韩梅梅", "13800000000", "", "standard")


@pytest.mark.parametrize("body", [{"email": None}, {"notes": None}])
def test_api_patch_customer_with_null_for_a_text_field_clears_it(client_for, alice, existing, body):
    existing.email, existing.notes = "li@example.com", "老客户"
    existing.save()

    response = _patch_json(client_for(alice), f"/api/v1/customers/{existing.pk}", body)

    assert response.status_code == 200, response.content
    existing.refresh_from_db()
    assert getattr(existing, next(iter(body))) == ""


def test_api_patch_customer_changes_only_what_is_sent(client_for, alice, existing):
    response = _patch_json(client_for(alice), f"/api/v1/customers/{existing.pk}", {"tier": "gold"})

    assert response.status_code == 200
    existing.refresh_from_db()
    assert (existing.name, existing.phone, existing.tier) == ("李雷", "13912345678", "gold")


def test_api_delete_needs_the_delete_capability(client_for, alice, olga, existing):
    refused = client_for(alice).delete(f"/api/v1/customers/{existing.pk}")
    assert refused.status_code == 403
    assert Customer.objects.filter(pk=existing.pk).exists()

    done = client_for(olga).delete(f"/api/v1/customers/{existing.pk}")
    assert done.status_code == 204
    assert not Customer.objects.filter(pk=existing.pk).exists()


def test_deleting_a_customer_keeps_their_units(client_for, olga):
    unit = UnitFactory(organization=olga.organization)

    response = client_for(olga).post(f"/console/customers/{unit.customer_id}/delete/")

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.customer is None


# --- units -------------------------------------------------------------------------------------

@pytest.fixture
def model(alice):
    return ProductModelFactory(organization=alice.organization, model_number="KFR-35GW")


def _unit_body(model, **overrides):
    today = timezone.localdate()
    body = {
        "product_model_id": model.pk, "serial_number": "SN-0001",
        "purchase_date": str(today - timedelta(days=10)), "delivery_date": str(today - timedelta(days=8)),
        "invoice_amount": "3999.00", "sales_channel": "online",
    }
    body.update(overrides)
    return body


def test_api_create_unit(client_for, alice, model, existing):
    response = _post_json(client_for(alice), "/api/v1/units", _unit_body(model, customer_id=existing.pk))

    assert response.status_code == 201, response.content
    assert response.json()["serial_number"] == "SN-0001"
    assert response.json()["model_number"] == "KFR-35GW"
    assert Unit.objects.get().customer == existing


def test_api_unit_delivered_before_purchase_names_delivery_date(client_for, alice, model):
    today = timezone.localdate()
    body = _unit_body(model, purchase_date=str(today - timedelta(days=3)), delivery_date=str(today - timedelta(days=5)))

    response = _post_json(client_for(alice), "/api/v1/units", body)

    assert response.status_code == 422
    assert "delivery_date" in _fields(response)
    assert Unit.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purchase_date": "2999-01-01", "delivery_date": None}, "purchase_date"),
        ({"serial_number": "   "}, "serial_number"),
        ({"serial_number": ""}, "serial_number"),
        ({"invoice_amount": "-1"}, "invoice_amount"),
        ({"sales_channel": "tv"}, "sales_channel"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"purchase_date": "2024-02-30"}, "purchase_date"),
        ({"product_model_id": "abc"}, "product_model_id"),
        ({"product_model_id": 987654}, "product_model_id"),
        ({"invoice_amount": "12.345"}, "invoice_amount"),
    ],
)
def test_api_create_unit_rejects_bad_fields(client_for, alice, model, overrides, field):
    response = _post_json(client_for(alice), "/api/v1/units", _unit_body(model, **overrides))

    assert response.status_code == 422
    assert field in _fields(response)
    assert Unit.objects.count() == 0


def test_api_duplicate_serial_for_the_same_model_is_409_naming_serial_number(client_for, alice, model):
    client = client_for(alice)
    assert _post_json(client, "/api/v1/units", _unit_body(model)).status_code == 201

    response = _post_json(client, "/api/v1/units", _unit_body(model, invoice_amount="1"))

    assert response.status_code == 409
    assert "serial_number" in _fields(response)
    assert Unit.objects.count() == 1


def test_same_serial_on_two_models_is_allowed_and_lookup_asks_which(client_for, alice, model):
    other = ProductModelFactory(organization=alice.organization, model_number="KFR-50LW")
    client = client_for(alice)
    assert _post_json(client, "/api/v1/units", _unit_body(model)).status_code == 201
    assert _post_json(client, "/api/v1/units", _unit_body(other)).status_code == 201

    ambiguous = client.get("/api/v1/units/SN-0001")
    chosen = client.get("/api/v1/units/SN-0001", {"model": "KFR-50LW"})

    assert ambiguous.status_code == 409
    assert "model" in _fields(ambiguous)
    assert chosen.status_code == 200
    assert chosen.json()["model_number"] == "KFR-50LW"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delivery_date": "2000-01-01"}, "delivery_date"),
        ({"purchase_date": None}, "purchase_date"),
        ({"sales_channel": "tv"}, "sales_channel"),
        ({"invoice_amount": -5}, "invoice_amount"),
    ],
)
def test_api_patch_unit_rejects_bad_fields(client_for, alice, body, field):
    unit = UnitFactory(organization=alice.organization, serial_number="SN-P")
    before = Unit.objects.values().get(pk=unit.pk)

    response = _patch_json(client_for(alice), "/api/v1/units/SN-P", body)

    assert response.status_code == 422
    assert field in _fields(response)
    assert Unit.objects.values().get(pk=unit.pk) == before


@pytest.mark.parametrize("field", ["invoice_number", "store", "order_number"])
def test_api_patch_unit_with_null_for_a_text_field_clears_it(client_for, alice, field):
    unit = UnitFactory(organization=alice.organization, serial_number="SN-P", store="旗舰店", order_number="O-1")

    response = _patch_json(client_for(alice), "/api/v1/units/SN-P", {field: None})

    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert getattr(unit, field) == ""


def test_console_unit_form_names_delivery_date(client_for, alice, model, existing):
    today = timezone.localdate()

    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {"product_model": model.pk, "serial_number": "SN-UI", "purchase_date": str(today - timedelta(days=2)),
         "delivery_date": str(today - timedelta(days=4)), "sales_channel": "offline"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["delivery_date"]
    assert Unit.objects.count() == 0


def test_console_unit_form_duplicate_serial_is_a_serial_number_error(client_for, alice, model, existing):
    UnitFactory(organization=alice.organization, product_model=model, serial_number="SN-UI")

    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {"product_model": model.pk, "serial_number": "SN-UI", "purchase_date": "2024-01-02",
         "sales_channel": "offline"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["serial_number"]
    assert Unit.objects.count() == 1


def test_console_unit_form_offers_only_own_models(client_for, alice, bob, model, existing):
    foreign = ProductModelFactory(organization=bob.organization)

    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {"product_model": foreign.pk, "serial_number": "SN-X", "purchase_date": "2024-01-02",
         "sales_channel": "offline"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["product_model"]
    assert Unit.objects.count() == 0


def test_console_unit_form_registers_the_unit(client_for, alice, model, existing):
    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {"product_model": model.pk, "serial_number": " SN-UI ", "purchase_date": "2024-01-02",
         "delivery_date": "2024-01-04", "sales_channel": "offline", "invoice_amount": ""},
    )

    unit = Unit.objects.get()
    assert response["Location"] == f"/console/units/{unit.pk}/"
    assert (unit.serial_number, unit.customer, unit.organization) == ("SN-UI", existing, alice.organization)


# --- malformed requests: 4xx problem+json, never 500 -------------------------------------------

@pytest.mark.parametrize(
    "raw",
    ["{bad json", "", "null", "[1, 2]", '"a string"', "123", '{"name": "x", "phone": "13800000000"', "\xff\xfe"],
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
    response = _post_json(client_for(alice), "/api/v1/customers", body)

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
    bad_body = {"name": 1, "tier": 2, "delivery_date": "soon", "purchase_date": [], "invoice_amount": "lots",
                "serial_number": {}, "product_model_id": "x", "field": 3, "reason": {"a": 1}}
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
