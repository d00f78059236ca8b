"""Bad unit input gets a field error (form error in the console, problem+json in the API) and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales.customers.models import Unit
from aftersales.customers.tests.support import patch_json, post_json, problem_fields
from aftersales.testing.factories import ProductModelFactory, UnitFactory

# --- units -------------------------------------------------------------------------------------


@pytest.fixture
def model(alice):
    return ProductModelFactory(organization=alice.organization, model_number="KFR-35GW")


def _unit_body(model, **overrides):
    today = timezone.localdate()
    body = {
        "product_model_id": model.pk,
        "serial_number": "SN-0001",
        "purchase_date": str(today - timedelta(days=10)),
        "delivery_date": str(today - timedelta(days=8)),
        "invoice_amount": "3999.00",
        "sales_channel": "online",
    }
    body.update(overrides)
    return body


def test_api_create_unit(client_for, alice, model, existing):
    response = post_json(client_for(alice), "/api/v1/units", _unit_body(model, customer_id=existing.pk))

    assert response.status_code == 201, response.content
    assert response.json()["serial_number"] == "SN-0001"
    assert response.json()["model_number"] == "KFR-35GW"
    assert Unit.objects.get().customer == existing


def test_api_unit_delivered_before_purchase_names_delivery_date(client_for, alice, model):
    today = timezone.localdate()
    body = _unit_body(
        model, purchase_date=str(today - timedelta(days=3)), delivery_date=str(today - timedelta(days=5))
    )

    response = post_json(client_for(alice), "/api/v1/units", body)

    assert response.status_code == 422
    assert "delivery_date" in problem_fields(response)
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
    response = post_json(client_for(alice), "/api/v1/units", _unit_body(model, **overrides))

    assert response.status_code == 422
    assert field in problem_fields(response)
    assert Unit.objects.count() == 0


def test_api_duplicate_serial_for_the_same_model_is_409_naming_serial_number(client_for, alice, model):
    client = client_for(alice)
    assert post_json(client, "/api/v1/units", _unit_body(model)).status_code == 201

    response = post_json(client, "/api/v1/units", _unit_body(model, invoice_amount="1"))

    assert response.status_code == 409
    assert "serial_number" in problem_fields(response)
    assert Unit.objects.count() == 1


def test_same_serial_on_two_models_is_allowed_and_lookup_asks_which(client_for, alice, model):
    other = ProductModelFactory(organization=alice.organization, model_number="KFR-50LW")
    client = client_for(alice)
    assert post_json(client, "/api/v1/units", _unit_body(model)).status_code == 201
    assert post_json(client, "/api/v1/units", _unit_body(other)).status_code == 201

    ambiguous = client.get("/api/v1/units/SN-0001")
    chosen = client.get("/api/v1/units/SN-0001", {"model": "KFR-50LW"})

    assert ambiguous.status_code == 409
    assert "model" in problem_fields(ambiguous)
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

    response = patch_json(client_for(alice), "/api/v1/units/SN-P", body)

    assert response.status_code == 422
    assert field in problem_fields(response)
    assert Unit.objects.values().get(pk=unit.pk) == before


@pytest.mark.parametrize("field", ["invoice_number", "store", "order_number"])
def test_api_patch_unit_with_null_for_a_text_field_clears_it(client_for, alice, field):
    unit = UnitFactory(
        organization=alice.organization, serial_number="SN-P", store="旗舰店", order_number="O-1"
    )

    response = patch_json(client_for(alice), "/api/v1/units/SN-P", {field: None})

    assert response.status_code == 200, response.content
    unit.refresh_from_db()
    assert getattr(unit, field) == ""


def test_console_unit_form_names_delivery_date(client_for, alice, model, existing):
    today = timezone.localdate()

    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {
            "product_model": model.pk,
            "serial_number": "SN-UI",
            "purchase_date": str(today - timedelta(days=2)),
            "delivery_date": str(today - timedelta(days=4)),
            "sales_channel": "offline",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["delivery_date"]
    assert Unit.objects.count() == 0


def test_console_unit_form_duplicate_serial_is_a_serial_number_error(client_for, alice, model, existing):
    UnitFactory(organization=alice.organization, product_model=model, serial_number="SN-UI")

    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {
            "product_model": model.pk,
            "serial_number": "SN-UI",
            "purchase_date": "2024-01-02",
            "sales_channel": "offline",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["serial_number"]
    assert Unit.objects.count() == 1


def test_console_unit_form_offers_only_own_models(client_for, alice, bob, model, existing):
    foreign = ProductModelFactory(organization=bob.organization)

    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {
            "product_model": foreign.pk,
            "serial_number": "SN-X",
            "purchase_date": "2024-01-02",
            "sales_channel": "offline",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["product_model"]
    assert Unit.objects.count() == 0


def test_console_unit_form_registers_the_unit(client_for, alice, model, existing):
    response = client_for(alice).post(
        f"/console/customers/{existing.pk}/units/new/",
        {
            "product_model": model.pk,
            "serial_number": " SN-UI ",
            "purchase_date": "2024-01-02",
            "delivery_date": "2024-01-04",
            "sales_channel": "offline",
            "invoice_amount": "",
        },
    )

    unit = Unit.objects.get()
    assert response["Location"] == f"/console/units/{unit.pk}/"
    assert (unit.serial_number, unit.customer, unit.organization) == ("SN-UI", existing, alice.organization)
