"""Facts the rules turn on, set through the API and read back in /api/v1/entitlements (real HTTP requests).

Each test sets one fact where it arises (the unit, the inspection, the repair record), asks for the
unit's entitlements again and sees the rule's outcome and its legal basis change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aftersales.testing.factories import UnitFactory

from .conftest import ago, post, repair

pytestmark = pytest.mark.django_db


def patch(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def kinds(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(o["kind"], o["rule_id"]) for o in body["options"]}


def refusal(body: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in body["refusals"] if r["rule_id"] == rule_id)


@pytest.fixture
def car_unit(car_model, carol_customer):
    return UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR001",
        purchase_date=ago(20),
        delivery_date=ago(20),
        invoice_amount=150000,
        sales_channel="offline",
    )


def test_a_car_used_for_hire_loses_the_car_rules_through_the_api(client_for, alice, car_unit):
    api = client_for(alice)
    ask = {"serial": "CAR001", "fault": "brake_failure", "odometer_km": 800}
    before = api.get("/api/v1/entitlements", ask).json()
    assert ("return", "car.severe_60d") in kinds(before)

    r = patch(api, "/api/v1/units/CAR001/entitlement-facts", {"usage": "commercial", "note": "网约车"})
    assert r.status_code == 200, r.content
    assert r.json()["usage"] == "commercial"

    after = api.get("/api/v1/entitlements", ask).json()
    assert kinds(after) == {("paid_repair", "car.paid_repair")}
    excluded = refusal(after, "car.excluded")
    assert excluded["basis"]["document"] == "《家用汽车产品修理更换退货责任规定》"
    assert "营运" in excluded["reason_zh"]
    assert api.get("/api/v1/units/CAR001/entitlement-facts").json()["usage"] == "commercial"


def test_an_altered_voucher_takes_goods_out_of_sanbao(client_for, alice, old_unit, online_unit):
    api = client_for(alice)
    ask = {"serial": "TV0001", "fault": "performance", "kind": "repair"}
    assert ("free_repair", "goods.free_repair") in kinds(api.get("/api/v1/entitlements", ask).json())

    assert patch(api, "/api/v1/units/TV0001/entitlement-facts", {"voucher": "altered"}).status_code == 200

    after = api.get("/api/v1/entitlements", ask).json()
    assert ("free_repair", "goods.free_repair") not in kinds(after)
    assert ("paid_repair", "goods.paid_repair") in kinds(after)
    excluded = refusal(after, "goods.excluded")
    assert excluded["basis"]["document"] == "《部分商品修理更换退货责任规定》"
    assert "涂改" in excluded["reason_zh"]


def test_a_missing_voucher_matters_only_without_an_invoice(client_for, alice, tv_model, carol_customer):
    UnitFactory(
        organization=tv_model.organization,
        product_model=tv_model,
        customer=carol_customer,
        serial_number="TV-NOINV",
        purchase_date=ago(30),
        delivery_date=ago(30),
        invoice_number="",
        invoice_amount=2999,
        sales_channel="offline",
    )
    UnitFactory(
        organization=tv_model.organization,
        product_model=tv_model,
        customer=carol_customer,
        serial_number="TV-INV",
        purchase_date=ago(30),
        delivery_date=ago(30),
        invoice_amount=2999,
        sales_channel="offline",
    )
    api = client_for(alice)
    for serial in ("TV-NOINV", "TV-INV"):
        assert (
            patch(api, f"/api/v1/units/{serial}/entitlement-facts", {"voucher": "missing"}).status_code == 200
        )

    no_invoice = api.get("/api/v1/entitlements", {"serial": "TV-NOINV"}).json()
    with_invoice = api.get("/api/v1/entitlements", {"serial": "TV-INV"}).json()

    assert "无三包凭证及有效发票" in refusal(no_invoice, "goods.excluded")["reason_zh"]
    assert ("free_repair", "goods.free_repair") in kinds(with_invoice)


def test_a_voucher_that_does_not_match_found_at_inspection(client_for, alice, online_unit):
    api = client_for(alice)
    created = post(
        api,
        "/api/v1/returns",
        {"serial": "TV0001", "kind": "exchange", "fault": "performance", "description": "有亮点"},
    ).json()
    number = created["number"]
    for step, body in (("approve", {}), ("receive", {})):
        r = post(api, f"/api/v1/returns/{number}/{step}", body)
        assert r.status_code == 200, (step, r.content)

    r = post(api, f"/api/v1/returns/{number}/inspection", {"findings": {"voucher_mismatch": True}})
    assert r.status_code == 200, r.content

    after = api.get("/api/v1/entitlements", {"serial": "TV0001", "kind": "exchange"}).json()
    assert "型号不符" in refusal(after, "goods.excluded")["reason_zh"]
    assert not {k for k, _ in kinds(after)} & {"exchange", "free_repair"}


def test_a_serious_safety_fault_repaired_twice_opens_a_car_return(client_for, alice, car_unit):
    first = repair(car_unit, dropped=ago(15), resolved=ago(14), fault="abs")
    second = repair(car_unit, dropped=ago(10), resolved=ago(9), fault="abs")
    api = client_for(alice)
    ask = {"serial": "CAR001", "fault": "serious_safety", "odometer_km": 5000}
    assert "car.serious_fault_twice" not in {
        rid for _, rid in kinds(api.get("/api/v1/entitlements", ask).json())
    }

    for sr in (first, second):
        r = patch(
            api,
            f"/api/v1/requests/{sr.number}/repair-record",
            {"serious_safety": True, "fault_system": "brake", "odometer_km": 4000},
        )
        assert r.status_code == 200, r.content
        assert r.json()["serious_safety"] is True and r.json()["fault_system"] == "brake"

    body = api.get("/api/v1/entitlements", ask).json()
    option = next(
        o for o in body["options"] if o["rule_id"] == "car.serious_fault_twice" and o["kind"] == "return"
    )
    assert option["basis"]["article"] == "第二十四条"
    assert option["basis"]["citation"] == "《家用汽车产品修理更换退货责任规定》第二十四条"
    assert "严重安全性能故障已修理2次" in option["reason_zh"]


def test_a_repair_by_an_unauthorized_repairer_is_not_counted(client_for, alice, car_unit):
    visits = [
        repair(car_unit, dropped=ago(15 - 2 * i), resolved=ago(14 - 2 * i), fault="abs") for i in range(2)
    ]
    api = client_for(alice)
    for sr in visits:
        patch(api, f"/api/v1/requests/{sr.number}/repair-record", {"serious_safety": True})
    ask = {"serial": "CAR001", "fault": "serious_safety", "odometer_km": 5000}
    assert ("return", "car.serious_fault_twice") in kinds(api.get("/api/v1/entitlements", ask).json())

    refused = patch(api, f"/api/v1/requests/{visits[0].number}/repair-record", {"authorized_repairer": False})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["repairer_name"]
    r = patch(
        api,
        f"/api/v1/requests/{visits[0].number}/repair-record",
        {"authorized_repairer": False, "repairer_name": "路边快修店"},
    )
    assert r.status_code == 200, r.content

    after = api.get("/api/v1/entitlements", ask).json()
    assert ("return", "car.serious_fault_twice") not in kinds(after)
    assert after["facts_used"]["repairs_counted"] == 1


def test_bad_facts_answer_422_naming_the_field(client_for, alice, car_unit):
    api = client_for(alice)
    sr = repair(car_unit, dropped=ago(5), resolved=ago(4))

    r1 = patch(api, "/api/v1/units/CAR001/entitlement-facts", {"usage": "taxi"})
    r2 = patch(api, f"/api/v1/requests/{sr.number}/repair-record", {"odometer_km": -3})

    for r, field in ((r1, "usage"), (r2, "odometer_km")):
        assert r.status_code == 422, r.content
        assert r["Content-Type"] == "application/problem+json"
        assert field in json.dumps(r.json()["errors"])


def test_another_organization_and_customers_cannot_set_facts(client_for, bob, carol, car_unit):
    sr = repair(car_unit, dropped=ago(5), resolved=ago(4))

    other = client_for(bob)
    assert patch(other, "/api/v1/units/CAR001/entitlement-facts", {"usage": "commercial"}).status_code == 404
    assert (
        patch(other, f"/api/v1/requests/{sr.number}/repair-record", {"serious_safety": True}).status_code
        == 404
    )
    other.logout()

    owner = client_for(carol)
    assert owner.get("/api/v1/units/CAR001/entitlement-facts").json()["usage"] == "household"
    assert patch(owner, "/api/v1/units/CAR001/entitlement-facts", {"usage": "commercial"}).status_code == 403
