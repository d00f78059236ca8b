"""GET /api/v1/entitlements and /api/v1/returns as integrators and customers use them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftersales.entitlement.models import ReturnAuthorization
from aftersales.service.models import ServiceRequest
from aftersales.testing.factories import UnitFactory

from .conftest import ago, post, today

pytestmark = pytest.mark.django_db


def test_entitlements_by_serial_give_options_reasons_basis_and_deadlines(client_for, alice, online_unit):
    api = client_for(alice)

    r = api.get("/api/v1/entitlements", {"serial": "TV0001", "kind": "return", "fault": "none"})

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["unit"] == {
        "serial": "TV0001",
        "model": "TV-55",
        "category": "tv",
        "organization": "acme",
        "returned": False,
    }
    first = body["options"][0]
    assert first["kind"] == "return" and first["rule_id"] == "online.no_reason_return"
    assert first["deadline"] == (ago(3) + timedelta(days=7)).isoformat()
    assert first["basis"]["citation"] == "《网络购买商品七日无理由退货暂行办法》"
    assert first["reason"] == first["reason_zh"] and "七日无理由退货" in first["reason"]
    assert first["refund_due_days"] == 7 and first["amounts"]["refund"] == "2999.00"
    assert body["facts_used"]["no_reason_deadline"] == first["deadline"]
    assert body["evaluated_on"] == today().isoformat()


def test_reasons_follow_the_request_language(client_for, alice, online_unit):
    api = client_for(alice)

    r = api.get("/api/v1/entitlements", {"serial": "TV0001", "fault": "none"}, HTTP_ACCEPT_LANGUAGE="en")

    option = r.json()["options"][0]
    assert option["reason"] == option["reason_en"] and "no-reason return" in option["reason"]


def test_entitlements_by_request_number(client_for, alice, carol, online_unit):
    customer = client_for(carol)
    created = post(
        customer,
        "/api/v1/returns",
        {"serial": "TV0001", "kind": "return", "fault": "none", "description": "不想要了"},
    )
    number = created.json()["request"]
    customer.logout()

    r = client_for(alice).get("/api/v1/entitlements", {"request": number})

    assert r.status_code == 200 and r.json()["request"] == number
    assert r.json()["facts_used"]["request_kind"] == "return"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"odometer_km": -5}, "odometer_km"),
        ({"on": (today() + timedelta(days=3)).isoformat()}, "on"),
        ({"on": ago(30).isoformat()}, "purchased_on"),
        ({"kind": "teleport"}, "kind"),
        ({"on": "yesterday"}, "on"),
    ],
)
def test_impossible_facts_answer_422_naming_the_field(client_for, alice, online_unit, params, field):
    r = client_for(alice).get("/api/v1/entitlements", {"serial": "TV0001", **params})

    assert r.status_code == 422, r.content
    assert r["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]


def test_a_car_without_odometer_is_422(client_for, alice, car_model, carol_customer):
    UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR001",
        purchase_date=ago(10),
        delivery_date=ago(10),
    )
    api = client_for(alice)

    missing = api.get("/api/v1/entitlements", {"serial": "CAR001", "fault": "brake_failure"})
    given = api.get(
        "/api/v1/entitlements", {"serial": "CAR001", "fault": "brake_failure", "odometer_km": 900}
    )

    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "odometer_km"
    assert given.status_code == 200 and "car.severe_60d" in [o["rule_id"] for o in given.json()["options"]]


def test_other_organizations_and_customers_see_404(client_for, bob, cody, online_unit):
    assert client_for(bob).get("/api/v1/entitlements", {"serial": "TV0001"}).status_code == 404
    assert client_for(cody).get("/api/v1/entitlements", {"serial": "TV0001"}).status_code == 404
    assert (
        post(client_for(cody), "/api/v1/returns", {"serial": "TV0001", "description": "x"}).status_code == 404
    )


def test_refund_through_the_returns_api(client_for, alice, carol, online_unit):
    # given the customer asks through the app
    customer = client_for(carol)
    r = post(
        customer,
        "/api/v1/returns",
        {"serial": "TV0001", "kind": "return", "fault": "none", "description": "不想要了", "channel": "app"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    number = body["number"]
    assert (
        body["status"] == "requested" and body["eligible"] is True and body["options"][0]["kind"] == "return"
    )
    # customers cannot approve their own return
    assert post(customer, f"/api/v1/returns/{number}/approve", {}).status_code == 403
    customer.logout()
    # when the agent approves and the goods come back
    agent = client_for(alice)
    r = post(agent, f"/api/v1/returns/{number}/approve", {"option": "return:online.no_reason_return"})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.content
    stale = r.json()["version"] - 1
    assert post(agent, f"/api/v1/returns/{number}/receive", {"version": stale}).status_code == 409
    assert post(agent, f"/api/v1/returns/{number}/receive", {}).json()["status"] == "received"
    r = post(agent, f"/api/v1/returns/{number}/inspection", {"findings": {"package_opened": True}})
    assert r.json()["status"] == "inspected" and r.json()["eligible"] is True
    r = post(agent, f"/api/v1/returns/{number}/refund", {"method": "original_payment"})
    assert r.json()["status"] == "refund_pending" and r.json()["refund_amount"] == "2999.00"
    assert r.json()["refund_due_on"] == (today() + timedelta(days=7)).isoformat()
    r = post(agent, f"/api/v1/returns/{number}/refund-paid", {"reference": "WX-9"})
    assert r.json()["status"] == "refunded"
    # then the decisions can be explained from their facts
    decisions = agent.get(f"/api/v1/returns/{number}/decisions").json()
    assert [d["outcome"] for d in decisions] == ["refund", "approved"]
    assert decisions[0]["facts"]["facts"]["condition"]["package_opened"] is True
    listing = agent.get("/api/v1/returns", {"status": "refunded"}).json()
    assert listing["count"] == 1 and listing["items"][0]["number"] == number


def test_exchange_and_rejection_through_the_api(client_for, alice, online_unit, old_unit):
    agent = client_for(alice)
    ex = post(
        agent,
        "/api/v1/returns",
        {"serial": "TV0001", "kind": "exchange", "fault": "performance", "description": "屏幕闪"},
    ).json()["number"]
    post(agent, f"/api/v1/returns/{ex}/approve", {})
    post(agent, f"/api/v1/returns/{ex}/shipment", {"carrier": "顺丰", "tracking": "SF1"})
    post(agent, f"/api/v1/returns/{ex}/receive", {})
    post(agent, f"/api/v1/returns/{ex}/inspection", {"findings": {}})
    r = post(
        agent,
        f"/api/v1/returns/{ex}/exchange",
        {"new_serial": "TV7777", "carrier": "京东", "tracking": "JD9"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["replacement_serial"] == "TV7777" and r.json()["unit_serial"] == "TV0001"
    assert agent.get("/api/v1/entitlements", {"serial": "TV0001"}).json()["unit"]["returned"] is True
    restarted = agent.get("/api/v1/entitlements", {"serial": "TV7777"}).json()
    assert restarted["facts_used"]["period_start"] == today().isoformat()

    rj = post(
        agent,
        "/api/v1/returns",
        {"serial": "TV0002", "kind": "return", "fault": "performance", "description": "坏了"},
    ).json()
    assert rj["eligible"] is False
    empty = post(agent, f"/api/v1/returns/{rj['number']}/reject", {"reason": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    r = post(agent, f"/api/v1/returns/{rj['number']}/reject", {"reason": "超过三包有效期"})
    assert r.json()["status"] == "rejected" and r.json()["rejection_reason"] == "超过三包有效期"
    assert ServiceRequest.objects.get(number=rj["request"]).status == "cancelled"


def test_bad_return_input_is_422_and_changes_nothing(client_for, alice, online_unit):
    agent = client_for(alice)
    number = post(agent, "/api/v1/returns", {"serial": "TV0001", "fault": "none", "description": "x"}).json()[
        "number"
    ]
    post(agent, f"/api/v1/returns/{number}/approve", {})

    future = post(
        agent,
        f"/api/v1/returns/{number}/shipment",
        {"carrier": "顺丰", "tracking": "1", "shipped_on": (today() + timedelta(days=1)).isoformat()},
    )
    blank = post(agent, f"/api/v1/returns/{number}/shipment", {"carrier": "", "tracking": "1"})
    nul = post(agent, f"/api/v1/returns/{number}/shipment", {"carrier": "a\u0000", "tracking": "1"})

    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "shipped_on"
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "carrier"
    assert nul.status_code == 422
    assert ReturnAuthorization.objects.get(number=number).status == "approved"
    assert agent.get("/api/v1/returns/RA-0000-999999").status_code == 404


def test_quotes_through_the_api(client_for, alice, carol, old_unit):
    agent = client_for(alice)
    sr = post(
        agent,
        "/api/v1/requests",
        {
            "kind": "repair",
            "description": "不开机",
            "customer_id": old_unit.customer_id,
            "unit_serial": "TV0002",
        },
    ).json()["number"]
    post(agent, f"/api/v1/requests/{sr}/transitions", {"name": "accept"})
    r = post(
        agent,
        "/api/v1/quotes",
        {
            "request": sr,
            "lines": [
                {"kind": "part", "part": "P-PANEL"},
                {"kind": "labour", "description": "工时", "unit_price": "120"},
            ],
        },
    )
    assert r.status_code == 201, r.content
    quote = r.json()
    assert quote["status"] == "sent" and quote["payable"] == "1020.00"
    agent.logout()
    customer = client_for(carol)
    r = post(customer, f"/api/v1/quotes/{quote['id']}/decline", {"reason": "不修了"})
    assert r.json()["status"] == "declined"
    assert customer.get(f"/api/v1/requests/{sr}").json()["status"] == "in_progress"


def test_a_car_quote_takes_the_odometer_that_decides_whether_the_repair_is_free(
    client_for,
    alice,
    car_model,
    carol_customer,
):
    UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR009",
        purchase_date=ago(400),
        delivery_date=ago(400),
        invoice_amount=150000,
    )
    agent = client_for(alice)
    sr = post(
        agent,
        "/api/v1/requests",
        {"kind": "repair", "description": "异响", "customer_id": carol_customer.pk, "unit_serial": "CAR009"},
    ).json()["number"]
    post(agent, f"/api/v1/requests/{sr}/transitions", {"name": "accept"})
    labour = [{"kind": "labour", "description": "工时", "unit_price": "300"}]

    missing = post(agent, "/api/v1/quotes", {"request": sr, "lines": labour})
    within = post(agent, "/api/v1/quotes", {"request": sr, "lines": labour, "odometer_km": 20_000})
    past = post(agent, "/api/v1/quotes", {"request": sr, "lines": labour, "odometer_km": 70_000})

    assert missing.status_code == 422 and "odometer_km" in missing.content.decode()
    assert within.status_code == 409  # inside 3 years / 60,000 km the repair is free: nothing to quote
    assert past.status_code == 201, past.content
    assert past.json()["payable"] == "300.00"
