"""The organization admin's SLA settings through real HTTP: policies and targets, escalation
rules, calendars and their days; scoped to the admin's organization and audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from aftersales.accounts.models import SettingsChange
from aftersales.catalog.models import ProductCategory
from aftersales.sla.calendars import business_calendar
from aftersales.sla.models import (
    CalendarDay,
    CalendarYear,
    EscalationRule,
    Metric,
    ServiceCalendar,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    WorkingHours,
)
from aftersales.stations.models import ServiceStation

from .conftest import sh

POLICY = {
    "name": "VIP 维修：4 小时上门",
    "position": "5",
    "is_active": "on",
    "kinds": ["repair"],
    "priorities": ["urgent"],
    "pause_statuses": ["awaiting_customer"],
}


def _log(org, area: str) -> list[SettingsChange]:
    return list(SettingsChange.objects.filter(organization=org, area=area).order_by("id"))


def test_admin_creates_a_policy_and_a_target(client_for, olga, calendar_a):
    client = client_for(olga)
    # when
    response = client.post(reverse("sla:settings-policy-new"), POLICY)
    # then
    policy = SlaPolicy.objects.get(organization=olga.organization, name=POLICY["name"])
    assert response.status_code == 302 and response["Location"] == reverse(
        "sla:settings-policy", args=[policy.pk]
    )
    assert (policy.kinds, policy.priorities, policy.position) == (["repair"], ["urgent"], 5)
    response = client.post(
        reverse("sla:settings-target-save", args=[policy.pk]),
        {"metric": "onsite_arrival", "amount": "4", "unit": "hours", "basis": "calendar"},
    )
    assert response.status_code == 302
    target = SlaTarget.objects.get(policy=policy)
    assert (target.metric, target.minutes, target.basis) == ("onsite_arrival", 240, "calendar")
    # the list shows it with its target in words
    page = client.get(reverse("sla:settings-policies")).content.decode()
    assert POLICY["name"] in page and "4 小时" in page
    actions = [(c.action, c.target) for c in _log(olga.organization, "sla")]
    assert actions == [("created", POLICY["name"]), ("created", f"{POLICY['name']} · 上门到达")]
    assert SettingsChange.objects.filter(organization=olga.organization, actor=olga).count() == 2


def test_a_target_edited_in_the_console_applies_to_the_next_request(client_for, olga, make_request):
    first = make_request("consultation", sh(2025, 3, 10, 10))  # warms this process's policy cache
    assert SlaClock.objects.get(request=first, metric=Metric.FIRST_RESPONSE).target_minutes == 120
    policy = SlaPolicy.objects.get(organization=olga.organization, name__startswith="咨询")
    # when: the admin tightens first response to 30 working minutes
    response = client_for(olga).post(
        reverse("sla:settings-target-save", args=[policy.pk]),
        {"metric": "first_response", "amount": "30", "unit": "minutes", "basis": "working"},
    )
    assert response.status_code == 302
    # then
    second = make_request("consultation", sh(2025, 3, 10, 10))
    clock = SlaClock.objects.get(request=second, metric=Metric.FIRST_RESPONSE)
    assert clock.target_minutes == 30 and clock.due_at == sh(2025, 3, 10, 10, 30)
    change = _log(olga.organization, "sla")[-1]
    assert change.action == "changed" and change.detail["changes"] == {"minutes": [120, 30]}
    # and deactivating the policy sends the next consultation to the catch-all policy
    client_for(olga).post(reverse("sla:settings-policy-active", args=[policy.pk]), {"active": "0"})
    third = make_request("consultation", sh(2025, 3, 10, 10))
    assert SlaClock.objects.get(request=third, metric=Metric.FIRST_RESPONSE).target_minutes == 480


def test_a_policy_edit_changes_conditions_and_categories(client_for, olga, calendar_a):
    policy = SlaPolicy.objects.get(organization=olga.organization, name__startswith="上门服务")
    ac = ProductCategory.objects.create(organization=olga.organization, code="ac", name="空调")
    data = {
        "name": "上门服务：空调",
        "position": "40",
        "is_active": "on",
        "kinds": ["repair", "installation"],
        "channels": ["phone"],
        "product_categories": [str(ac.pk)],
        "pause_statuses": ["awaiting_parts"],
    }
    response = client_for(olga).post(reverse("sla:settings-policy", args=[policy.pk]), data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.name == "上门服务：空调" and policy.channels == ["phone"]
    assert list(policy.product_categories.all()) == [ac]
    changes = _log(olga.organization, "sla")[-1].detail["changes"]
    assert changes["product_category_ids"] == [[], [ac.pk]] and changes["channels"] == [[], ["phone"]]


def test_invalid_input_names_the_field_keeps_the_input_and_saves_nothing(client_for, olga, calendar_a):
    client = client_for(olga)
    before = SlaPolicy.objects.count()
    response = client.post(reverse("sla:settings-policy-new"), {**POLICY, "name": "", "position": "-3"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "position"}
    html = response.content.decode()
    assert 'name="kinds" value="repair" class="form-check-input" id="id_kinds_1" checked' in html  # kept
    assert SlaPolicy.objects.count() == before
    # a target of zero, or one longer than a year
    policy = SlaPolicy.objects.filter(organization=olga.organization).first()
    targets = list(SlaTarget.objects.filter(policy=policy).values_list("metric", "minutes"))
    for amount, unit in (("0", "hours"), ("400", "days"), ("abc", "hours")):
        response = client.post(
            reverse("sla:settings-target-save", args=[policy.pk]),
            {"metric": "first_response", "amount": amount, "unit": unit, "basis": "calendar"},
        )
        assert response.status_code == 200 and "amount" in response.context["target_form"].errors
        assert f'value="{amount}"' in response.content.decode()
    response = client.post(
        reverse("sla:settings-target-save", args=[policy.pk]),
        {"metric": "nonsense", "amount": "3", "unit": "hours", "basis": "working"},
    )
    assert "metric" in response.context["target_form"].errors
    assert list(SlaTarget.objects.filter(policy=policy).values_list("metric", "minutes")) == targets
    # another organization's category is not a choice
    theirs = ProductCategory.objects.create(
        organization=calendar_a.organization.__class__.objects.create(name="Other", slug="other"),
        code="x",
        name="X",
    )
    response = client.post(
        reverse("sla:settings-policy-new"), {**POLICY, "product_categories": [str(theirs.pk)]}
    )
    assert "product_categories" in response.context["form"].errors
    assert SlaPolicy.objects.count() == before
    assert not SettingsChange.objects.filter(organization=olga.organization).exists()


def test_another_organizations_objects_are_not_found(client_for, olga, calendar_a, calendar_b):
    theirs = SlaPolicy.objects.filter(organization=calendar_b.organization).first()
    target = SlaTarget.objects.filter(policy=theirs).first()
    rule = EscalationRule.objects.filter(policy=theirs).first()
    client = client_for(olga)
    gets = [
        reverse("sla:settings-policy", args=[theirs.pk]),
        reverse("sla:settings-rule", args=[rule.pk]),
        reverse("sla:settings-rule-new", args=[theirs.pk]),
        reverse("sla:settings-calendar", args=[calendar_b.pk]),
        reverse("sla:settings-calendar-year", args=[calendar_b.pk, 2025]),
        reverse("sla:settings-calendar-day", args=[calendar_b.pk, "2025-03-12"]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = {
        reverse("sla:settings-policy", args=[theirs.pk]): POLICY,
        reverse("sla:settings-policy-active", args=[theirs.pk]): {"active": "0"},
        reverse("sla:settings-target-save", args=[theirs.pk]): {
            "metric": "first_response",
            "amount": "1",
            "unit": "hours",
            "basis": "working",
        },
        reverse("sla:settings-target-delete", args=[theirs.pk, target.pk]): {},
        reverse("sla:settings-rule", args=[rule.pk]): {
            "name": "x",
            "trigger": "percent",
            "threshold_percent": "50",
        },
        reverse("sla:settings-rule-delete", args=[rule.pk]): {},
        reverse("sla:settings-calendar", args=[calendar_b.pk]): {"form": "hours", "d0": "09:00-10:00"},
        reverse("sla:settings-calendar-day", args=[calendar_b.pk, "2025-03-12"]): {"kind": "holiday"},
        reverse("sla:settings-calendar-year-confirm", args=[calendar_b.pk, 2025]): {"confirmed": "on"},
        reverse("sla:settings-calendar-load", args=[calendar_b.pk, 2025]): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    # and one of olga's own targets is not reachable through their policy's URL either
    mine = SlaTarget.objects.filter(policy__organization=olga.organization).first()
    assert client.post(reverse("sla:settings-target-delete", args=[theirs.pk, mine.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and SlaTarget.objects.filter(pk=target.pk).exists()
    assert EscalationRule.objects.filter(pk=rule.pk).exists()
    assert not CalendarDay.objects.filter(calendar=calendar_b, date=date(2025, 3, 12)).exists()
    assert not SettingsChange.objects.exists()


def _all_urls(policy: SlaPolicy, calendar: ServiceCalendar) -> list[str]:
    target = SlaTarget.objects.filter(policy=policy).first()
    rule = EscalationRule.objects.filter(policy=policy).first()
    assert target is not None and rule is not None
    return [
        reverse("sla:settings-policies"),
        reverse("sla:settings-policy-new"),
        reverse("sla:settings-policy", args=[policy.pk]),
        reverse("sla:settings-policy-active", args=[policy.pk]),
        reverse("sla:settings-target-save", args=[policy.pk]),
        reverse("sla:settings-target-delete", args=[policy.pk, target.pk]),
        reverse("sla:settings-escalation"),
        reverse("sla:settings-rule-new", args=[policy.pk]),
        reverse("sla:settings-rule", args=[rule.pk]),
        reverse("sla:settings-rule-delete", args=[rule.pk]),
        reverse("sla:settings-calendars"),
        reverse("sla:settings-calendar-new"),
        reverse("sla:settings-calendar", args=[calendar.pk]),
        reverse("sla:settings-calendar-delete", args=[calendar.pk]),
        reverse("sla:settings-calendar-year", args=[calendar.pk, 2025]),
        reverse("sla:settings-calendar-year-confirm", args=[calendar.pk, 2025]),
        reverse("sla:settings-calendar-load", args=[calendar.pk, 2025]),
        reverse("sla:settings-calendar-day", args=[calendar.pk, "2025-03-12"]),
        reverse("dispatch:settings-assignment"),
        reverse("dispatch:settings-skill-new"),
        reverse("outbox:settings"),
    ]


@pytest.mark.parametrize("who", ["alice", "dave", "tina", "pam", "quinn", "carol", "pat"])
def test_every_settings_url_is_not_found_for_other_roles(request, client_for, who, calendar_a):
    policy = SlaPolicy.objects.filter(organization=calendar_a.organization).first()
    client = client_for(request.getfixturevalue(who))
    for url in _all_urls(policy, calendar_a):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "active": "0", "kind": "holiday"}).status_code == 404, url
    policy.refresh_from_db()
    assert policy.is_active and not SettingsChange.objects.exists()


def test_the_admin_opens_every_page(client_for, olga, calendar_a):
    policy = SlaPolicy.objects.filter(organization=calendar_a.organization).first()
    client = client_for(olga)
    pages = [
        u
        for u in _all_urls(policy, calendar_a)
        if not u.endswith(("/active/", "/delete/", "/targets/", "/confirm/", "/load/", "/new/"))
        or u.endswith("sla/new/")
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'class="list-group-item list-group-item-action active"' in response.content.decode(), url
    index = client.get(reverse("settings:index")).content.decode()
    for name in (
        "sla:settings-policies",
        "sla:settings-calendars",
        "sla:settings-escalation",
        "dispatch:settings-assignment",
        "outbox:settings",
    ):
        assert f'href="{reverse(name)}"' in index, name


def test_a_day_override_changes_the_calendar_the_sla_clock_runs_on(client_for, olga, make_request):
    calendar = ServiceCalendar.objects.get(organization=olga.organization, station__isnull=True)
    before = make_request("consultation", sh(2025, 3, 12, 9))  # a Wednesday: due at 11:00 the same day
    assert SlaClock.objects.get(request=before, metric=Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 12, 11)
    # when: the admin closes 2025-03-12 for the company's annual meeting
    response = client_for(olga).post(
        reverse("sla:settings-calendar-day", args=[calendar.pk, "2025-03-12"]),
        {"kind": "holiday", "name": "公司年会"},
    )
    assert response.status_code == 302
    # then: the built calendar and the next request's clock skip the day
    calendar.refresh_from_db()
    assert business_calendar(calendar).hours_on(date(2025, 3, 12)) == ()
    after = make_request("consultation", sh(2025, 3, 12, 9))
    assert SlaClock.objects.get(request=after, metric=Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 13, 11)
    row = CalendarDay.objects.get(calendar=calendar, date=date(2025, 3, 12))
    assert (row.kind, row.source, row.name) == ("holiday", "admin", "公司年会")
    change = _log(olga.organization, "calendars")[-1]
    assert change.target.endswith("2025-03-12") and change.detail["after"]["kind"] == "holiday"
    # the year view marks it, and a reset brings the working day back
    page = (
        client_for(olga).get(reverse("sla:settings-calendar-year", args=[calendar.pk, 2025])).content.decode()
    )
    assert 'data-date="2025-03-12" data-kind="off"' in page
    client_for(olga).post(
        reverse("sla:settings-calendar-day", args=[calendar.pk, "2025-03-12"]), {"reset": "1"}
    )
    assert not CalendarDay.objects.filter(calendar=calendar, date=date(2025, 3, 12)).exists()
    third = make_request("consultation", sh(2025, 3, 12, 9))
    assert SlaClock.objects.get(request=third, metric=Metric.FIRST_RESPONSE).due_at == sh(2025, 3, 12, 11)


def test_the_year_view_marks_official_holidays_and_make_up_workdays(client_for, olga, calendar_a):
    response = client_for(olga).get(reverse("sla:settings-calendar-year", args=[calendar_a.pk, 2025]))
    html = response.content.decode()
    # Spring Festival 2025: 28 Jan – 4 Feb off, Sunday 26 Jan and Saturday 8 Feb worked (调休)
    assert 'data-date="2025-01-29" data-kind="holiday"' in html
    assert 'data-date="2025-01-26" data-kind="makeup"' in html
    assert 'data-date="2025-02-08" data-kind="makeup"' in html
    assert 'data-date="2025-03-15" data-kind="weekend"' in html
    assert 'data-date="2025-03-12" data-kind="workday"' in html
    assert html.count('class="cal-month"') == 12
    counts = response.context["counts"]
    assert counts["makeup"] >= 2 and counts["holiday"] >= 10
    # 261 weekdays, 18 of them official holidays, plus 5 make-up Saturdays and Sundays
    assert counts["workday"] + counts["makeup"] == 248 and counts["makeup"] == 5


def test_a_make_up_workday_can_be_a_special_day_and_bad_hours_are_refused(client_for, olga, calendar_a):
    url = reverse("sla:settings-calendar-day", args=[calendar_a.pk, "2025-01-26"])
    client = client_for(olga)
    response = client.post(url, {"kind": "special", "hours": "18:00-09:00", "name": "半天"})
    assert response.status_code == 200 and "hours" in response.context["form"].errors
    assert (
        "结束时间必须晚于开始时间" in response.content.decode()
        and 'value="半天"' in response.content.decode()
    )
    assert CalendarDay.objects.get(calendar=calendar_a, date=date(2025, 1, 26)).source == "official"
    assert client.post(url, {"kind": "special", "hours": "09:00-12:00"}).status_code == 302
    calendar_a.refresh_from_db()
    assert len(business_calendar(calendar_a).hours_on(date(2025, 1, 26))) == 1


def test_weekly_hours_with_a_lunch_break(client_for, olga, calendar_a):
    url = reverse("sla:settings-calendar", args=[calendar_a.pk])
    client = client_for(olga)
    bad = {"form": "hours", "d0": "09:00-12:00, 11:00-18:00", "d1": "9点到5点"}
    response = client.post(url, bad)
    assert response.status_code == 200
    errors = response.context["hours_form"].errors
    assert set(errors) == {"d0", "d1"} and "时段不能重叠" in errors["d0"][0]
    assert "9点到5点" in response.content.decode()
    good = {"form": "hours", **{f"d{d}": "08:30-12:00, 13:30-17:30" for d in range(5)}, "d5": "09:00-12:00"}
    assert client.post(url, good).status_code == 302
    assert WorkingHours.objects.filter(calendar=calendar_a).count() == 11
    calendar_a.refresh_from_db()
    assert len(business_calendar(calendar_a).hours_on(date(2025, 3, 15))) == 1  # Saturday morning now
    assert client.post(url, {"form": "hours"}).status_code == 200  # no working hours at all: refused
    assert WorkingHours.objects.filter(calendar=calendar_a).count() == 11


def test_a_year_is_confirmed_and_a_station_gets_its_own_calendar(client_for, olga, calendar_a):
    client = client_for(olga)
    response = client.post(
        reverse("sla:settings-calendar-year-confirm", args=[calendar_a.pk, 2027]),
        {"confirmed": "on", "note": "国办通知已核对"},
    )
    assert response.status_code == 302
    row = CalendarYear.objects.get(calendar=calendar_a, year=2027)
    assert row.confirmed and row.note == "国办通知已核对"
    station = ServiceStation.objects.create(
        organization=olga.organization, name="浦东网点", latitude=31.2, longitude=121.5, service_radius_km=20
    )
    response = client.post(
        reverse("sla:settings-calendar-new"),
        {"station": station.pk, "name": "", "timezone": "Asia/Shanghai", "holiday_source": "cn"},
    )
    assert response.status_code == 302, response.context["form"].errors
    calendar = ServiceCalendar.objects.get(station=station)
    assert response.status_code == 302 and calendar.name == "浦东网点"
    assert (
        WorkingHours.objects.filter(calendar=calendar).count()
        == WorkingHours.objects.filter(calendar=calendar_a).count()
    )
    areas = [
        (c.area, c.action)
        for c in SettingsChange.objects.filter(organization=olga.organization).order_by("id")
    ]
    assert areas == [("calendars", "confirmed"), ("calendars", "created")]
    assert client.post(reverse("sla:settings-calendar-delete", args=[calendar.pk])).status_code == 302
    assert client.post(reverse("sla:settings-calendar-delete", args=[calendar_a.pk])).status_code == 404
    log = client.get(reverse("settings:log")).content.decode()
    assert "浦东网点" in log


def test_escalation_rules_are_created_edited_and_validated(client_for, olga, quinn, calendar_a):
    policy = SlaPolicy.objects.get(organization=olga.organization, name__startswith="投诉")
    client = client_for(olga)
    url = reverse("sla:settings-rule-new", args=[policy.pk])
    response = client.post(
        url,
        {
            "name": "三级：质量经理",
            "trigger": "after",
            "threshold_percent": "80",
            "level": "3",
            "position": "9",
        },
    )
    assert response.status_code == 200 and "after_minutes" in response.context["form"].errors
    response = client.post(
        url,
        {"name": "只看不做", "trigger": "percent", "threshold_percent": "90", "level": "0", "position": "9"},
    )
    assert "notify_assignee" in response.context["form"].errors
    count = EscalationRule.objects.filter(policy=policy).count()
    response = client.post(
        url,
        {
            "name": "三级：质量经理",
            "trigger": "after",
            "after_minutes": "1200",
            "threshold_percent": "80",
            "level": "3",
            "notify_roles": ["quality_manager"],
            "reassign_to": str(quinn.pk),
            "position": "9",
            "metric": "resolution",
        },
    )
    assert response.status_code == 302
    rule = EscalationRule.objects.get(policy=policy, name="三级：质量经理")
    assert (rule.after_minutes, rule.threshold_percent, rule.level, rule.reassign_to) == (
        1200,
        None,
        3,
        quinn,
    )
    response = client.post(
        reverse("sla:settings-rule", args=[rule.pk]),
        {
            "name": "三级：质量经理",
            "trigger": "percent",
            "threshold_percent": "150",
            "level": "3",
            "notify_assignee": "on",
            "position": "9",
            "metric": "resolution",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.after_minutes, rule.threshold_percent, rule.reassign_to) == (None, 150, None)
    assert EscalationRule.objects.filter(policy=policy).count() == count + 1
    assert "三级：质量经理" in client.get(reverse("sla:settings-escalation")).content.decode()
    assert [c.action for c in _log(olga.organization, "escalation")] == ["created", "changed"]
    assert client.post(reverse("sla:settings-rule-delete", args=[rule.pk])).status_code == 302
    assert not EscalationRule.objects.filter(pk=rule.pk).exists()
