"""Phones, ID numbers and addresses: encrypted at rest, found by phone, shown masked, revealed with audit."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.core.models import RevealLog
from aftersales.customers import services
from aftersales.customers.models import Customer, CustomerAddress
from aftersales.testing.factories import AddressFactory, UnitFactory

PHONE = "13812341234"
MASKED = "138****1234"


@pytest.fixture
def wang(alice):
    customer = services.customer_create(
        organization=alice.organization,
        by=alice,
        name="王芳",
        phone=PHONE,
        email="wang@example.com",
        id_number="110101199003071234",
    )
    AddressFactory(customer=customer, detail="建国路88号3号楼1201")
    UnitFactory(organization=alice.organization, customer=customer, serial_number="SN-WANG-1")
    return customer


def _raw_row(table: str, pk: int, *columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return cursor.fetchone()


def test_phone_id_number_and_street_are_not_stored_in_clear(wang):
    phone, phone_hash, id_number = _raw_row(
        Customer._meta.db_table, wang.pk, "phone", "phone_hash", "id_number"
    )
    address = wang.addresses.get()
    (detail,) = _raw_row(CustomerAddress._meta.db_table, address.pk, "detail")

    assert PHONE not in phone
    assert PHONE not in phone_hash
    assert "110101199003071234" not in id_number
    assert "建国路" not in detail
    # and the application reads the clear values back
    fresh = Customer.objects.get(pk=wang.pk)
    assert fresh.phone == PHONE and fresh.id_number == "110101199003071234"
    assert fresh.addresses.get().detail == "建国路88号3号楼1201"


def test_two_customers_with_the_same_phone_in_two_organizations_get_different_ciphertexts(wang, bob):
    other = services.customer_create(organization=bob.organization, by=bob, name="王芳", phone=PHONE)

    (a,) = _raw_row(Customer._meta.db_table, wang.pk, "phone")
    (b,) = _raw_row(Customer._meta.db_table, other.pk, "phone")

    assert a != b


@pytest.mark.parametrize("query", [PHONE, "138-1234-1234", "+86 138 1234 1234", "008613812341234"])
def test_console_finds_a_customer_by_phone_in_any_spelling(client_for, alice, wang, query):
    UnitFactory(organization=alice.organization, customer__name="别人")

    page = client_for(alice).get("/console/customers/", {"q": query}).content.decode()

    assert "王芳" in page
    assert "别人" not in page


def test_api_and_unit_list_find_by_phone(client_for, alice, wang):
    UnitFactory(organization=alice.organization, serial_number="SN-OTHER")
    client = client_for(alice)

    customers = client.get("/api/v1/customers", {"q": "138 1234 1234"}).json()["items"]
    units = client.get("/api/v1/units", {"q": PHONE}).json()["items"]
    unit_page = client.get("/console/units/", {"q": PHONE}).content.decode()

    assert [c["id"] for c in customers] == [wang.pk]
    assert [u["serial_number"] for u in units] == ["SN-WANG-1"]
    assert "SN-WANG-1" in unit_page and "SN-OTHER" not in unit_page


def test_partial_phone_does_not_match_through_the_hash(client_for, alice, wang):
    assert client_for(alice).get("/api/v1/customers", {"q": "1381234"}).json()["items"] == []


def test_pages_and_api_show_phone_masked(client_for, alice, wang):
    client = client_for(alice)

    pages = [
        client.get("/console/customers/").content.decode(),
        client.get(f"/console/customers/{wang.pk}/").content.decode(),
        client.get(f"/console/customers/{wang.pk}/edit/").content.decode(),
    ]
    listed = client.get("/api/v1/customers").json()["items"][0]
    detail = client.get(f"/api/v1/customers/{wang.pk}").json()

    for page in pages:
        assert MASKED in page
        assert PHONE not in page
        assert "110101199003071234" not in page
        assert "建国路" not in page
    assert listed["phone"] == detail["phone"] == MASKED
    assert PHONE not in str(detail)
    assert detail["addresses"][0]["masked"] == "北京市朝阳区****"
    assert "建国路" not in str(detail)


def test_reveal_in_the_console_returns_the_value_and_is_logged(client_for, alice, wang):
    response = client_for(alice).post(
        f"/console/customers/{wang.pk}/reveal/",
        {"field": "phone", "reason": "客户来电核实身份"},
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 200
    assert PHONE in response.content.decode()
    log = RevealLog.objects.get()
    assert (
        log.user,
        log.organization,
        log.object_type,
        log.object_id,
        log.field,
        log.reason,
        log.ip_address,
    ) == (alice, alice.organization, "customer", str(wang.pk), "phone", "客户来电核实身份", "10.1.2.3")


@pytest.mark.parametrize(
    ("field", "expected"),
    [("id_number", "110101199003071234"), ("address", "北京市朝阳区建国路88号3号楼1201")],
)
def test_reveal_of_id_number_and_address(client_for, dave, wang, field, expected):
    if field == "address":
        field = f"address:{wang.addresses.get().pk}"

    response = client_for(dave).post(
        f"/console/customers/{wang.pk}/reveal/", {"field": field, "reason": "上门"}
    )

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert RevealLog.objects.get().field == field


@pytest.mark.parametrize("data", [{"field": "phone"}, {"field": "phone", "reason": "   "}])
def test_reveal_without_a_reason_is_refused_and_not_logged(client_for, alice, wang, data):
    response = client_for(alice).post(f"/console/customers/{wang.pk}/reveal/", data)

    assert response.status_code == 422
    assert PHONE not in response.content.decode()
    assert "原因" in response.content.decode()
    assert RevealLog.objects.count() == 0


@pytest.mark.parametrize("field", ["email_password", "address:999999", "address:abc", "phone_hash"])
def test_reveal_of_an_unknown_field_is_refused(client_for, alice, wang, field):
    response = client_for(alice).post(
        f"/console/customers/{wang.pk}/reveal/", {"field": field, "reason": "x"}
    )

    assert response.status_code == 422
    assert RevealLog.objects.count() == 0


def test_reveal_of_another_customers_address_is_refused(client_for, alice, wang):
    other = UnitFactory(organization=alice.organization).customer
    theirs = AddressFactory(customer=other, detail="别人家的门牌")

    response = client_for(alice).post(
        f"/console/customers/{wang.pk}/reveal/", {"field": f"address:{theirs.pk}", "reason": "x"}
    )

    assert response.status_code == 422
    assert "别人家的门牌" not in response.content.decode()


@pytest.mark.parametrize("name", ["tina", "pam", "quinn"])
def test_roles_without_reveal_get_404_and_nothing_is_logged(request, client_for, wang, name):
    client = client_for(request.getfixturevalue(name))

    response = client.post(f"/console/customers/{wang.pk}/reveal/", {"field": "phone", "reason": "想看看"})

    assert response.status_code == 404
    assert PHONE not in response.content.decode()
    assert RevealLog.objects.count() == 0
    # and the detail page offers no reveal button
    assert "reveal-btn" not in client.get(f"/console/customers/{wang.pk}/").content.decode()


def test_reveal_button_is_offered_to_permitted_roles(client_for, alice, wang):
    assert 'data-field="phone"' in client_for(alice).get(f"/console/customers/{wang.pk}/").content.decode()


def test_reveal_through_the_api(client_for, alice, wang):
    response = client_for(alice).post(
        f"/api/v1/customers/{wang.pk}/reveal",
        {"field": "phone", "reason": "核实"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": PHONE}
    log = RevealLog.objects.get()
    assert (log.user, log.field, log.reason) == (alice, "phone", "核实")


@pytest.mark.parametrize(
    "body", [{"field": "phone"}, {"field": "phone", "reason": ""}, {"field": "phone", "reason": "  "}]
)
def test_api_reveal_without_a_reason_is_422_and_not_logged(client_for, alice, wang, body):
    response = client_for(alice).post(
        f"/api/v1/customers/{wang.pk}/reveal", body, content_type="application/json"
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "reason" in [e["field"] for e in response.json()["errors"]]
    assert PHONE not in response.content.decode()
    assert RevealLog.objects.count() == 0


def test_api_reveal_by_a_technician_is_refused_and_not_logged(client_for, tina, wang):
    response = client_for(tina).post(
        f"/api/v1/customers/{wang.pk}/reveal",
        {"field": "phone", "reason": "上门"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert PHONE not in response.content.decode()
    assert RevealLog.objects.count() == 0
