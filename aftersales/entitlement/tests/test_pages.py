"""Console and portal pages: the options are shown, the steps work, bad input is a form error, reach is 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from aftersales.entitlement import quotes as quote_steps
from aftersales.entitlement import rma as steps
from aftersales.entitlement.models import ConditionReport, ExtendedWarrantyContract, ReturnAuthorization
from aftersales.service.services import request_create, request_transition
from aftersales.testing.factories import UnitFactory

from .conftest import ago, today

pytestmark = pytest.mark.django_db

# A 1×1 PNG: what an inspection photo looks like to the content check.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_console_check_by_serial_shows_options_basis_and_deadline(client_for, alice, online_unit):
    page = client_for(alice).get(
        "/console/entitlement/", {"serial": "TV0001", "kind": "return", "fault": "none"}
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "七日无理由退货" in html and "《网络购买商品七日无理由退货暂行办法》" in html
    assert (ago(3) + timedelta(days=7)).isoformat() in html
    assert 'class="card p-3 mb-2 border-start border-4 border-danger option option-return"' in html


def test_console_check_in_english(client_for, alice, online_unit):
    page = client_for(alice).get(
        "/console/entitlement/", {"serial": "TV0001", "fault": "none"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    html = page.content.decode()
    assert "no-reason return until" in html
    assert '<h1 class="h4 mb-3">Entitlement check</h1>' in html and "Basis" in html and "Paid by" in html


def test_console_check_bad_input_is_a_form_error(client_for, alice, online_unit):
    api = client_for(alice)
    negative = api.get("/console/entitlement/", {"serial": "TV0001", "odometer_km": "-3"})
    future = api.get(
        "/console/entitlement/", {"serial": "TV0001", "on": (today() + timedelta(days=1)).isoformat()}
    )
    before = api.get("/console/entitlement/", {"serial": "TV0001", "on": ago(20).isoformat()})
    unknown = api.get("/console/entitlement/", {"serial": "NOPE"})

    assert negative.status_code == 422 and "不能为负数" in negative.content.decode()
    assert future.status_code == 422 and "未来" in future.content.decode()
    assert before.status_code == 422 and "购买日期" in before.content.decode()
    assert unknown.status_code == 404 and "没有找到" in unknown.content.decode()


def test_console_check_by_request_and_the_request_panel(client_for, alice, carol, online_unit):
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    agent = client_for(alice)

    by_request = agent.get("/console/entitlement/", {"request": rma.request.number})
    panel = agent.get(f"/console/entitlement/requests/{rma.request.number}/panel/", HTTP_HX_REQUEST="true")

    assert by_request.status_code == 200 and rma.request.number in by_request.content.decode()
    assert panel.status_code == 200
    html = panel.content.decode()
    assert "七日无理由退货" in html and rma.number in html


def test_unit_page_shows_contracts_and_a_contract_can_be_sold(client_for, alice, old_unit):
    agent = client_for(alice)
    unit_page = agent.get(f"/console/units/{old_unit.pk}/")
    assert f"/console/entitlement/units/{old_unit.pk}/" in unit_page.content.decode()

    bad = agent.post(
        f"/console/entitlement/units/{old_unit.pk}/contracts/new/",
        {"starts": today().isoformat(), "ends": ago(1).isoformat(), "price": "199"},
    )
    ok = agent.post(
        f"/console/entitlement/units/{old_unit.pk}/contracts/new/",
        {
            "starts": today().isoformat(),
            "ends": (today() + timedelta(days=730)).isoformat(),
            "price": "199",
            "covers_parts": "on",
            "max_claims": "2",
            "max_total": "1500",
        },
    )
    section = agent.get(f"/console/entitlement/units/{old_unit.pk}/", HTTP_HX_REQUEST="true")

    assert bad.status_code == 422 and "到期日期不能早于生效日期" in bad.content.decode()
    assert ok.status_code == 302
    contract = ExtendedWarrantyContract.objects.get(unit=old_unit)
    assert contract.number.startswith("EW-") and contract.covers_labour is False
    html = section.content.decode()
    assert contract.number in html and "有效" in html and "¥1500" in html
    # a claim counts against the limits
    agent.post(f"/console/entitlement/contracts/{contract.pk}/claims/", {"amount": "1600"})
    assert not contract.claims.exists()
    agent.post(
        f"/console/entitlement/contracts/{contract.pk}/claims/", {"amount": "400", "description": "换屏"}
    )
    assert contract.claims.get().amount == Decimal("400.00")


def test_console_rma_steps_with_photos_and_refund(client_for, alice, carol, online_unit):
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    agent = client_for(alice)
    listing = agent.get("/console/returns/")
    assert rma.number in listing.content.decode()
    detail = agent.get(f"/console/returns/{rma.pk}/")
    assert "return:online.no_reason_return" in detail.content.decode()

    agent.post(f"/console/returns/{rma.pk}/approve/", {"approve-option": "return:online.no_reason_return"})
    agent.post(f"/console/returns/{rma.pk}/receive/", {})
    bad_photo = agent.post(
        f"/console/returns/{rma.pk}/inspect/",
        {
            "inspect-package_opened": "on",
            "inspect-photos": SimpleUploadedFile("fake.png", b"not a png"),
        },
    )
    assert bad_photo.status_code == 422 and "fake.png" in bad_photo.content.decode()
    assert not ConditionReport.objects.exists()
    agent.post(
        f"/console/returns/{rma.pk}/inspect/",
        {
            "inspect-package_opened": "on",
            "inspect-notes": "完好",
            "inspect-photos": [SimpleUploadedFile("front.png", PNG), SimpleUploadedFile("back.png", PNG)],
        },
    )
    report = ConditionReport.objects.get(rma=rma)
    assert report.package_opened and report.photos.count() == 2
    negative = agent.post(
        f"/console/returns/{rma.pk}/refund/", {"refund-method": "original_payment", "refund-amount": "5000"}
    )
    assert negative.status_code == 422 and "不能超过商品价格" in negative.content.decode()
    agent.post(f"/console/returns/{rma.pk}/refund/", {"refund-method": "original_payment"})
    page = agent.get(f"/console/returns/{rma.pk}/").content.decode()
    assert (today() + timedelta(days=7)).isoformat() in page and "¥2999.00" in page
    agent.post(f"/console/returns/{rma.pk}/refund_paid/", {"refund_paid-reference": "WX-1"})
    rma.refresh_from_db()
    assert rma.status == "refunded"
    decision = rma.decisions.get(outcome="refund")
    explained = agent.get(f"/console/entitlement/decisions/{decision.pk}/")
    assert explained.status_code == 200 and "按存档事实重新计算" in explained.content.decode()


def test_console_rejection_needs_a_reason(client_for, alice, carol, old_unit):
    rma = steps.rma_request(unit=old_unit, by=carol, kind="return", fault="performance", description="坏了")
    agent = client_for(alice)

    empty = agent.post(f"/console/returns/{rma.pk}/reject/", {"reject-reason": ""})
    done = agent.post(f"/console/returns/{rma.pk}/reject/", {"reject-reason": "超过三包有效期"})

    assert empty.status_code == 422
    assert done.status_code == 302
    assert ReturnAuthorization.objects.get(pk=rma.pk).rejection_reason == "超过三包有效期"


def test_portal_what_can_i_do_and_asking_for_a_return(client_for, carol, online_unit):
    portal = client_for(carol)
    page = portal.get(f"/portal/units/{online_unit.pk}/entitlement/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "不想要了（无质量问题）" in html and "七日无理由退货" in html and "申请退货" in html

    empty = portal.post(
        f"/portal/units/{online_unit.pk}/returns/new/", {"kind": "return", "fault": "none", "description": ""}
    )
    assert empty.status_code == 422
    done = portal.post(
        f"/portal/units/{online_unit.pk}/returns/new/",
        {"kind": "return", "fault": "none", "description": "颜色不喜欢"},
    )
    rma = ReturnAuthorization.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/portal/returns/{rma.pk}/"
    listing = portal.get("/portal/returns/").content.decode()
    assert rma.number in listing


def test_portal_shipment_and_confirmation(client_for, alice, carol, online_unit):
    rma = steps.rma_approve(
        rma=steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了"),
        by=alice,
    )
    portal = client_for(carol)

    missing = portal.post(
        f"/portal/returns/{rma.pk}/ship/", {"ship-carrier": "顺丰速运", "ship-tracking": ""}
    )
    shipped = portal.post(
        f"/portal/returns/{rma.pk}/ship/", {"ship-carrier": "顺丰速运", "ship-tracking": "SF123"}
    )
    panel = portal.get(f"/portal/entitlement/requests/{rma.request.number}/", HTTP_HX_REQUEST="true")

    assert missing.status_code == 422
    assert shipped.status_code == 302
    assert ReturnAuthorization.objects.get(pk=rma.pk).return_tracking == "SF123"
    assert rma.number in panel.content.decode()


def test_portal_quote_approve(client_for, alice, carol, old_unit):
    sr = request_create(
        organization=old_unit.organization,
        customer=old_unit.customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="不开机",
        unit=old_unit,
    )
    sr = request_transition(request=sr, name="accept", by=alice)
    quote = quote_steps.quote_create(
        request=sr,
        by=alice,
        send=True,
        lines=[quote_steps.LineIn(kind="labour", description="检修", unit_price=80)],
    )
    portal = client_for(carol)

    listing = portal.get("/portal/returns/").content.decode()
    page = portal.get(f"/portal/quotes/{quote.pk}/").content.decode()
    portal.post(f"/portal/quotes/{quote.pk}/approve/")

    assert f"/portal/quotes/{quote.pk}/" in listing
    assert "¥80.00" in page
    quote.refresh_from_db()
    assert quote.status == "approved"


def test_console_quote_builder(client_for, alice, old_unit):
    sr = request_create(
        organization=old_unit.organization,
        customer=old_unit.customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="不开机",
        unit=old_unit,
    )
    agent = client_for(alice)
    form = agent.get("/console/quotes/new/", {"request": sr.number})
    assert form.status_code == 200 and "收费修理" in form.content.decode()

    posted = agent.post(
        "/console/quotes/new/",
        {
            "request": sr.number,
            "send": "on",
            "note": "",
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "50",
            "form-0-kind": "part",
            "form-0-part": "P-PANEL",
            "form-0-quantity": "1",
            "form-1-kind": "labour",
            "form-1-description": "换屏",
            "form-1-quantity": "1",
            "form-1-unit_price": "100",
        },
    )

    assert posted.status_code == 302, posted.content.decode()[:2000]
    detail = agent.get(posted["Location"]).content.decode()
    assert "¥1000.00" in detail and "待客户确认" in detail


def test_console_car_quote_asks_for_the_odometer_and_keeps_it_on_an_error(
    client_for,
    alice,
    car_model,
    carol_customer,
):
    unit = UnitFactory(
        organization=car_model.organization,
        product_model=car_model,
        customer=carol_customer,
        serial_number="CAR010",
        purchase_date=ago(400),
        delivery_date=ago(400),
        invoice_amount=150000,
    )
    sr = request_create(
        organization=unit.organization,
        customer=unit.customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="异响",
        unit=unit,
    )
    agent = client_for(alice)
    assert 'name="odometer_km"' in agent.get("/console/quotes/new/", {"request": sr.number}).content.decode()
    base = {
        "request": sr.number,
        "send": "on",
        "note": "",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "50",
        "form-0-kind": "labour",
        "form-0-description": "检查",
        "form-0-quantity": "1",
        "form-0-unit_price": "300",
    }

    refused = agent.post("/console/quotes/new/", base | {"odometer_km": "-5"})
    assert refused.status_code == 422 and 'value="-5"' in refused.content.decode()
    posted = agent.post("/console/quotes/new/", base | {"odometer_km": "70000"})
    assert posted.status_code == 302, posted.content.decode()[:2000]
    assert "¥300.00" in agent.get(posted["Location"]).content.decode()


def test_reach_other_organizations_and_customers_get_404(client_for, bob, cody, alice, carol, online_unit):
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    other_staff = client_for(bob)
    assert other_staff.get("/console/entitlement/", {"serial": "TV0001"}).status_code == 404
    assert other_staff.get(f"/console/returns/{rma.pk}/").status_code == 404
    assert other_staff.post(f"/console/returns/{rma.pk}/approve/", {}).status_code == 404
    assert other_staff.get(f"/console/entitlement/units/{online_unit.pk}/").status_code == 404
    other_staff.logout()
    other_customer = client_for(cody)
    assert other_customer.get(f"/portal/units/{online_unit.pk}/entitlement/").status_code == 404
    assert other_customer.get(f"/portal/returns/{rma.pk}/").status_code == 404
    assert other_customer.post(f"/portal/returns/{rma.pk}/ship/", {}).status_code == 404
    assert other_customer.get("/console/returns/").status_code == 404  # customers never see the console
    other_customer.logout()
    assert client_for(alice).get(f"/portal/returns/{rma.pk}/").status_code == 404  # staff are not customers


def test_rma_list_queries_do_not_grow_with_rows(
    client_for,
    alice,
    carol,
    online_unit,
    old_unit,
    django_assert_max_num_queries,
):
    steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    steps.rma_request(unit=old_unit, by=carol, kind="return", fault="performance", description="坏了")
    agent = client_for(alice)
    agent.get("/console/returns/")  # warm the session

    with django_assert_max_num_queries(8):
        page = agent.get("/console/returns/", HTTP_HX_REQUEST="true")

    assert page.content.decode().count('class="rma-row"') == 2


def test_the_includes_for_the_request_and_unit_pages_point_at_their_panels(carol, alice, online_unit):
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")

    console = render_to_string("entitlement/includes/request_panel.html", {"sr": rma.request, "user": alice})
    portal = render_to_string("entitlement/includes/portal_request_panel.html", {"sr": rma.request})
    unit = render_to_string("entitlement/includes/unit_section.html", {"unit": online_unit})

    assert f'hx-get="/console/entitlement/requests/{rma.request.number}/panel/"' in console
    assert f'hx-get="/portal/entitlement/requests/{rma.request.number}/"' in portal
    assert f'hx-get="/console/entitlement/units/{online_unit.pk}/"' in unit
