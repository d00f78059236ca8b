"""Sale terms: the buyer's confirmation at purchase and the gifts, stored and fed to the engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from aftersales.entitlement import facts as build
from aftersales.entitlement import rma as steps
from aftersales.entitlement import selectors
from aftersales.entitlement.models import CategoryPolicy, ConditionReport, SaleTerms
from aftersales.entitlement.policy import Gift, OptionKind
from aftersales.testing.factories import CategoryFactory, ProductModelFactory, UnitFactory

from .conftest import ago, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(org_a, carol_customer):
    """A phone bought online four days ago, delivered two days ago; phones lose value once activated."""
    category = CategoryFactory(organization=org_a, code="phone", name="手机")
    CategoryPolicy.objects.create(
        category=category,
        no_reason_exclusion="activation_devalues",
        depreciation_rate_per_day=Decimal("0.005"),
    )
    model = ProductModelFactory(
        organization=org_a, category=category, model_number="PH-1", name="手机", list_price=Decimal("3999.00")
    )
    return UnitFactory(
        organization=org_a,
        product_model=model,
        customer=carol_customer,
        serial_number="PH0001",
        purchase_date=ago(4),
        delivery_date=ago(2),
        invoice_amount=Decimal("3999.00"),
        sales_channel="online",
    )


def confirm(unit, **changes):
    fields = {
        "buyer_confirmed_no_return": True,
        "confirmed_at": at(unit.purchase_date),
        "confirmed_via": "checkout",
        "confirmation_reference": "ORDER-1",
    } | changes
    return SaleTerms.objects.create(unit=unit, **fields)


def activated(unit):
    return ConditionReport.objects.create(
        organization=unit.organization,
        unit=unit,
        inspected_at=at(ago(1)),
        activated=True,
        package_opened=True,
    )


def no_reason_return(unit):
    check = selectors.check_unit(unit=unit, kind="return", fault="none")
    return check.decision, check.decision.find(OptionKind.RETURN, "online.no_reason_return")


def refusal_text(decision) -> str:
    return " ".join(r.reason_zh for r in decision.refusals if r.rule_id == "online.no_reason_return")


def test_with_the_buyers_confirmation_an_activated_phone_is_not_returnable_without_reason(phone):
    # given the buyer confirmed at checkout that an activated phone cannot be returned without reason
    confirm(phone)
    activated(phone)
    # when the buyer asks for a seven-day return
    decision, option = no_reason_return(phone)
    # then it is refused, and the reason is the confirmation
    assert option is None
    assert "购买时已确认不适用无理由退货" in refusal_text(decision)
    assert "激活" in refusal_text(decision)


def test_the_confirmation_refuses_even_before_inspection(phone):
    confirm(phone)
    decision, option = no_reason_return(phone)
    assert option is None and "购买时已确认" in refusal_text(decision)


def test_without_the_confirmation_the_return_is_allowed(phone):
    # given no confirmation recorded (or one recorded as not given)
    SaleTerms.objects.create(unit=phone, gifts=[])
    # when the buyer asks for a seven-day return
    decision, option = no_reason_return(phone)
    # then it is allowed, and the note says why the category alone is not enough
    assert option is not None, refusal_text(decision)
    assert "购买时未经消费者确认，不得拒绝退货" in option.reason_zh
    assert option.amounts.refund == Decimal("3999.00")


def test_without_the_confirmation_an_activated_phone_is_refused_only_as_not_in_good_condition(phone):
    # the law counts activation as a sign that electronics are not 完好: the refusal says so, not "confirmed"
    activated(phone)
    decision, option = no_reason_return(phone)
    assert option is None
    assert "商品不完好" in refusal_text(decision) and "购买时已确认" not in refusal_text(decision)


def test_gifts_are_in_the_facts_and_kept_ones_are_charged_at_their_stated_price(phone):
    SaleTerms.objects.create(
        unit=phone,
        gifts=[
            {"name": "耳机", "stated_price": "199.00", "returned": True},
            {"name": "充电器", "stated_price": "99.50", "returned": False},
        ],
    )
    facts = build.facts_for_unit(phone, on=ago(0))
    assert facts.gifts == (Gift("耳机", Decimal("199.00"), True), Gift("充电器", Decimal("99.50"), False))
    assert facts.buyer_confirmed_exclusion is False

    _, option = no_reason_return(phone)

    assert option is not None
    assert option.amounts.gift_charge == Decimal("99.50")
    assert option.amounts.refund == Decimal("3899.50")
    assert "未退回赠品按标明价格扣除99.50元" in option.reason_zh


def test_a_return_refunds_the_amount_the_engine_computed_with_gifts(online_unit, carol, alice):
    SaleTerms.objects.create(
        unit=online_unit, gifts=[{"name": "挂架", "stated_price": "150", "returned": False}]
    )
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    rma = steps.rma_approve(rma=rma, by=alice)
    rma = steps.rma_ship(rma=rma, by=carol, carrier="顺丰速运", tracking="SF200")
    rma = steps.rma_receive(rma=rma, by=alice)
    steps.rma_inspect(rma=rma, by=alice, findings={"package_opened": True}, notes="完好")
    rma.refresh_from_db()
    rma = steps.rma_refund(rma=rma, by=alice, method="original_payment")
    assert rma.refund_amount == Decimal("2849.00")


def test_an_exchanged_in_unit_keeps_the_original_sales_terms(online_unit):
    confirm(online_unit, gifts=[{"name": "挂架", "stated_price": "150.00", "returned": True}])
    terms = build.sale_terms_of([online_unit])
    assert terms is not None and terms.gift_list[0]["stated_price"] == Decimal("150.00")


# --- Pages and API -----------------------------------------------------------------------------


def test_staff_who_edit_customers_record_the_confirmation_and_gifts(client_for, alice, phone):
    page = client_for(alice)
    section = page.get(f"/console/entitlement/units/{phone.pk}/").content.decode()
    assert f"/console/entitlement/units/{phone.pk}/sale-terms/" in section
    assert page.get(f"/console/entitlement/units/{phone.pk}/sale-terms/").status_code == 200

    posted = page.post(
        f"/console/entitlement/units/{phone.pk}/sale-terms/",
        {
            "buyer_confirmed_no_return": "on",
            "confirmed_at": f"{phone.purchase_date:%Y-%m-%d}T10:30",
            "confirmed_via": "checkout",
            "confirmation_reference": "ORDER-9",
            "gifts": "耳机 | 199\n充电器，99.5 | 未退回\n",
        },
    )

    assert posted.status_code == 302, posted.content.decode()[:2000]
    terms = SaleTerms.objects.get(unit=phone)
    assert (
        terms.buyer_confirmed_no_return and terms.confirmed_via == "checkout" and terms.recorded_by == alice
    )
    assert terms.gifts == [
        {"name": "耳机", "stated_price": "199.00", "returned": True},
        {"name": "充电器", "stated_price": "99.50", "returned": False},
    ]
    section = page.get(f"/console/entitlement/units/{phone.pk}/").content.decode()
    assert "确认不适用" in section and "充电器 ¥99.50" in section
    form = page.get(f"/console/entitlement/units/{phone.pk}/sale-terms/").content.decode()
    assert "充电器 | 99.50 | 未退回" in form


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"buyer_confirmed_no_return": "on", "gifts": ""}, "confirmed_at"),
        ({"gifts": "耳机"}, "gifts"),
        ({"gifts": "耳机 | -5"}, "gifts"),
        ({"gifts": "耳机 | abc"}, "gifts"),
        (
            {"buyer_confirmed_no_return": "on", "confirmed_via": "checkout", "confirmed_at": "{late}"},
            "confirmed_at",
        ),
    ],
)
def test_bad_sale_terms_are_form_errors_and_change_nothing(client_for, alice, phone, data, field):
    if data.get("confirmed_at") == "{late}":
        data = data | {"confirmed_at": f"{phone.purchase_date + timedelta(days=3):%Y-%m-%d}T10:00"}

    r = client_for(alice).post(f"/console/entitlement/units/{phone.pk}/sale-terms/", data)

    assert r.status_code == 422
    assert r.context["form"].errors.get(field), r.context["form"].errors
    assert not SaleTerms.objects.filter(unit=phone).exists()


def test_sale_terms_edit_is_404_outside_reach_or_capability(client_for, bob, tina, carol, phone):
    url = f"/console/entitlement/units/{phone.pk}/sale-terms/"
    other_staff = client_for(bob)  # another organization's agent
    assert other_staff.get(url).status_code == 404
    assert other_staff.post(url, {"gifts": "耳机 | 1"}).status_code == 404
    other_staff.logout()
    technician = client_for(tina)  # same organization, cannot edit customers
    assert technician.get(url).status_code == 404
    assert technician.post(url, {"gifts": "耳机 | 1"}).status_code == 404
    assert "sale-terms-edit" not in technician.get(f"/console/entitlement/units/{phone.pk}/").content.decode()
    technician.logout()
    assert client_for(carol).get(url).status_code == 404
    assert not SaleTerms.objects.filter(unit=phone).exists()


def test_the_entitlement_api_shows_the_sale_terms_read_only(client_for, alice, phone):
    api = client_for(alice)
    assert (
        api.get("/api/v1/entitlements", {"serial": "PH0001", "kind": "return", "fault": "none"}).json()[
            "sale_terms"
        ]
        is None
    )
    confirm(phone, gifts=[{"name": "耳机", "stated_price": "199.00", "returned": True}])

    body = api.get("/api/v1/entitlements", {"serial": "PH0001", "kind": "return", "fault": "none"}).json()

    terms = body["sale_terms"]
    assert terms["buyer_confirmed_no_return"] is True and terms["confirmed_via"] == "checkout"
    assert terms["confirmation_reference"] == "ORDER-1" and terms["confirmed_at"]
    assert terms["gifts"] == [{"name": "耳机", "stated_price": "199.00", "returned": True}]
    assert not [o for o in body["options"] if o["rule_id"] == "online.no_reason_return"]
    assert any("购买时已确认" in r["reason_zh"] for r in body["refusals"])


def test_admin_edits_sale_terms(client_for, pat, phone):
    admin = client_for(pat)
    assert admin.get("/admin/entitlement/saleterms/add/").status_code == 200
    r = admin.post(
        "/admin/entitlement/saleterms/add/",
        {
            "unit": phone.pk,
            "confirmed_at_0": "",
            "confirmed_at_1": "",
            "confirmed_via": "",
            "confirmation_reference": "",
            "gifts": "耳机 | 199",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    terms = SaleTerms.objects.get(unit=phone)
    assert (
        terms.gifts == [{"name": "耳机", "stated_price": "199.00", "returned": True}]
        and terms.recorded_by == pat
    )
    assert admin.get(f"/admin/entitlement/saleterms/{terms.pk}/change/").status_code == 200
