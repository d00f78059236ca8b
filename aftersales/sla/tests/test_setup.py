"""An organization's SLA set-up does not depend on which app made its calendar first.

Dispatch's station calendars (the board, slot search) make the organization's default calendar
when a dispatcher opens the board before the first request; the policies must follow anyway.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

from django.apps import apps as global_apps
from django.utils import timezone

from aftersales.dispatch.workdays import StationCalendars
from aftersales.service import services
from aftersales.sla.backfill import sla_backfill
from aftersales.sla.models import RequestSla, ServiceCalendar, SlaClock, SlaPolicy
from aftersales.sla.policies import sla_setup_all
from aftersales.testing.factories import CustomerFactory, UnitFactory


def _repair(org, customer):
    unit = UnitFactory(organization=org, customer=customer)
    return services.request_create(
        organization=org,
        customer=customer,
        by=None,
        kind="repair",
        channel="web",
        description="洗衣机不脱水",
        unit=unit,
        notify=False,
    )


def test_a_calendar_made_by_dispatch_first_still_gets_the_default_policies(org_a, carol):
    # given: a dispatcher's board built the organization's calendar before any request
    StationCalendars(org_a).weekday(None, date(2026, 12, 7))
    assert ServiceCalendar.objects.filter(organization=org_a, station__isnull=True).exists()
    assert not SlaPolicy.objects.filter(organization=org_a).exists()
    # when: the first request arrives
    sr = _repair(org_a, CustomerFactory(organization=org_a, user=carol))
    # then: it has a policy and running clocks
    assert SlaPolicy.objects.filter(organization=org_a).count() == 5
    assert RequestSla.objects.get(request=sr).policy is not None
    assert SlaClock.objects.filter(request=sr, state=SlaClock.State.RUNNING).exists()


def test_the_job_repairs_an_organization_whose_requests_ran_without_policies(org_a, carol):
    # given: the state the old set-up left: a calendar, no policy, requests with empty SLA rows
    StationCalendars(org_a).weekday(None, date(2026, 12, 7))
    customer = CustomerFactory(organization=org_a, user=carol)
    sr = _repair(org_a, customer)
    SlaClock.objects.filter(request=sr).delete()
    SlaPolicy.objects.filter(organization=org_a).delete()
    RequestSla.objects.filter(request=sr).update(policy=None)
    ServiceCalendar.objects.filter(organization=org_a).update(policies_seeded_at=None)
    # when: the sla.check job's set-up and backfill run
    assert sla_setup_all() == 1
    sla_backfill(now=timezone.now() + timedelta(minutes=1))
    # then: the request was replayed against the new defaults
    assert RequestSla.objects.get(request=sr).policy is not None
    assert SlaClock.objects.filter(request=sr).count() >= 2


def test_policies_deleted_on_purpose_stay_deleted(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol)
    _repair(org_a, customer)
    SlaPolicy.objects.filter(organization=org_a).delete()
    sla_setup_all()
    sr = _repair(org_a, customer)
    assert not SlaPolicy.objects.filter(organization=org_a).exists()
    assert RequestSla.objects.get(request=sr).policy is None


def test_the_migration_repairs_an_unseeded_calendar(org_a, carol):
    StationCalendars(org_a).weekday(None, date(2026, 12, 7))
    ServiceCalendar.objects.filter(organization=org_a).update(policies_seeded_at=None)
    migration = import_module("aftersales.sla.migrations.0007_policies_seeded_marker")
    migration.repair(global_apps, None)
    policies = SlaPolicy.objects.filter(organization=org_a)
    assert policies.count() == 5
    assert all(p.targets.exists() for p in policies)
    assert (
        ServiceCalendar.objects.get(organization=org_a, station__isnull=True).policies_seeded_at is not None
    )
    migration.repair(global_apps, None)  # marked: a second run adds nothing
    assert policies.count() == 5
