"""The return workflow through its services: refund, exchange, rejection, inspection, deadlines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.entitlement import facts as build
from aftersales.entitlement import rma as steps
from aftersales.entitlement.models import EntitlementDecision, ReturnAuthorization, UnitDisposition
from aftersales.entitlement.policy import OptionKind, RequestKind
from aftersales.entitlement.tasks import escalate_refunds
from aftersales.jobs.registry import REGISTRY, load_all
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.service.services import request_create
from aftersales.testing.factories import UnitFactory

from .conftest import ago, repair, today

pytestmark = pytest.mark.django_db
S = ReturnAuthorization.Status


def _status(rma: ReturnAuthorization) -> str:
    return ServiceRequest.objects.get(pk=rma.request_id).status


def _received(unit, carol, alice, *, kind="return", fault="none"):
    rma = steps.rma_request(unit=unit, by=carol, kind=kind, fault=fault, description="不想要了")
    rma = steps.rma_approve(rma=rma, by=alice)
    rma = steps.rma_ship(rma=rma, by=carol, carrier="顺丰速运", tracking="SF100")
    return steps.rma_receive(rma=rma, by=alice)


def test_seven_day_return_from_request_to_refund(online_unit, carol, alice):
    # given the customer asks for a no-reason return three days after delivery
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="颜色不喜欢")
    # then the request exists, waiting, with the engine's eligibility stored
    assert rma.number.startswith("RA-") and rma.status == S.REQUESTED and _status(rma) == "new"
    options = rma.eligibility["requested"]["decision"]["options"]
    assert options[0]["rule_id"] == "online.no_reason_return"
    # when the agent approves it on that option
    rma = steps.rma_approve(rma=rma, by=alice)
    assert rma.status == S.APPROVED and rma.resolution == "refund" and _status(rma) == "awaiting_customer"
    assert rma.option_rule_id == "online.no_reason_return"
    # and the goods come back, are inspected (opened and tested is still 完好) and refunded
    rma = steps.rma_ship(rma=rma, by=carol, carrier="顺丰速运", tracking="SF100")
    assert _status(rma) == "in_progress"
    rma = steps.rma_receive(rma=rma, by=alice)
    steps.rma_inspect(rma=rma, by=alice, findings={"package_opened": True, "tested": True}, notes="完好")
    rma.refresh_from_db()
    assert rma.status == S.INSPECTED and rma.eligibility["inspected"]["still_eligible"] is True
    rma = steps.rma_refund(rma=rma, by=alice, method="original_payment")
    # then the refund is the full price, due seven days after receipt
    assert rma.status == S.REFUND_PENDING and rma.refund_amount == Decimal("2999.00")
    assert rma.refund_due_on == today() + timedelta(days=7)
    rma = steps.rma_refund_paid(rma=rma, by=alice, reference="WX-1")
    assert rma.status == S.REFUNDED and _status(rma) == "resolved"
    assert UnitDisposition.objects.get(unit=online_unit).rma == rma
    rma = steps.rma_close(rma=rma, by=carol)
    assert rma.status == S.CLOSED and _status(rma) == "closed"
    # every decision kept its facts; every step is on the timeline; the customer heard of each
    outcomes = list(
        EntitlementDecision.objects.filter(rma=rma).order_by("decided_at").values_list("outcome", flat=True)
    )
    assert outcomes == ["approved", "refund"]
    refund = EntitlementDecision.objects.get(rma=rma, outcome="refund")
    assert refund.facts["facts"]["condition"]["package_opened"] is True
    steps_seen = [e.data.get("step") for e in RequestEvent.objects.filter(request=rma.request, kind="field")]
    assert steps_seen == [
        "requested",
        "approved",
        "shipped",
        "received",
        "inspected",
        "refund_pending",
        "refunded",
        "closed",
    ]
    assert OutboxMessage.objects.filter(channel="email", recipient="carol@example.com").count() == 8


def test_exchange_ships_a_new_serial_and_restarts_the_period(online_unit, carol, alice):
    # given a faulty TV sold five days ago, returned for an exchange
    rma = _received(online_unit, carol, alice, kind="exchange", fault="performance")
    assert rma.resolution == "exchange" and rma.option_kind == "exchange"
    steps.rma_inspect(rma=rma, by=alice, findings={"package_opened": True}, notes="屏幕不亮")
    # when the replacement ships
    rma = steps.rma_exchange(rma=rma, by=alice, new_serial="TV9999", carrier="京东物流", tracking="JD1")
    # then the faulty serial out and the new serial in are on the one record
    assert rma.status == S.EXCHANGE_SHIPPED and rma.unit == online_unit
    new = rma.replacement_unit
    assert new is not None and new.serial_number == "TV9999" and new.customer == online_unit.customer
    assert UnitDisposition.objects.filter(unit=online_unit, state="returned").exists()
    assert _status(rma) == "resolved"
    # and the new unit's 三包 period starts at the exchange date, the sale staying the original one
    decision = build.inputs_for_unit(new, on=today(), kind=RequestKind.REPAIR).evaluate()
    assert decision.facts_used["period_start"] == today() and decision.facts_used["exchanged"] is True
    assert build.facts_for_unit(new, on=today()).purchased_on == online_unit.purchase_date
    free = decision.find(OptionKind.FREE_REPAIR)
    assert free is not None and any("重新计算" in b.clause for b in free.supporting)
    # a returned unit cannot be returned again
    with pytest.raises(Conflict):
        steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="再退")


def test_exchange_with_a_serial_already_taken_is_refused_and_changes_nothing(online_unit, carol, alice):
    UnitFactory(
        organization=online_unit.organization, product_model=online_unit.product_model, serial_number="TAKEN"
    )
    rma = _received(online_unit, carol, alice, kind="exchange", fault="performance")
    steps.rma_inspect(rma=rma, by=alice, findings={})
    rma.refresh_from_db()

    with pytest.raises(Conflict) as caught:
        steps.rma_exchange(rma=rma, by=alice, new_serial="TAKEN")

    assert "new_serial" in caught.value.errors
    rma.refresh_from_db()
    assert rma.status == S.INSPECTED and not UnitDisposition.objects.exists()


def test_rejection_needs_a_reason_cancels_the_request_and_keeps_the_facts(old_unit, carol, alice):
    # given a two-year-old TV the customer wants to return
    rma = steps.rma_request(unit=old_unit, by=carol, kind="return", fault="performance", description="坏了")
    assert not any(o["kind"] == "return" for o in rma.eligibility["requested"]["decision"]["options"])
    # when approving without an option, or rejecting without a reason
    with pytest.raises(InvalidInput) as no_option:
        steps.rma_approve(rma=rma, by=alice)
    with pytest.raises(InvalidInput) as no_reason:
        steps.rma_reject(rma=rma, by=alice, reason="  ")
    assert "option" in no_option.value.errors and "reason" in no_reason.value.errors
    # then rejecting with a reason closes it, tells the customer, and stores the facts used
    rma = steps.rma_reject(rma=rma, by=alice, reason="已超过三包有效期，可为您安排收费维修")
    assert rma.status == S.REJECTED and _status(rma) == "cancelled"
    record = EntitlementDecision.objects.get(rma=rma)
    assert record.outcome == "rejected" and record.reason.startswith("已超过")
    assert record.facts["facts"]["purchased_on"] == ago(730).isoformat()
    assert any(r["rule_id"] == "goods.return_7d" for r in record.decision["refusals"])
    cancelled = RequestEvent.objects.get(request=rma.request, kind="status", to_status="cancelled")
    assert "三包有效期" in cancelled.reason
    assert OutboxMessage.objects.filter(channel="sms", body__contains="未获批准").exists()


def test_goodwill_approval_needs_a_reason(old_unit, carol, alice):
    rma = steps.rma_request(unit=old_unit, by=carol, kind="return", fault="performance", description="坏了")
    with pytest.raises(InvalidInput):
        steps.rma_approve(rma=rma, by=alice, goodwill=True)

    rma = steps.rma_approve(rma=rma, by=alice, goodwill=True, reason="老客户，特批")

    assert rma.status == S.APPROVED and rma.option_rule_id == "goodwill"
    assert EntitlementDecision.objects.get(rma=rma).goodwill is True


def test_an_inspection_that_finds_damage_stops_the_refund(online_unit, carol, alice):
    rma = _received(online_unit, carol, alice)
    steps.rma_inspect(rma=rma, by=alice, findings={"wear_marks": True, "accessories_missing": True})
    rma.refresh_from_db()
    assert rma.eligibility["inspected"]["still_eligible"] is False

    with pytest.raises(Conflict) as caught:
        steps.rma_refund(rma=rma, by=alice, method="original_payment")

    assert "不完好" in caught.value.message or "不完好" in str(caught.value.errors)
    rma = steps.rma_reject(rma=rma, by=alice, reason="有明显使用痕迹且配件不全，商品寄还")
    assert rma.status == S.REJECTED and _status(rma) == "resolved"


def test_steps_out_of_order_or_by_the_wrong_person_are_refused(online_unit, carol, cody, alice, bob):
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    with pytest.raises(Conflict):
        steps.rma_receive(rma=rma, by=alice)
    with pytest.raises(PermissionDenied):
        steps.rma_approve(rma=rma, by=carol)
    with pytest.raises(PermissionDenied):
        steps.rma_approve(rma=rma, by=bob)  # another organization's agent
    with pytest.raises(PermissionDenied):
        steps.rma_request(unit=online_unit, by=cody, kind="return", fault="none", description="不是我的")
    with pytest.raises(Conflict):
        steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="又一次")
    stale = rma.version
    steps.rma_approve(rma=rma, by=alice)
    with pytest.raises(Conflict):
        steps.rma_ship(rma=rma, by=carol, carrier="顺丰", tracking="1", version=stale)


def test_impossible_dates_name_the_field(online_unit, carol, alice):
    rma = steps.rma_approve(
        rma=steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了"),
        by=alice,
    )
    with pytest.raises(InvalidInput) as future:
        steps.rma_ship(
            rma=rma, by=carol, carrier="顺丰", tracking="1", shipped_on=today() + timedelta(days=2)
        )
    with pytest.raises(InvalidInput) as before:
        steps.rma_receive(rma=rma, by=alice, received_on=ago(30))
    rma = steps.rma_receive(rma=rma, by=alice)
    with pytest.raises(InvalidInput) as km:
        steps.rma_inspect(rma=rma, by=alice, findings={}, odometer_km=-5)
    with pytest.raises(InvalidInput) as flag:
        steps.rma_inspect(rma=rma, by=alice, findings={"scratched": True})
    assert list(future.value.errors) == ["shipped_on"]
    assert list(before.value.errors) == ["received_on"]
    assert list(km.value.errors) == ["odometer_km"]
    assert list(flag.value.errors) == ["findings"]


def test_a_car_needs_its_odometer_to_be_judged(car_model, carol_customer, carol, alice):
    car = UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        purchase_date=ago(10),
        delivery_date=ago(10),
        sales_channel="offline",
    )

    with pytest.raises(InvalidInput) as caught:
        steps.rma_request(unit=car, by=carol, kind="exchange", fault="brake_failure", description="刹车失灵")
    rma = steps.rma_request(
        unit=car, by=carol, kind="exchange", fault="brake_failure", description="刹车失灵", odometer_km=800
    )

    assert "odometer_km" in caught.value.errors
    assert not ReturnAuthorization.objects.exclude(pk=rma.pk).exists()  # the failed one left nothing behind
    assert any(o["rule_id"] == "car.severe_60d" for o in rma.eligibility["requested"]["decision"]["options"])


def test_refund_escalation_runs_once_per_level(online_unit, carol, alice, olga):
    rma = _received(online_unit, carol, alice)
    steps.rma_inspect(rma=rma, by=alice, findings={})
    rma.refresh_from_db()
    rma = steps.rma_refund(rma=rma, by=alice, method="bank_transfer")
    due = rma.refund_due_on
    assert due is not None
    # nothing to do while the refund is not due
    assert steps.refunds_escalate() == 0
    # the day before it is due: escalated once, however often the job runs
    day_before = timezone.now() + timedelta(days=(due - today()).days - 1)
    assert steps.refunds_escalate(now=day_before) == 1
    assert steps.refunds_escalate(now=day_before) == 0
    rma.refresh_from_db()
    assert rma.escalation_level == 1
    # overdue: a second, stronger escalation, also once
    overdue = timezone.now() + timedelta(days=(due - today()).days + 1)
    assert steps.refunds_escalate(now=overdue) == 1
    assert steps.refunds_escalate(now=overdue) == 0
    rma.refresh_from_db()
    assert rma.escalation_level == 2
    events = [e for e in RequestEvent.objects.filter(request=rma.request, kind="sla") if "rma" in e.data]
    assert [e.data["level"] for e in events] == [1, 2] and not any(e.public for e in events)
    staff_mail = OutboxMessage.objects.filter(channel="email", subject__contains="退款催办")
    assert sorted(staff_mail.values_list("recipient", flat=True)) == sorted(
        ["alice@example.com", "olga@example.com"] * 2
    )
    # paid refunds are no longer escalated; the registered job calls the same service
    steps.rma_refund_paid(rma=rma, by=alice)
    assert escalate_refunds() == 0


def test_a_return_opened_by_phone_joins_the_workflow(online_unit, alice):
    sr = request_create(
        organization=online_unit.organization,
        customer=online_unit.customer,
        by=alice,
        kind="return",
        channel="phone",
        description="电话申请退货",
        unit=online_unit,
    )

    rma = steps.rma_attach(request=sr, by=alice, fault="none")

    assert rma.request == sr and rma.fault == "none"
    assert rma.eligibility["requested"]["decision"]["options"][0]["kind"] == "return"
    with pytest.raises(Conflict):
        steps.rma_attach(request=sr, by=alice)


def test_an_old_repair_history_counts_for_a_later_exchange(online_unit, carol, alice):
    online_unit.sales_channel = "offline"
    online_unit.purchase_date = online_unit.delivery_date = ago(200)
    online_unit.save()
    repair(online_unit, dropped=ago(150), resolved=ago(140))
    repair(online_unit, dropped=ago(60), resolved=ago(50))

    rma = steps.rma_request(
        unit=online_unit, by=carol, kind="exchange", fault="performance", description="修了两次还坏"
    )
    rma = steps.rma_approve(rma=rma, by=alice)

    assert rma.option_kind == "exchange" and rma.option_rule_id == "goods.two_repairs"


def test_the_escalation_job_is_registered_as_periodic() -> None:
    load_all()

    spec = REGISTRY["entitlement.escalate_refunds"]
    assert spec.every is not None and spec.every <= timedelta(hours=1)
