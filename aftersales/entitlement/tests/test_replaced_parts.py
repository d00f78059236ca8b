"""Parts replaced on a repair (dispatch's PartUsage rows) reach the engine as RepairVisit.part_replaced."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from aftersales.catalog.models import SparePart
from aftersales.dispatch.models import PartUsage, RepairRecord
from aftersales.entitlement import facts as build
from aftersales.entitlement.policy import CORE_ASSEMBLIES, OptionKind, RequestKind
from aftersales.service.models import ServiceRequest
from aftersales.testing.factories import SparePartFactory, UnitFactory

from .conftest import ago, at, repair, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(car_model, carol_customer):
    """A sedan delivered 200 days ago: inside its 三包 period (24 months / 50,000 km)."""
    return UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="LSVCAR0000001",
        purchase_date=ago(200),
        delivery_date=ago(200),
        invoice_amount=Decimal("150000.00"),
        sales_channel="offline",
    )


@pytest.fixture
def gearbox(car_model):
    part = SparePartFactory(
        organization=car_model.organization,
        part_number="HJ-SEDAN-002",
        name="变速器总成",
        price=Decimal("18000.00"),
        is_main_part=True,
    )
    part.fits.add(car_model)
    return part


def part(model: Any, number: str, name: str, *, main: bool = False) -> SparePart:
    spare = SparePartFactory(
        organization=model.organization, part_number=number, name=name, is_main_part=main
    )
    spare.fits.add(model)
    return spare


def fitted(
    sr: ServiceRequest, *parts: SparePart, covered: bool = True, completed: date | None = None
) -> RepairRecord:
    """The repair record of a finished repair, with the parts it fitted (as dispatch's visit flow leaves it)."""
    done = completed or (sr.resolved_at.date() if sr.resolved_at else None)
    record = RepairRecord.objects.create(
        organization=sr.organization,
        request=sr,
        fault_code=sr.fault_category,
        created_at=sr.created_at,
        completed_at=at(done, 15) if done else None,
    )
    for spare in parts:
        PartUsage.objects.create(
            record=record,
            spare_part=spare,
            quantity=1,
            unit_price=spare.price,
            covered=covered,
            serial_in=f"NEW-{spare.part_number}",
            serial_out=f"OLD-{spare.part_number}",
        )
    return record


def fails_again(unit: Any) -> Any:
    return build.inputs_for_unit(unit, on=today(), kind=RequestKind.EXCHANGE, odometer_km=12000).evaluate()


def visits_of(unit: Any) -> Any:
    return build.facts_for_unit(unit, on=today(), odometer_km=12000).repairs


# --- The transmission replaced twice -----------------------------------------------------------


def test_a_transmission_replaced_twice_that_fails_again_opens_exchange_or_return(car, gearbox):
    # given two closed repairs within the 三包 period, each fitting a new transmission assembly
    fitted(repair(car, dropped=ago(150), resolved=ago(145), fault="gearbox_slip"), gearbox)
    fitted(repair(car, dropped=ago(90), resolved=ago(84), fault="gearbox_slip"), gearbox)
    # when the car fails again
    decision = fails_again(car)
    # then the core-assembly rule (第二十四条) offers an exchange and a return, with use compensation
    assert [v.part_replaced for v in visits_of(car)] == ["transmission", "transmission"]
    assert {o.rule_id for o in decision.options if o.kind in (OptionKind.EXCHANGE, OptionKind.RETURN)} == {
        "car.core_replaced_twice"
    }
    exchange = decision.find(OptionKind.EXCHANGE, "car.core_replaced_twice")
    refund = decision.find(OptionKind.RETURN, "car.core_replaced_twice")
    assert exchange is not None and refund is not None
    assert exchange.basis.article == "第二十四条"
    assert "2" in exchange.reason_zh
    assert refund.amounts.use_compensation > 0 and refund.amounts.refund < Decimal("150000.00")


def test_a_transmission_replaced_once_opens_no_exchange(car, gearbox):
    # given one repair that fitted a transmission and one that fitted nothing
    fitted(repair(car, dropped=ago(150), resolved=ago(145), fault="gearbox_slip"), gearbox)
    repair(car, dropped=ago(90), resolved=ago(84), fault="noise")
    # when
    decision = fails_again(car)
    # then only the repair is offered
    assert decision.find(OptionKind.EXCHANGE) is None and decision.find(OptionKind.RETURN) is None
    assert decision.find(OptionKind.FREE_REPAIR, "car.free_repair") is not None
    assert [v.part_replaced for v in visits_of(car)] == ["transmission", None]


def test_a_transmission_fitted_after_the_request_date_does_not_count(car, gearbox):
    fitted(repair(car, dropped=ago(150), resolved=ago(145)), gearbox)
    second = repair(car, dropped=ago(20), resolved=ago(5))
    fitted(second, gearbox)

    as_of_then = build.inputs_for_unit(car, on=ago(10), kind=RequestKind.EXCHANGE, odometer_km=12000)

    assert [v.part_replaced for v in as_of_then.facts.repairs] == ["transmission", None]
    assert as_of_then.evaluate().find(OptionKind.EXCHANGE, "car.core_replaced_twice") is None


def test_a_charged_part_is_not_a_quality_replacement(car, gearbox):
    fitted(repair(car, dropped=ago(150), resolved=ago(145)), gearbox)
    fitted(repair(car, dropped=ago(90), resolved=ago(84)), gearbox, covered=False)

    assert [v.part_replaced for v in visits_of(car)] == ["transmission", None]
    assert fails_again(car).find(OptionKind.EXCHANGE, "car.core_replaced_twice") is None


# --- Main parts and what a visit reports -------------------------------------------------------


def test_the_same_main_part_replaced_twice_opens_the_main_part_rule(car, car_model):
    rack = part(car_model, "HJ-SEDAN-010", "转向机", main=True)
    pads = part(car_model, "HJ-SEDAN-003", "刹车片")
    fitted(repair(car, dropped=ago(150), resolved=ago(145)), pads, rack)
    fitted(repair(car, dropped=ago(90), resolved=ago(84)), rack)

    decision = fails_again(car)

    assert [v.part_replaced for v in visits_of(car)] == ["转向机", "转向机"]
    assert decision.find(OptionKind.EXCHANGE, "car.part_replaced_twice") is not None
    assert decision.find(OptionKind.EXCHANGE, "car.core_replaced_twice") is None


def test_a_core_assembly_outranks_a_main_part_and_a_main_part_any_other(car, car_model, gearbox):
    rack = part(car_model, "HJ-SEDAN-010", "转向机", main=True)
    pads = part(car_model, "HJ-SEDAN-003", "刹车片")
    fitted(repair(car, dropped=ago(150), resolved=ago(145)), pads, rack, gearbox)
    fitted(repair(car, dropped=ago(120), resolved=ago(118)), pads, rack)
    fitted(repair(car, dropped=ago(90), resolved=ago(88)), pads)

    assert [v.part_replaced for v in visits_of(car)] == ["transmission", "转向机", "刹车片"]


def test_goods_report_their_main_part_by_name(old_unit, tv_model):
    panel = SparePart.objects.get(part_number="P-PANEL")
    engine_named = part(tv_model, "P-ENG", "发动机")  # no core assemblies outside the car rules
    fitted(repair(old_unit, dropped=ago(700), resolved=ago(690)), engine_named, panel)
    fitted(repair(old_unit, dropped=ago(600), resolved=ago(590)), engine_named)

    assert [v.part_replaced for v in build.facts_for_unit(old_unit, on=today()).repairs] == [
        "panel",
        "发动机",
    ]


def test_all_visits_parts_come_in_one_query(car, gearbox, django_assert_num_queries):
    requests = [
        fitted(repair(car, dropped=ago(d), resolved=ago(d - 3)), gearbox).request for d in (150, 120, 90)
    ]

    with django_assert_num_queries(1):
        found = build.parts_replaced(requests, on=today(), organization=car.organization)

    assert sorted(len(usages) for usages in found.values()) == [1, 1, 1]


# --- Part names to core-assembly kinds ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("发动机", "engine"),
        ("发动机总成", "engine"),
        ("2.0T发动机总成（再制造）", "engine"),
        ("Engine Assy", "engine"),
        ("变速器总成", "transmission"),
        ("CVT变速箱", "transmission"),
        ("7速双离合变速器总成", "transmission"),
        ("Transmission assembly", "transmission"),
        ("动力电池包", "power_battery"),
        ("动力蓄电池总成", "power_battery"),
        ("Power battery pack", "power_battery"),
        ("驱动电机", "drive_motor"),
        ("前驱动电机总成", "drive_motor"),
        ("行驶驱动电机", "drive_motor"),
        ("发动机支架", None),
        ("变速器油", None),
        ("动力电池冷却管", None),
        ("驱动电机控制器", None),
        ("蓄电池", None),
        ("刹车片", None),
        ("engine mount", None),
    ],
)
def test_core_assemblies_are_named_by_the_spare_part(name: str, kind: str | None) -> None:
    assert build.core_assembly(SparePart(name=name, part_number="X")) == kind


def test_the_mapping_covers_exactly_the_engines_core_assemblies() -> None:
    assert set(build.CORE_ASSEMBLY_WORDS) == CORE_ASSEMBLIES
