"""The same facts set from the console: the unit's voucher and use, a repair's 三包 facts."""

from __future__ import annotations

import pytest

from aftersales.dispatch.models import RepairRecord
from aftersales.entitlement.models import UnitFacts
from aftersales.testing.factories import UnitFactory

from .conftest import ago, repair

pytestmark = pytest.mark.django_db


def test_an_agent_records_a_car_used_for_hire_and_the_check_page_says_so(
    client_for,
    alice,
    car_model,
    carol_customer,
):
    unit = UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR009",
        purchase_date=ago(20),
        delivery_date=ago(20),
    )
    page = client_for(alice)

    form = page.get(f"/console/entitlement/units/{unit.pk}/facts/")
    assert form.status_code == 200 and "营运" in form.content.decode()
    bad = page.post(
        f"/console/entitlement/units/{unit.pk}/facts/",
        {"voucher": "present", "usage": "taxi", "note": "网约车"},
    )
    assert bad.status_code == 422 and "网约车" in bad.content.decode()  # what was typed is kept
    r = page.post(
        f"/console/entitlement/units/{unit.pk}/facts/",
        {"voucher": "present", "usage": "commercial", "note": "网约车"},
    )
    assert r.status_code == 302
    assert UnitFacts.objects.get(unit=unit).usage == "commercial"

    section = page.get(f"/console/entitlement/units/{unit.pk}/").content.decode()
    assert 'id="unit-facts"' in section and "营运" in section
    check = page.get(
        "/console/entitlement/", {"serial": "CAR009", "fault": "brake_failure", "odometer_km": "100"}
    )
    assert "用于出租或其他营运目的" in check.content.decode()


def test_a_technician_records_a_serious_safety_repair(client_for, tina, car_model, carol_customer):
    unit = UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR010",
        purchase_date=ago(20),
        delivery_date=ago(20),
    )
    sr = repair(unit, dropped=ago(5), resolved=ago(4))
    page = client_for(tina)

    missing = page.post(
        f"/console/entitlement/requests/{sr.number}/repair-facts/",
        {"serious_safety": "on", "fault_system": "brake", "odometer_km": "3000"},
    )
    assert missing.status_code == 422 and "请填写修理者名称" in missing.content.decode()
    r = page.post(
        f"/console/entitlement/requests/{sr.number}/repair-facts/",
        {"serious_safety": "on", "fault_system": "brake", "authorized_repairer": "on", "odometer_km": "3000"},
    )

    assert r.status_code == 302, r.content.decode()[:1500]
    record = RepairRecord.objects.get(request=sr)
    assert record.serious_safety and record.fault_system == "brake" and record.odometer_km == 3000


def test_other_roles_and_organizations_cannot_reach_the_fact_forms(
    client_for,
    bob,
    quinn,
    car_model,
    carol_customer,
):
    unit = UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR011",
        purchase_date=ago(20),
        delivery_date=ago(20),
    )
    sr = repair(unit, dropped=ago(5), resolved=ago(4))

    for user in (bob, quinn):
        page = client_for(user)
        assert page.get(f"/console/entitlement/units/{unit.pk}/facts/").status_code == 404
        assert page.get(f"/console/entitlement/requests/{sr.number}/repair-facts/").status_code == 404
        page.logout()
