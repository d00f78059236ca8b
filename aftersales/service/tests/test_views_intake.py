"""A new request typed in by an agent on the phone, through Django's test client."""

from __future__ import annotations

import pytest

from aftersales.customers.models import Customer
from aftersales.service.models import ServiceRequest

pytestmark = pytest.mark.django_db


# --- new request (phone intake) --------------------------------------------------------------


def test_new_request_for_a_picked_customer_and_unit(client_for, alice, carols_unit):
    client = client_for(alice)

    response = client.post(
        "/console/requests/new/",
        {
            "customer": carols_unit.customer_id,
            "unit": carols_unit.pk,
            "kind": "repair",
            "channel": "phone",
            "priority": "high",
            "fulfilment": "onsite",
            "description": "外机噪音很大",
        },
    )

    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/requests/{created.number}/"
    assert (
        created.customer_id,
        created.unit_id,
        created.channel,
        created.priority,
        created.created_by_id,
    ) == (carols_unit.customer_id, carols_unit.pk, "phone", "high", alice.pk)
    assert created.address_region  # the customer's default address was copied for the visit


def test_new_request_by_phone_matches_the_existing_customer(client_for, alice, carols_unit):
    response = client_for(alice).post(
        "/console/requests/new/",
        {
            "name": "王女士",
            "phone": "138 1234 5678",
            "serial": "sn-carol-1",
            "kind": "repair",
            "channel": "phone",
            "priority": "normal",
            "fulfilment": "onsite",
            "description": "不开机",
        },
    )

    assert response.status_code == 302
    assert Customer.objects.count() == 1
    assert ServiceRequest.objects.get().unit_id == carols_unit.pk


def test_new_request_errors_keep_what_was_typed(client_for, alice, carols_unit):
    client = client_for(alice)

    empty = client.post(
        "/console/requests/new/",
        {
            "name": "李先生",
            "phone": "13900001111",
            "kind": "repair",
            "channel": "phone",
            "priority": "urgent",
            "fulfilment": "onsite",
            "description": "",
        },
    )
    wrong_serial = client.post(
        "/console/requests/new/",
        {
            "customer": carols_unit.customer_id,
            "serial": "NOT-HERS",
            "kind": "repair",
            "channel": "phone",
            "priority": "urgent",
            "fulfilment": "onsite",
            "description": "柜机漏水",
        },
    )

    assert empty.status_code == 422
    body = empty.content.decode()
    assert (
        'value="李先生"' in body
        and 'value="13900001111"' in body
        and '<option value="urgent" selected>' in body
    )
    body = wrong_serial.content.decode()
    assert wrong_serial.status_code == 422
    assert "柜机漏水" in body and 'value="NOT-HERS"' in body and "NOT-HERS”的机器" in body
    assert f'id="customer-{carols_unit.customer_id}" value="{carols_unit.customer_id}" checked' in body
    assert not ServiceRequest.objects.exists()


def test_new_request_on_a_unit_with_an_open_one_offers_link_or_create(client_for, alice, carols_unit, sr):
    client = client_for(alice)
    form = {
        "customer": carols_unit.customer_id,
        "unit": carols_unit.pk,
        "kind": "repair",
        "channel": "phone",
        "priority": "normal",
        "fulfilment": "onsite",
        "description": "又坏了",
    }

    warned = client.post("/console/requests/new/", form)
    linked = client.post("/console/requests/new/", {**form, "link_to": sr.number})
    anyway = client.post("/console/requests/new/", {**form, "allow_duplicate": "on"})

    body = warned.content.decode()
    assert warned.status_code == 422
    assert f'name="link_to" value="{sr.number}"' in body and 'id="create-anyway"' in body and "又坏了" in body
    assert linked.status_code == 302 and anyway.status_code == 302
    newest = ServiceRequest.objects.exclude(pk=sr.pk).order_by("id")
    assert [r.linked_to_id for r in newest] == [sr.pk, None]


def test_new_request_customer_search_and_units_partials(client_for, alice, bob, carols_unit):
    client = client_for(alice)

    found = client.get("/console/requests/new/customers/?q=王卡罗").content.decode()
    units = client.get(f"/console/requests/new/units/?customer={carols_unit.customer_id}").content.decode()
    theirs = (
        client_for(bob)
        .get(f"/console/requests/new/units/?customer={carols_unit.customer_id}")
        .content.decode()
    )

    assert f'value="{carols_unit.customer_id}"' in found and "138****5678" in found
    assert f'<option value="{carols_unit.pk}"' in units and "SN-CAROL-1" in units
    assert "SN-CAROL-1" not in theirs


def test_roles_without_intake_cannot_open_the_new_request_page(client_for, tina, carol):
    assert client_for(tina).get("/console/requests/new/").status_code == 404
    assert client_for(carol).get("/console/requests/new/").status_code == 404
