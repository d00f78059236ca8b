"""request_open: one intake for the API, the console and the portal, with the same rules and messages."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied, renamed
from aftersales.customers.models import Customer
from aftersales.service import pending, services
from aftersales.service.models import Attachment, PendingUpload, ServiceRequest
from aftersales.service.opening import Contact, request_open
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _post(client, body, **headers):
    return client.post("/api/v1/requests", data=json.dumps(body), content_type="application/json", **headers)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def carols_unit(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")
    AddressFactory(customer=customer)
    return UnitFactory(organization=org_a, customer=customer, serial_number="SN-CAROL-1")


# --- the API answers in the reader's language, naming the field ------------------------------


def test_an_api_intake_error_names_the_field_in_the_readers_language(client_for, alice, carols_unit):
    agent = client_for(alice)
    body = {
        "kind": "repair",
        "description": "不制冷",
        "customer_id": carols_unit.customer_id,
        "unit_serial": "NOPE",
    }

    chinese = _post(agent, body)
    english = _post(agent, body, HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == english.status_code == 422
    assert english["Content-Type"] == "application/problem+json"
    assert chinese.json()["errors"] == [
        {"field": "unit_serial", "reason": "此客户名下没有序列号为“NOPE”的机器。"}
    ]
    assert english.json()["errors"] == [
        {"field": "unit_serial", "reason": "This customer has no unit with serial number “NOPE”."}
    ]
    assert "unit_serial" in english.json()["detail"]
    assert not ServiceRequest.objects.exists()


def test_api_refusals_are_translated_too(client_for, alice, tina, carol, carols_unit):
    # a role without intake, a customer naming someone else, a customer without any unit of theirs
    refused_role = _post(
        client_for(tina),
        {"kind": "consultation", "description": "问", "customer_id": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    for_someone = _post(
        client_for(carol),
        {"kind": "consultation", "description": "问", "customer_id": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    no_customer = _post(client_for(alice), {"kind": "consultation", "description": "问"})
    staff_only = client_for(carol).patch(
        f"/api/v1/requests/{_open_for(carols_unit).number}",
        data=json.dumps({"version": 1, "priority": "high"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (
        refused_role.status_code == 403
        and refused_role.json()["detail"] == "Your role may not open requests."
    )
    assert for_someone.status_code == 422
    assert for_someone.json()["errors"] == [
        {"field": "customer_id", "reason": "Customers open requests for themselves only."}
    ]
    assert no_customer.status_code == 422
    assert no_customer.json()["errors"] == [
        {"field": "customer_id", "reason": "请选择已有客户，或填写联系人的手机号或邮箱。"}
    ]
    assert staff_only.status_code == 403 and staff_only.json()["detail"] == "Only staff may do this."


def _open_for(unit) -> ServiceRequest:
    return services.request_create(
        organization=unit.organization,
        customer=unit.customer,
        by=None,
        kind="repair",
        channel="web",
        description="坏了",
        unit=unit,
        notify=False,
    )


# --- the same rules on every channel ---------------------------------------------------------


def test_a_serial_is_found_in_any_case_through_the_api_as_in_the_forms(client_for, alice, carol, carols_unit):
    by_staff = _post(
        client_for(alice),
        {
            "kind": "repair",
            "description": "不制冷",
            "customer_id": carols_unit.customer_id,
            "unit_serial": " sn-carol-1 ",
        },
    )
    by_customer = _post(
        client_for(carol),
        {"kind": "maintenance", "description": "清洗", "unit_serial": "sn-carol-1", "allow_duplicate": True},
    )

    assert by_staff.status_code == 201 and by_customer.status_code == 201, (
        by_staff.content,
        by_customer.content,
    )
    assert {by_staff.json()["unit_serial"], by_customer.json()["unit_serial"]} == {"SN-CAROL-1"}


def test_a_customers_own_request_comes_from_the_web_or_the_app(carol, carols_unit):
    from_phone = request_open(by=carol, kind="consultation", description="问", channel="phone")
    from_web = request_open(by=carol, kind="consultation", description="再问", channel="web")

    assert (from_phone.channel, from_web.channel) == ("app", "web")
    assert (
        from_phone.customer_id == carols_unit.customer_id
        and from_phone.organization_id == carols_unit.organization_id
    )


def test_a_new_contact_is_not_kept_when_the_request_is_refused(client_for, alice, carols_unit):
    # A repair needs a unit, which a customer created a moment ago cannot have: the request is
    # refused, and the customer is not left behind either (one transaction).
    before = Customer.objects.count()

    api = _post(
        client_for(alice),
        {"kind": "repair", "description": "不开机", "contact": {"name": "新客户", "phone": "13900002222"}},
    )
    console = client_for(alice).post(
        "/console/requests/new/",
        {
            "name": "新客户",
            "phone": "13900003333",
            "kind": "repair",
            "channel": "phone",
            "priority": "normal",
            "fulfilment": "onsite",
            "description": "不开机",
        },
    )

    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "unit"
    assert console.status_code == 422 and "请选择或填写机器序列号" in console.content.decode()
    assert Customer.objects.count() == before and not ServiceRequest.objects.exists()


def test_a_new_contact_and_its_request_are_created_together(alice, org_a):
    sr = request_open(
        by=alice,
        kind="consultation",
        description="滤网怎么洗",
        channel="phone",
        contact=Contact(name="新客户", phone="13900004444"),
    )

    customer = Customer.objects.get(pk=sr.customer_id)
    assert (customer.name, customer.organization_id, sr.created_by_id) == ("新客户", org_a.pk, alice.pk)


def test_console_and_portal_errors_land_on_their_own_fields(client_for, alice, carol, org_a, carols_unit):
    someone_elses = UnitFactory(organization=org_a)
    form = {
        "customer": carols_unit.customer_id,
        "kind": "repair",
        "channel": "phone",
        "priority": "normal",
        "fulfilment": "onsite",
        "description": "x",
    }

    wrong_unit = client_for(alice).post("/console/requests/new/", {**form, "unit": someone_elses.pk})
    wrong_serial = client_for(alice).post("/console/requests/new/", {**form, "serial": "NOPE"})
    portal = client_for(carol).post(
        "/portal/requests/new/", {"kind": "repair", "description": "x", "serial": "NOPE"}
    )

    assert dict(wrong_unit.context["form"].errors) == {"unit": ["该机器不属于此客户。"]}
    assert dict(wrong_serial.context["form"].errors) == {"serial": ["此客户名下没有序列号为“NOPE”的机器。"]}
    assert dict(portal.context["form"].errors) == {
        "serial": ["序列号“NOPE”没有登记在您名下，请核对或联系客服。"]
    }
    assert not ServiceRequest.objects.exists()


# --- the service itself ----------------------------------------------------------------------


def test_request_open_attaches_the_kept_files_and_lets_them_go(alice, carols_unit):
    kept = pending.pending_add(
        owner=alice, token=pending.new_token(), field="uploads", name="a.png", data=png_bytes()
    )

    sr = request_open(
        by=alice,
        kind="repair",
        description="外机异响",
        channel="phone",
        customer_id=carols_unit.customer_id,
        unit_id=carols_unit.pk,
        uploads=[kept],
    )

    attachment = Attachment.objects.get(request=sr)
    assert attachment.name == "a.png" and attachment.public
    assert not PendingUpload.objects.exists()


def test_request_open_refused_as_a_duplicate_keeps_the_files_for_the_confirming_submit(alice, carols_unit):
    _open_for(carols_unit)
    kept = pending.pending_add(
        owner=alice, token=pending.new_token(), field="uploads", name="a.png", data=png_bytes()
    )

    with pytest.raises(Conflict) as refused:
        request_open(
            by=alice,
            kind="repair",
            description="又坏了",
            channel="phone",
            customer_id=carols_unit.customer_id,
            unit_serial=carols_unit.serial_number,
            uploads=[kept],
        )

    assert "unit" in refused.value.errors
    assert PendingUpload.objects.filter(pk=kept.pk).exists() and not Attachment.objects.exists()
    assert ServiceRequest.objects.count() == 1


def test_request_open_attaches_only_the_users_own_kept_files(alice, carol, carols_unit):
    theirs = pending.pending_add(
        owner=carol, token=pending.new_token(), field="photos", name="a.png", data=png_bytes()
    )

    with pytest.raises(PermissionDenied):
        request_open(
            by=alice,
            kind="repair",
            description="x",
            channel="phone",
            customer_id=carols_unit.customer_id,
            unit_id=carols_unit.pk,
            uploads=[theirs],
        )

    assert not ServiceRequest.objects.exists() and PendingUpload.objects.filter(pk=theirs.pk).exists()


def test_request_open_takes_only_the_customers_own_address_and_units(alice, org_a, carols_unit):
    someone_else = UnitFactory(organization=org_a)
    other_address = AddressFactory(customer=someone_else.customer)

    with pytest.raises(InvalidInput) as wrong_unit:
        request_open(
            by=alice,
            kind="repair",
            description="x",
            channel="phone",
            customer_id=carols_unit.customer_id,
            unit_id=someone_else.pk,
        )
    with pytest.raises(InvalidInput) as wrong_address:
        request_open(
            by=alice,
            kind="repair",
            description="x",
            channel="phone",
            customer_id=carols_unit.customer_id,
            unit_id=carols_unit.pk,
            address_id=other_address.pk,
        )

    assert wrong_unit.value.errors == {"unit_id": "该机器不属于此客户。"}
    assert wrong_address.value.errors == {"address_id": "地址不属于此客户。"}
    assert not ServiceRequest.objects.exists()


def test_request_open_refuses_roles_without_intake(tina, carols_unit):
    with pytest.raises(PermissionDenied):
        request_open(
            by=tina,
            kind="consultation",
            description="x",
            channel="phone",
            customer_id=carols_unit.customer_id,
        )
    assert not ServiceRequest.objects.exists()


def test_renamed_gives_the_fields_the_callers_names():
    error = InvalidInput({"unit_serial": "没有", "description": "请描述问题。"})
    written = InvalidInput({"unit_id": "不对"}, "写好的说明")

    plain = renamed(error, {"unit_serial": "serial"})
    kept_message = renamed(written, {"unit_id": "unit"})

    assert plain.errors == {"serial": "没有", "description": "请描述问题。"}
    assert plain.message == "serial: 没有; description: 请描述问题。"
    assert (kept_message.errors, kept_message.message) == ({"unit": "不对"}, "写好的说明")
    assert renamed(error, {"other": "x"}) is error
