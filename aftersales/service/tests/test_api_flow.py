"""The request lifecycle through the real HTTP API, as an integrator and a customer see it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.tokens import token_create
from aftersales.core import crypto
from aftersales.notifications import outbox
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def owned_unit(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol, email="carol@example.com")
    return UnitFactory(organization=org_a, customer=customer)


def test_field_job_from_creation_to_rating(client_for, alice, carol, owned_unit):
    # given an agent opening a repair for the customer's unit
    agent = client_for(alice)
    r = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "不制冷",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
            "channel": "phone",
        },
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert number.startswith("SR-") and r.json()["status"] == "new"
    # when staff walk it through the field path
    for name in ("accept", "assign", "start", "resolve"):
        r = _post(agent, f"/api/v1/requests/{number}/transitions", {"name": name})
        assert r.status_code == 200, (name, r.content)
    assert r.json()["status"] == "resolved"
    # then the customer rejects once (it reopens with the reason), and later accepts and rates
    agent.logout()
    customer = client_for(carol)
    r = _post(customer, f"/api/v1/requests/{number}/transitions", {"name": "customer_reject"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = _post(
        customer,
        f"/api/v1/requests/{number}/transitions",
        {"name": "customer_reject", "reason": "还是不制冷"},
    )
    assert r.json()["status"] == "reopened" and r.json()["reopen_count"] == 1
    sr = ServiceRequest.objects.get(number=number)
    sr.status = "resolved"
    sr.save()
    r = _post(customer, f"/api/v1/requests/{number}/transitions", {"name": "customer_accept"})
    assert r.json()["status"] == "closed"
    r = _post(
        customer,
        f"/api/v1/requests/{number}/rating",
        {"quality": 5, "speed": 4, "attitude": 5, "professionalism": 5, "price": 3, "comment": "好"},
    )
    assert r.status_code == 201 and r.json()["average"] == pytest.approx(4.4)
    kinds = list(RequestEvent.objects.filter(request__number=number).values_list("kind", flat=True))
    assert kinds.count("status") == 6 and "rating" in kinds
    # the create and every status change were queued for the customer by email (by the delivery
    # job, from the notices the changes wrote)
    outbox.expand_notices()
    assert OutboxMessage.objects.filter(channel="email", recipient="carol@example.com").count() >= 7


def test_invalid_transition_is_409_naming_allowed_ones(client_for, alice, owned_unit):
    agent = client_for(alice)
    number = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "噪音大",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
        },
    ).json()["number"]
    r = _post(agent, f"/api/v1/requests/{number}/transitions", {"name": "resolve"})
    assert r.status_code == 409
    assert r["Content-Type"] == "application/problem+json"
    assert "accept" in r.json()["errors"][0]["reason"]
    assert ServiceRequest.objects.get(number=number).status == "new"


def test_stale_version_is_409_and_changes_nothing(client_for, alice, owned_unit):
    agent = client_for(alice)
    body = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "漏水",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
        },
    ).json()
    number, version = body["number"], body["version"]
    ok = agent.patch(
        f"/api/v1/requests/{number}",
        data=json.dumps({"version": version, "priority": "high"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["priority"] == "high"
    stale = agent.patch(
        f"/api/v1/requests/{number}",
        data=json.dumps({"version": version, "priority": "low"}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert ServiceRequest.objects.get(number=number).priority == "high"


def test_idempotency_key_replays_and_rejects_a_different_body(client_for, alice, owned_unit):
    agent = client_for(alice)
    body = {"kind": "consultation", "description": "如何清洗滤网", "customer_id": owned_unit.customer_id}
    first = _post(agent, "/api/v1/requests", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = _post(agent, "/api/v1/requests", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert ServiceRequest.objects.count() == 1
    other = _post(agent, "/api/v1/requests", {**body, "description": "别的"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert ServiceRequest.objects.count() == 1


def test_open_request_on_the_unit_warns_and_offers_link(client_for, alice, owned_unit):
    agent = client_for(alice)
    body = {
        "kind": "repair",
        "description": "不制冷",
        "customer_id": owned_unit.customer_id,
        "unit_serial": owned_unit.serial_number,
    }
    first = _post(agent, "/api/v1/requests", body).json()["number"]
    dup = _post(agent, "/api/v1/requests", body)
    assert dup.status_code == 409 and first in dup.json()["detail"]
    linked = _post(agent, "/api/v1/requests", {**body, "link_to": first})
    assert linked.status_code == 201 and linked.json()["linked_to"] == first


def test_other_organization_and_other_customer_get_404(client_for, bob, cody, alice, owned_unit):
    number = _post(
        client_for(alice),
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "x",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
        },
    ).json()["number"]
    for outsider in (bob, cody):
        c = client_for(outsider)
        assert c.get(f"/api/v1/requests/{number}").status_code == 404
        assert _post(c, f"/api/v1/requests/{number}/transitions", {"name": "accept"}).status_code == 404
        assert _post(c, f"/api/v1/requests/{number}/messages", {"body": "hi"}).status_code == 404
        assert c.get("/api/v1/requests").json()["count"] == 0
    assert ServiceRequest.objects.get(number=number).status == "new"


def test_missing_description_and_unknown_serial_are_named(client_for, carol, owned_unit):
    c = client_for(carol)
    r = _post(
        c, "/api/v1/requests", {"kind": "repair", "description": "", "unit_serial": owned_unit.serial_number}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "description"
    r = _post(c, "/api/v1/requests", {"kind": "repair", "description": "坏了", "unit_serial": "NOPE"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_serial"
    assert ServiceRequest.objects.count() == 0


def test_created_request_is_answered_as_it_is_read_back(client_for, alice, carol, owned_unit):
    # The create answers from the object it made, without reading it back: the same body a GET gives.
    agent = client_for(alice)
    first = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "不制冷",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
            "fulfilment": "onsite",
        },
    ).json()
    linked = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "还是不制冷",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
            "link_to": first["number"],
            "priority": "high",
        },
    ).json()
    mine = _post(
        client_for(carol), "/api/v1/requests", {"kind": "consultation", "description": "怎么清洗滤网"}
    ).json()
    for body, reader in ((first, agent), (linked, agent), (mine, client_for(carol))):
        assert body == reader.get(f"/api/v1/requests/{body['number']}").json()
    assert linked["linked_to"] == first["number"] and linked["unit_serial"] == owned_unit.serial_number


def test_an_api_create_takes_the_customers_default_address_from_its_first_read(client_for, alice, owned_unit):
    # The unit read brings the customer's default address (is_default first, then the oldest);
    # the customer read of a consultation does the same.
    customer = owned_unit.customer
    AddressFactory(customer=customer, detail="旧地址1号", is_default=False, latitude=30.1, longitude=120.1)
    AddressFactory(customer=customer, detail="默认地址8号", is_default=True, latitude=30.2, longitude=120.2)
    agent = client_for(alice)
    repair = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "不制冷",
            "customer_id": customer.pk,
            "unit_serial": owned_unit.serial_number,
        },
    )
    consult = _post(
        agent,
        "/api/v1/requests",
        {"kind": "consultation", "description": "怎么清洗", "customer_id": customer.pk},
    )
    carry_in = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "consultation",
            "description": "送修点在哪",
            "customer_id": customer.pk,
            "fulfilment": "carry_in",
        },
    )
    assert {repair.status_code, consult.status_code, carry_in.status_code} == {201}
    for number in (repair.json()["number"], consult.json()["number"]):
        sr = ServiceRequest.objects.get(number=number)
        assert sr.address_detail == "默认地址8号" and sr.latitude == pytest.approx(30.2)
    assert ServiceRequest.objects.get(number=carry_in.json()["number"]).address_detail == ""


def test_an_api_create_for_a_customer_of_another_organization_is_refused(client_for, alice, org_b):
    theirs = UnitFactory(organization=org_b)
    agent = client_for(alice)
    by_unit = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "坏了",
            "customer_id": theirs.customer_id,
            "unit_serial": theirs.serial_number,
        },
    )
    by_customer = _post(
        agent,
        "/api/v1/requests",
        {"kind": "consultation", "description": "问", "customer_id": theirs.customer_id},
    )
    assert by_unit.status_code == 422 and by_customer.status_code == 422
    assert by_unit.json()["errors"][0]["field"] == "customer_id"
    assert ServiceRequest.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's path")
def test_a_postgresql_create_reads_a_few_rows_and_writes_once(client, alice, owned_unit):
    # as an integration calls it: a bearer token

    _token, raw = token_create(user=alice, name="erp")
    agent = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "kind": "repair",
        "description": "不制冷",
        "customer_id": owned_unit.customer_id,
        "unit_serial": owned_unit.serial_number,
        "channel": "phone",
    }
    # the organization's first requests set up its SLA calendar and policies and load them into
    # this process's caches: not these
    for _ in range(2):
        assert (
            _post(
                agent,
                "/api/v1/requests",
                {"kind": "consultation", "description": "问", "customer_id": owned_unit.customer_id},
            ).status_code
            == 201
        )
    with CaptureQueriesContext(connection) as queries:
        r = _post(agent, "/api/v1/requests", body)
    assert r.status_code == 201, r.content
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    # the request, its event, SLA state and clocks and the notice to the customer in one statement
    assert len(writes) == 1 and writes[0].startswith("WITH")
    for table in (
        "service_servicerequest",
        "service_requestevent",
        "sla_requestsla",
        "sla_slaclock",
        "notifications_outboxmessage",
    ):
        assert f'INSERT INTO "{table}"' in writes[0]
    # token (with the organization's settings stamp); unit with customer, model, address, open-request
    # flag and the new request's id; the write. The SLA calendar and policies and stations come
    # from this process's cache while the stamp stands (aftersales.accounts.config); webhooks are
    # the delivery job's business.
    assert len(queries) == 3, [q["sql"][:80] for q in queries.captured_queries]
    assert "nextval(" in queries.captured_queries[1]["sql"]
    sr = ServiceRequest.objects.get(number=r.json()["number"])
    assert sr.number == f"SR-{sr.created_at.year}-{sr.pk:06d}"
    assert sr.sla_clocks.count() >= 2 and sr.events.filter(kind="created").count() == 1
    assert list(
        OutboxMessage.objects.filter(dedupe_key__endswith=f"request:{sr.pk}:created").values_list(
            "channel", flat=True
        )
    ) == ["notice"]


def test_an_api_create_neither_decrypts_nor_encrypts_personal_data(
    client_for, alice, owned_unit, monkeypatch
):
    # The address is copied to the request as stored and shown masked, and the customer's phone is
    # read by the delivery job when it writes the SMS: a create spends no time on the cipher.

    AddressFactory(customer=owned_unit.customer, detail="科技路 1 号")
    agent = client_for(alice)
    calls: list[str] = []
    for name in ("encrypt", "decrypt"):
        real = getattr(crypto, name)
        monkeypatch.setattr(
            crypto, name, lambda value, _name=name, _real=real: calls.append(_name) or _real(value)
        )
    r = _post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "不制冷",
            "customer_id": owned_unit.customer_id,
            "unit_serial": owned_unit.serial_number,
        },
    )
    assert r.status_code == 201, r.content
    assert calls == []
    sr = ServiceRequest.objects.get(number=r.json()["number"])
    assert sr.address_detail == "科技路 1 号" and calls == ["decrypt"]  # the copy reads back as the address
    outbox.expand_notices()
    assert OutboxMessage.objects.get(channel="sms").recipient_phone == owned_unit.customer.phone


def _repair(agent, unit):
    """A repair on ``unit`` opened through the API, as the API answers it."""
    body = {
        "kind": "repair",
        "description": "漏水",
        "customer_id": unit.customer_id,
        "unit_serial": unit.serial_number,
    }
    return _post(agent, "/api/v1/requests", body).json()


@pytest.mark.parametrize("field", ["subject", "priority", "kind", "fulfilment"])
def test_a_null_for_a_required_field_is_422_naming_it_and_changes_nothing(
    client_for, alice, owned_unit, field
):
    agent = client_for(alice)
    body = _repair(agent, owned_unit)
    # when
    answer = agent.patch(
        f"/api/v1/requests/{body['number']}",
        data=json.dumps({"version": body["version"], field: None}),
        content_type="application/json",
    )
    # then
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"].startswith("application/problem+json")
    assert field in json.dumps(answer.json())
    assert ServiceRequest.objects.get(number=body["number"]).version == body["version"]


def test_a_technician_cannot_assign_or_edit_a_request_and_a_quality_manager_cannot_cancel_it(
    client_for, alice, tina, quinn, owned_unit
):
    body = _repair(client_for(alice), owned_unit)
    number, version = body["number"], body["version"]
    technician, quality = client_for(tina), client_for(quinn)
    # when
    answers = [
        _post(technician, f"/api/v1/requests/{number}/assign", {"username": "tina"}),
        technician.patch(
            f"/api/v1/requests/{number}",
            data=json.dumps({"version": version, "priority": "urgent"}),
            content_type="application/json",
        ),
        _post(quality, f"/api/v1/requests/{number}/transitions", {"name": "cancel", "reason": "测试"}),
    ]
    # then
    assert [a.status_code for a in answers] == [403, 403, 403]
    unchanged = ServiceRequest.objects.get(number=number)
    assert (unchanged.version, unchanged.assignee_id, unchanged.status) == (version, None, "new")
