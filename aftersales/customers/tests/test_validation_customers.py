"""Bad customer input gets a field error (form error in the console, problem+json in the API) and changes nothing."""

from __future__ import annotations

import pytest

from aftersales.customers import services
from aftersales.customers.models import Customer
from aftersales.customers.tests.support import PROBLEM, patch_json, post_json, problem_fields
from aftersales.testing.factories import UnitFactory

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
def test_console_create_customer_shows_the_field_error_and_saves_nothing(
    client_for, alice, existing, data, field
):
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
    other = services.customer_create(
        organization=alice.organization, by=alice, name="韩梅梅", phone="13800000000"
    )

    response = client_for(alice).post(
        f"/console/customers/{other.pk}/edit/", {"name": "韩梅梅", "phone": "13912345678", "tier": "standard"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    other.refresh_from_db()
    assert other.phone == "13800000000"


def test_console_create_is_404_for_roles_that_cannot_edit(client_for, tina):
    assert (
        client_for(tina).post("/console/customers/new/", {"name": "x", "phone": "13800000000"}).status_code
        == 404
    )
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
    response = post_json(client_for(alice), "/api/v1/customers", body)

    assert response.status_code == status
    assert field in problem_fields(response)
    assert Customer.objects.count() == 1


def test_api_create_customer(client_for, alice):
    response = post_json(
        client_for(alice), "/api/v1/customers", {"name": "韩梅梅", "phone": "138 0000 0000", "tier": "vip"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "138****0000"
    assert body["organization"] == "acme"
    assert Customer.objects.get(pk=body["id"]).phone == "13800000000"


def test_api_create_customer_needs_the_edit_capability(client_for, tina):
    response = post_json(client_for(tina), "/api/v1/customers", {"name": "韩梅梅", "phone": "13800000000"})

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
def test_api_patch_customer_rejects_bad_fields_and_changes_nothing(
    client_for, alice, existing, body, status, field
):
    other = services.customer_create(
        organization=alice.organization, by=alice, name="韩梅梅", phone="13800000000"
    )

    response = patch_json(client_for(alice), f"/api/v1/customers/{other.pk}", body)

    assert response.status_code == status
    assert field in problem_fields(response)
    other.refresh_from_db()
    assert (other.name, other.phone, other.email, other.tier) == ("韩梅梅", "13800000000", "", "standard")


@pytest.mark.parametrize("body", [{"email": None}, {"notes": None}])
def test_api_patch_customer_with_null_for_a_text_field_clears_it(client_for, alice, existing, body):
    existing.email, existing.notes = "li@example.com", "老客户"
    existing.save()

    response = patch_json(client_for(alice), f"/api/v1/customers/{existing.pk}", body)

    assert response.status_code == 200, response.content
    existing.refresh_from_db()
    assert getattr(existing, next(iter(body))) == ""


def test_api_patch_customer_changes_only_what_is_sent(client_for, alice, existing):
    response = patch_json(client_for(alice), f"/api/v1/customers/{existing.pk}", {"tier": "gold"})

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
