"""Back-office configuration: pages open, day edits reach the built calendar, forms validate."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from aftersales.sla.calendars import (
    business_calendar,
    calendar_create,
    calendar_day_set,
    calendar_load_official,
    calendars_refresh,
)
from aftersales.sla.models import CalendarDay, CalendarYear, EscalationRule, ServiceCalendar, SlaPolicy


def test_admin_pages_open(client_for, pat, calendar_a):
    client = client_for(pat)
    policy = SlaPolicy.objects.filter(organization=calendar_a.organization).first()
    day = CalendarDay.objects.filter(calendar=calendar_a).first()
    for url in (
        "/admin/sla/slapolicy/",
        f"/admin/sla/slapolicy/{policy.pk}/change/",
        "/admin/sla/slapolicy/add/",
        "/admin/sla/servicecalendar/",
        f"/admin/sla/servicecalendar/{calendar_a.pk}/change/",
        "/admin/sla/calendarday/",
        f"/admin/sla/calendarday/{day.pk}/change/",
        "/admin/sla/slaclock/",
        "/admin/sla/escalation/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_day_added_in_admin_changes_the_calendar(client_for, pat, calendar_a):
    before = business_calendar(ServiceCalendar.objects.get(pk=calendar_a.pk))
    assert before.hours_on(date(2025, 3, 12))
    response = client_for(pat).post(
        "/admin/sla/calendarday/add/",
        {
            "calendar": calendar_a.pk,
            "date": "2025-03-12",
            "kind": "special",
            "hours": "09:00-12:00",
            "name": "盘点",
        },
    )
    assert response.status_code == 302
    after = business_calendar(ServiceCalendar.objects.get(pk=calendar_a.pk))
    assert len(after.hours_on(date(2025, 3, 12))) == 1
    assert CalendarDay.objects.get(calendar=calendar_a, date=date(2025, 3, 12)).source == "admin"


def test_bad_hours_are_a_form_error(client_for, pat, calendar_a):
    response = client_for(pat).post(
        "/admin/sla/calendarday/add/",
        {"calendar": calendar_a.pk, "date": "2025-03-12", "kind": "special", "hours": "18:00-09:00"},
    )
    assert response.status_code == 200 and "结束时间必须晚于开始时间" in response.content.decode()


def test_reloading_the_official_schedule_keeps_admin_days(calendar_a):
    # an admin turns the official 2025-10-08 holiday into a working day for the hotline
    calendar_day_set(calendar=calendar_a, day=date(2025, 10, 8), kind="special", hours="09:00-17:00")
    calendar_load_official(calendar=calendar_a, years=[2025])
    row = CalendarDay.objects.get(calendar=calendar_a, date=date(2025, 10, 8))
    assert row.kind == "special" and row.source == "admin"
    assert CalendarDay.objects.filter(calendar=calendar_a, date=date(2025, 10, 7), kind="holiday").exists()


def test_a_rule_needs_exactly_one_trigger(calendar_a):
    policy = SlaPolicy.objects.filter(organization=calendar_a.organization).first()
    with pytest.raises(ValidationError):
        EscalationRule(policy=policy, name="x", threshold_percent=50, after_minutes=60).full_clean()
    with pytest.raises(ValidationError):
        EscalationRule(policy=policy, name="x").full_clean()


def test_the_daily_refresh_loads_the_coming_years_and_new_confirmations(org_a):
    # a calendar made with 2025 only, and 2026 not yet known as confirmed
    calendar = calendar_create(organization=org_a, years=[2025])
    assert calendars_refresh(today=date(2026, 6, 1)) == 1
    years = dict(CalendarYear.objects.filter(calendar=calendar).values_list("year", "confirmed"))
    assert years == {2025: True, 2026: True, 2027: False, 2028: False}
    assert CalendarDay.objects.filter(calendar=calendar, date=date(2026, 10, 1), kind="holiday").exists()
    # nothing left to do the next day
    assert calendars_refresh(today=date(2026, 6, 2)) == 0
