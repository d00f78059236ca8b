"""The engine's facts built from the database: the sale, the terms, and the unit's history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from aftersales.catalog.models import PartWarrantyOverride
from aftersales.entitlement import facts as build
from aftersales.entitlement import services, snapshot
from aftersales.entitlement.models import (
    CategoryPolicy,
    ConditionReport,
    EntitlementDecision,
    ExtendedWarrantyContract,
    Quote,
    ReturnAuthorization,
    WarrantyClaim,
)
from aftersales.entitlement.policy import (
    Exchange,
    FaultType,
    NoReasonExclusion,
    OptionKind,
    PartTerm,
    RepairVisit,
    RequestKind,
    SaleChannel,
)
from aftersales.service.models import Status
from aftersales.testing.factories import SparePartFactory, UnitFactory

from .conftest import ago, at, repair, today

pytestmark = pytest.mark.django_db


def test_sale_terms_and_channel_come_from_the_unit_and_its_model(online_unit, tv_model):
    # given a compressor-like part with its own longer period
    part = SparePartFactory(organization=tv_model.organization, part_number="P-MB", name="mainboard")
    PartWarrantyOverride.objects.create(product_model=tv_model, spare_part=part, months=48)
    # when
    facts = build.facts_for_unit(online_unit, on=today())
    # then
    assert facts.price == Decimal("2999.00")
    assert facts.purchased_on == ago(5) and facts.delivered_on == ago(3)
    assert facts.invoiced_on == ago(5)  # the unit has an invoice number
    assert facts.channel == SaleChannel.ONLINE
    assert facts.terms.category == "tv" and facts.terms.whole_unit_months == 12
    assert facts.terms.main_parts == ("panel",)
    assert facts.terms.part_overrides == (PartTerm("mainboard", 48),)
    assert facts.repairs == () and facts.exchanges == () and facts.contracts == () and facts.condition is None


def test_without_an_invoice_amount_the_list_price_is_the_price(online_unit):
    online_unit.invoice_amount = Decimal("0")
    online_unit.invoice_number = ""
    online_unit.save()

    facts = build.facts_for_unit(online_unit, on=today())

    assert facts.price == Decimal("2999.00") and facts.invoiced_on is None


def test_closed_repairs_are_visits_with_days_waiting_for_parts(old_unit):
    # given two closed repairs, one of which waited 12 days for parts, one cancelled and one never accepted
    repair(old_unit, dropped=ago(700), resolved=ago(690), fault="no_picture")
    repair(old_unit, dropped=ago(600), resolved=ago(570), fault="no_picture", waits=((ago(598), ago(586)),))
    repair(old_unit, dropped=ago(500), resolved=None, status=Status.CANCELLED)
    repair(old_unit, dropped=ago(400), resolved=None, status=Status.NEW)
    # when
    visits = build.facts_for_unit(old_unit, on=today()).repairs
    # then
    assert [(v.dropped_off, v.returned, v.fault) for v in visits] == [
        (ago(700), ago(690), "no_picture"),
        (ago(600), ago(570), "no_picture"),
    ]
    assert visits[0].days_waiting_for_parts == 0
    assert visits[1].days_waiting_for_parts == 12
    assert visits[1].hours is not None and visits[1].hours > Decimal(24 * 29)
    assert all(v.quality_fault for v in visits)


def test_an_open_repair_is_an_ongoing_stay_and_later_history_is_left_out(old_unit):
    repair(
        old_unit, dropped=ago(40), resolved=None, status=Status.AWAITING_PARTS, waits=((ago(35), today()),)
    )
    repair(old_unit, dropped=ago(3), resolved=ago(1))

    as_of_then = build.facts_for_unit(old_unit, on=ago(10)).repairs

    assert as_of_then == (
        RepairVisit(dropped_off=ago(40), returned=None, fault="no_picture", days_waiting_for_parts=25),
    )


def test_a_repair_the_customer_paid_for_is_not_a_quality_fault(old_unit, alice):
    sr = repair(old_unit, dropped=ago(100), resolved=ago(90))
    Quote.objects.create(
        organization=old_unit.organization, request=sr, status=Quote.Status.APPROVED, created_at=at(ago(99))
    )

    (visit,) = build.facts_for_unit(old_unit, on=today()).repairs

    assert visit.quality_fault is False


def test_two_closed_repairs_in_period_open_an_exchange(online_unit):
    # given an offline TV sold 100 days ago, repaired twice
    online_unit.sales_channel = "offline"
    online_unit.purchase_date = online_unit.delivery_date = ago(100)
    online_unit.save()
    repair(online_unit, dropped=ago(80), resolved=ago(75))
    repair(online_unit, dropped=ago(50), resolved=ago(45))
    # when
    decision = build.inputs_for_unit(online_unit, on=today(), kind=RequestKind.EXCHANGE).evaluate()
    # then
    assert decision.find(OptionKind.EXCHANGE, "goods.two_repairs") is not None
    assert decision.facts_used["repairs_counted"] == 2
    assert decision.facts_used["days_excluded"] == 10


def test_a_replacement_unit_restarts_its_period_at_the_exchange_date(online_unit, alice):
    # given the TV was exchanged 20 days ago for a new serial
    new = UnitFactory(
        organization=online_unit.organization,
        product_model=online_unit.product_model,
        customer=online_unit.customer,
        serial_number="TV-NEW",
        purchase_date=online_unit.purchase_date,
        delivery_date=online_unit.delivery_date,
        sales_channel="offline",
    )
    online_unit.purchase_date = online_unit.delivery_date = ago(300)
    online_unit.sales_channel = "offline"
    online_unit.save()
    new.purchase_date = new.delivery_date = ago(300)
    new.save()
    sr = repair(online_unit, dropped=ago(30), resolved=ago(20))
    ReturnAuthorization.objects.create(
        number="RA-T-1",
        organization=online_unit.organization,
        request=sr,
        unit=online_unit,
        replacement_unit=new,
        status="closed",
        resolution="exchange",
        exchanged_on=ago(20),
        created_at=at(ago(30)),
    )
    # when
    facts = build.facts_for_unit(new, on=today())
    decision = build.inputs_for_unit(new, on=today()).evaluate()
    # then: the sale is the original one, the 三包 period runs from the exchange
    assert facts.purchased_on == ago(300)
    assert facts.exchanges == (Exchange(on=ago(20)),)
    assert decision.facts_used["period_start"] == ago(20)
    assert decision.facts_used["exchanged"] is True
    assert decision.find(OptionKind.FREE_REPAIR) is not None


def test_contracts_with_claims_as_of_the_request_date(old_unit):
    contract = ExtendedWarrantyContract.objects.create(
        organization=old_unit.organization,
        unit=old_unit,
        number="EW-1",
        starts=ago(365),
        ends=ago(-365),
        price=Decimal("399"),
        covers_travel=True,
        max_claims=3,
        max_total=Decimal("2000"),
    )
    WarrantyClaim.objects.create(contract=contract, claimed_on=ago(30), amount=Decimal("300"))
    WarrantyClaim.objects.create(contract=contract, claimed_on=ago(1), amount=Decimal("100"))

    (ew,) = build.facts_for_unit(old_unit, on=ago(10)).contracts

    assert (
        ew.contract_id == "EW-1"
        and ew.covers_travel
        and ew.max_claims == 3
        and ew.max_total == Decimal("2000")
    )
    assert [c.amount for c in ew.claims] == [Decimal("300")]
    decision = build.inputs_for_unit(old_unit, on=ago(10)).evaluate()
    option = decision.find(OptionKind.FREE_REPAIR, "ew.covered_repair:EW-1")
    assert option is not None and option.amounts.coverage_remaining == Decimal("1700.00")


def test_the_latest_condition_report_feeds_the_engine(online_unit, alice):
    ConditionReport.objects.create(
        organization=online_unit.organization, unit=online_unit, inspected_at=at(ago(2)), wear_marks=True
    )
    ConditionReport.objects.create(
        organization=online_unit.organization,
        unit=online_unit,
        inspected_at=at(ago(1)),
        package_opened=True,
        tested=True,
    )

    facts = build.facts_for_unit(online_unit, on=today())

    assert facts.condition is not None and facts.condition.package_opened and not facts.condition.wear_marks
    decision = build.inputs_for_unit(
        online_unit, on=today(), kind=RequestKind.RETURN, fault=FaultType.NONE
    ).evaluate()
    assert decision.find(OptionKind.RETURN, "online.no_reason_return") is not None


def test_category_policy_and_org_rules_reach_the_engine(online_unit, tv_model):
    # given the organization promises 30 days no-reason returns and free return shipping for TVs
    policy = CategoryPolicy.objects.create(
        category=tv_model.category,
        no_reason_days=30,
        seller_pays_return_shipping=True,
        no_reason_exclusion=NoReasonExclusion.NONE.value,
        depreciation_rate_per_day=Decimal("0.002"),
    )
    online_unit.delivery_date = ago(20)
    online_unit.purchase_date = ago(21)
    online_unit.save()
    # when
    inputs = build.inputs_for_unit(online_unit, on=today(), kind=RequestKind.RETURN, fault=FaultType.NONE)
    decision = inputs.evaluate()
    # then
    assert inputs.facts.terms.depreciation_rate_per_day == Decimal("0.002")
    assert inputs.org_rules.for_category("tv").no_reason_days == 30
    option = decision.find(OptionKind.RETURN, "online.no_reason_return")
    assert option is not None and option.deadline == ago(20) + timedelta(days=30)
    assert option.return_shipping_paid_by is not None and option.return_shipping_paid_by.value == "seller"
    assert "服务承诺" in option.basis.document
    assert policy.pk


def test_a_stored_decision_is_reproduced_from_its_facts(online_unit, alice):
    inputs = build.inputs_for_unit(online_unit, on=today(), kind=RequestKind.RETURN, fault=FaultType.NONE)
    decision = inputs.evaluate()
    record = services.decision_record(
        inputs=inputs, decision=decision, outcome="approved", by=alice, option=decision.options[0]
    )
    # the unit's records change afterwards…
    online_unit.delivery_date = ago(5)
    online_unit.save()
    stored = EntitlementDecision.objects.get(pk=record.pk)
    # …but the decision is explained from what it was taken on
    assert services.explain(stored) == decision
    assert snapshot.decision_json(services.explain(stored)) == stored.decision
    assert stored.facts["facts"]["delivered_on"] == ago(3).isoformat()
    assert stored.rule_id == "online.no_reason_return"
