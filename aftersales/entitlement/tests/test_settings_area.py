"""The entitlement section of the console settings area: category terms and the holiday reading, org admins only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aftersales.accounts.models import SettingsChange
from aftersales.entitlement import facts as build
from aftersales.entitlement.facts import rest_days
from aftersales.entitlement.models import CategoryPolicy, EntitlementSettings
from aftersales.testing.factories import CategoryFactory

pytestmark = pytest.mark.django_db

BASE = {"depreciation_rate_per_day": "0.00100", "no_reason_exclusion": "none"}


def url(category) -> str:
    return f"/console/settings/entitlement/categories/{category.pk}/"


def test_the_section_is_listed_in_the_settings_area(client_for, olga, tv_model):
    page = client_for(olga).get("/console/settings/").content.decode()

    assert "/console/settings/entitlement/" in page and "三包与退换货规则" in page


def test_org_admin_edits_a_categorys_terms_and_the_change_is_logged(client_for, olga, tv_model):
    admin = client_for(olga)
    category = tv_model.category

    r = admin.post(
        url(category),
        {
            **BASE,
            "depreciation_rate_per_day": "0.00200",
            "no_reason_exclusion": "activation_devalues",
            "return_days": "10",
            "seller_pays_return_shipping": "on",
        },
    )

    assert r.status_code == 302, r.content.decode()[:2000]
    policy = CategoryPolicy.objects.get(category=category)
    assert str(policy.depreciation_rate_per_day) == "0.00200" and policy.return_days == 10
    assert policy.no_reason_exclusion == "activation_devalues" and policy.seller_pays_return_shipping
    log = SettingsChange.objects.get(organization=tv_model.organization, area="entitlement")
    assert log.action == "created" and log.actor == olga
    assert log.detail["depreciation_rate_per_day"] == ["0.00100", "0.00200"]
    assert log.detail["return_days"] == [None, 10]
    page = admin.get(url(category)).content.decode()
    assert "《部分商品修理更换退货责任规定》第十三条" in page  # the help text cites the rule
    table = page[page.index('id="effective-rules"') :]
    assert "<strong>10 日</strong> （已延长）" in table


def test_a_promise_below_the_law_is_refused_and_what_was_typed_is_kept(client_for, olga, tv_model):
    r = client_for(olga).post(url(tv_model.category), {**BASE, "return_days": "3", "exchange_days": "20"})

    assert r.status_code == 422
    html = r.content.decode()
    assert "性能故障退货期不能低于法定最低标准 7日（填写了 3日）" in html
    assert 'value="20"' in html and 'value="3"' in html
    assert not CategoryPolicy.objects.exists() and not SettingsChange.objects.exists()


@pytest.mark.parametrize("n", ["0.0060", "0.0080", "-0.0010"])
def test_a_car_compensation_rate_above_the_2021_ceiling_is_refused_citing_the_rule(
    client_for, olga, car_model, n
):
    r = client_for(olga).post(
        url(car_model.category), {"no_reason_exclusion": "none", "use_compensation_rate": n}
    )

    assert r.status_code == 422
    form = r.context["form"]
    assert list(form.errors) == ["use_compensation_rate"]
    reason = form.errors["use_compensation_rate"][0]
    assert "《家用汽车产品修理更换退货责任规定》（2021年" in reason and "不得高于0.5%" in reason
    assert "0.8%" in reason  # says the 2013 range is repealed
    assert reason in r.content.decode()
    assert not CategoryPolicy.objects.exists()


def test_a_car_rate_within_the_ceiling_is_saved_and_cars_show_car_fields_only(client_for, olga, car_model):
    admin = client_for(olga)
    form = admin.get(url(car_model.category)).context["form"]
    assert "use_compensation_rate" in form.fields and "depreciation_rate_per_day" not in form.fields

    r = admin.post(
        url(car_model.category),
        {"no_reason_exclusion": "none", "use_compensation_rate": "0.0040", "car_warranty_km": "100000"},
    )

    assert r.status_code == 302, r.content.decode()[:2000]
    policy = CategoryPolicy.objects.get(category=car_model.category)
    assert str(policy.use_compensation_rate) == "0.0040" and policy.car_warranty_km == 100_000


def test_another_organizations_category_answers_404(client_for, olga, org_b):
    theirs = CategoryFactory(organization=org_b, code="phone", name="手机")
    admin = client_for(olga)

    assert admin.get(url(theirs)).status_code == 404
    assert admin.post(url(theirs), {**BASE, "return_days": "30"}).status_code == 404
    assert not CategoryPolicy.objects.exists()


@pytest.mark.parametrize("who", ["alice", "tina", "carol"])
def test_other_roles_get_404(client_for, request, tv_model, who):
    user = request.getfixturevalue(who)
    api = client_for(user)

    assert api.get("/console/settings/entitlement/").status_code == 404
    assert api.get(url(tv_model.category)).status_code == 404
    assert api.post(url(tv_model.category), {**BASE, "return_days": "30"}).status_code == 404
    assert not CategoryPolicy.objects.exists()


def test_the_holiday_setting_defaults_to_extend_and_is_explained(client_for, olga):
    page = client_for(olga).get("/console/settings/entitlement/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "第二百零三条" in html and "默认：顺延" in html
    assert page.context["form"]["no_reason_holiday_extends"].value() is True


def test_turning_the_extension_off_is_logged_and_changes_the_deadline(
    client_for,
    olga,
    alice,
    online_unit,
    monkeypatch,
):
    """The unit was signed for 3 days ago; with its last day made a rest day the two settings differ."""
    last = online_unit.delivery_date + timedelta(days=7)
    monkeypatch.setattr(build, "rest_days", lambda start, end: (last,))
    api = client_for(alice)
    ask = {"serial": "TV0001", "kind": "return", "fault": "none"}
    extended = api.get("/api/v1/entitlements", ask).json()
    assert extended["facts_used"]["no_reason_deadline"] == (last + timedelta(days=1)).isoformat()

    r = client_for(olga).post("/console/settings/entitlement/", {})  # the box unticked
    assert r.status_code == 302
    assert (
        EntitlementSettings.objects.get(organization=online_unit.organization).no_reason_holiday_extends
        is False
    )
    log = SettingsChange.objects.get(area="entitlement")
    assert log.detail == {"no_reason_holiday_extends": [True, False]}

    strict = client_for(alice).get("/api/v1/entitlements", ask).json()
    assert strict["facts_used"]["no_reason_deadline"] == last.isoformat()
    option = next(o for o in strict["options"] if o["rule_id"] == "online.no_reason_return")
    assert "不顺延" in option["reason_zh"]


@pytest.mark.official_calendar
def test_rest_days_follow_the_official_schedule() -> None:
    # 2024: 1 Oct (National Day) is a holiday; Sunday 29 Sep and Saturday 12 Oct were 调休 working days.
    days = set(rest_days(date(2024, 9, 28), date(2024, 10, 13)))
    assert date(2024, 10, 1) in days and date(2024, 10, 7) in days
    assert date(2024, 9, 29) not in days and date(2024, 10, 12) not in days
    assert date(2024, 9, 28) in days and date(2024, 10, 13) in days and date(2024, 10, 8) not in days
