"""Quotes for paid repairs: only when the engine says so, and the customer decides before work goes on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.entitlement import quotes as steps
from aftersales.entitlement.models import ExtendedWarrantyContract, Quote, WarrantyClaim
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.service.services import request_create, request_transition

from .conftest import ago

pytestmark = pytest.mark.django_db

LINES = [
    steps.LineIn(kind="part", part="P-PANEL"),
    steps.LineIn(kind="labour", description="更换屏幕", unit_price=150),
    steps.LineIn(kind="travel", description="上门", unit_price=50),
]


def _repair(unit, by):
    sr = request_create(
        organization=unit.organization,
        customer=unit.customer,
        by=by,
        kind="repair",
        channel="phone",
        description="屏幕不亮",
        unit=unit,
    )
    return request_transition(request=sr, name="accept", by=by)


def _status(sr: ServiceRequest) -> str:
    return ServiceRequest.objects.get(pk=sr.pk).status


def test_out_of_warranty_quote_waits_for_the_customer_who_approves(old_unit, alice, carol):
    # given a TV two years out, reported faulty
    sr = _repair(old_unit, alice)
    # when the agent quotes a panel from the catalog, labour and travel, and sends it
    quote = steps.quote_create(request=sr, by=alice, lines=LINES, send=True)
    # then the request waits on the customer with the total they must pay
    assert quote.status == Quote.Status.SENT and _status(sr) == "awaiting_customer"
    assert quote.total == Decimal("1100.00") and quote.payable == Decimal("1100.00")
    assert quote.entitlement["basis"].startswith("paid_repair:")
    assert [line.description for line in quote.lines.all()] == ["panel", "更换屏幕", "上门"]
    # when the customer approves it
    quote = steps.quote_approve(quote=quote, by=carol)
    # then work goes on and the decision is on the timeline, visible to the customer
    assert quote.status == Quote.Status.APPROVED and quote.decided_by == carol
    assert _status(sr) == "in_progress"
    decided = RequestEvent.objects.get(request=sr, kind="field", data__decision="approved")
    assert decided.public and decided.actor == carol


def test_a_declined_quote_stops_paid_work_with_the_reason(old_unit, alice, carol):
    sr = _repair(old_unit, alice)
    quote = steps.quote_create(request=sr, by=alice, lines=LINES, send=True)

    with pytest.raises(InvalidInput):
        steps.quote_decline(quote=quote, by=carol, reason="")
    quote = steps.quote_decline(quote=quote, by=carol, reason="太贵了，不修了")

    assert quote.status == Quote.Status.DECLINED and quote.decline_reason == "太贵了，不修了"
    event = RequestEvent.objects.get(request=sr, kind="field", data__decision="declined")
    assert "太贵了" in event.reason
    assert _status(sr) == "in_progress"  # back with staff, who hand the unit back unrepaired
    with pytest.raises(Conflict):
        steps.quote_approve(quote=quote, by=carol)


def test_no_quote_while_the_repair_is_free(online_unit, alice):
    sr = _repair(online_unit, alice)

    with pytest.raises(Conflict) as caught:
        steps.quote_create(request=sr, by=alice, lines=LINES)

    assert "免费" in caught.value.message or "不需要报价" in caught.value.message
    assert not Quote.objects.exists()


def test_only_the_owner_or_staff_decide_and_lines_are_checked(old_unit, alice, carol, cody, bob):
    sr = _repair(old_unit, alice)
    with pytest.raises(InvalidInput) as bad:
        steps.quote_create(
            request=sr,
            by=alice,
            lines=[
                steps.LineIn(kind="part", part="NOPE"),
                steps.LineIn(kind="labour", description="工时", quantity=0, unit_price=10),
            ],
        )
    assert set(bad.value.errors) == {"lines[0].part", "lines[1].quantity"}
    with pytest.raises(PermissionDenied):
        steps.quote_create(request=sr, by=bob, lines=LINES)
    quote = steps.quote_create(request=sr, by=alice, lines=LINES, send=True)
    with pytest.raises(PermissionDenied):
        steps.quote_approve(quote=quote, by=cody)
    with pytest.raises(PermissionDenied):
        steps.quote_approve(quote=quote, by=bob)


def test_an_extended_warranty_pays_its_share_and_records_a_claim(old_unit, alice, carol):
    # given a contract covering parts only, with 500 of cover left
    contract = ExtendedWarrantyContract.objects.create(
        organization=old_unit.organization,
        unit=old_unit,
        number="EW-7",
        starts=ago(400),
        ends=ago(-300),
        price=Decimal("299"),
        covers_parts=True,
        covers_labour=False,
        max_total=Decimal("500"),
    )
    sr = _repair(old_unit, alice)
    # when the quote is made and approved
    quote = steps.quote_create(request=sr, by=alice, lines=LINES, send=True)
    assert quote.contract == contract and quote.entitlement["basis"] == "free_repair:ew.covered_repair:EW-7"
    assert quote.covered == Decimal("500.00") and quote.payable == Decimal("600.00")
    steps.quote_approve(quote=quote, by=carol)
    # then the contract's claim is counted against its limit
    claim = WarrantyClaim.objects.get(contract=contract)
    assert claim.amount == Decimal("500.00") and claim.quote == quote
    contract.refresh_from_db()
    assert contract.remaining() == Decimal("0.00")
