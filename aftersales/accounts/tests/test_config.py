"""The per-process cache of an organization's settings: every change reaches the next API call."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import transaction
from django.test import Client

from aftersales.accounts import config
from aftersales.accounts.models import Organization
from aftersales.accounts.tokens import token_create
from aftersales.notifications.models import OutboxMessage, WebhookSubscription
from aftersales.service.models import ServiceRequest
from aftersales.sla.calendars import calendar_create, calendar_day_set
from aftersales.sla.models import Metric, RequestSla, ServiceCalendar, SlaPolicy, SlaTarget
from aftersales.stations.models import ServiceStation
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    """An integration's client: a bearer token, the path whose organization reads are fresh."""
    _token, raw = token_create(user=alice, name="erp")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def unit(org_a):
    customer = CustomerFactory(organization=org_a, email="c@example.com")
    AddressFactory(customer=customer, latitude=39.91, longitude=116.46)  # Beijing, Chaoyang
    return UnitFactory(organization=org_a, customer=customer)


def _create(api: Client, unit: object, **extra: object) -> ServiceRequest:
    body = {
        "kind": "repair",
        "description": "不制冷",
        "customer_id": unit.customer_id,
        "unit_serial": unit.serial_number,
        "allow_duplicate": True,
        **extra,
    }
    r = api.post("/api/v1/requests", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return ServiceRequest.objects.get(number=r.json()["number"])


def _reply_webhooks(api: Client, sr: ServiceRequest) -> list[str]:
    """Where the webhooks queued by a staff reply through the API go. A reply's are queued in the
    request, from the organization's cached subscriptions (a create's by the delivery job)."""
    before = list(OutboxMessage.objects.filter(channel="webhook").values_list("pk", flat=True))
    r = api.post(
        f"/api/v1/requests/{sr.number}/messages",
        data=json.dumps({"body": "好的"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return sorted(
        OutboxMessage.objects.filter(channel="webhook")
        .exclude(pk__in=before)
        .values_list("recipient", flat=True)
    )


def test_a_webhook_added_changed_or_removed_reaches_the_next_reply(api, unit, org_a):
    sr = _create(api, unit)
    # given an organization whose settings this process has cached (no webhooks yet)
    for _ in range(2):
        assert _reply_webhooks(api, sr) == []
    # when an admin subscribes a receiver, the very next reply queues a delivery to it
    sub = WebhookSubscription.objects.create(
        organization=org_a, url="https://hooks.example.com/a", secret="s"
    )
    assert _reply_webhooks(api, sr) == ["https://hooks.example.com/a"]
    # a second one, then the first switched off
    WebhookSubscription.objects.create(organization=org_a, url="https://hooks.example.com/b", secret="s")
    assert _reply_webhooks(api, sr) == ["https://hooks.example.com/a", "https://hooks.example.com/b"]
    sub.is_active = False
    sub.save()
    assert _reply_webhooks(api, sr) == ["https://hooks.example.com/b"]
    # and removed altogether
    WebhookSubscription.objects.all().delete()
    assert _reply_webhooks(api, sr) == []


def test_a_station_opened_or_moved_reaches_the_next_create(api, unit, org_a):
    assert RequestSla.objects.get(request=_create(api, unit)).station_id is None
    assert RequestSla.objects.get(request=_create(api, unit)).station_id is None
    # a station opens within reach of the customer's address
    station = ServiceStation.objects.create(
        organization=org_a,
        code="bj",
        name="北京朝阳",
        province="北京市",
        city="北京市",
        address="a",
        latitude=39.92,
        longitude=116.44,
        service_radius_km=20,
    )
    assert RequestSla.objects.get(request=_create(api, unit)).station_id == station.pk
    # with a calendar of its own, which requests it serves then run on
    own = calendar_create(organization=org_a, station=station, name="网点日历")
    assert RequestSla.objects.get(request=_create(api, unit)).calendar_id == own.pk
    # it moves out of reach
    station.latitude, station.longitude = 31.23, 121.47  # Shanghai
    station.save()
    assert RequestSla.objects.get(request=_create(api, unit)).station_id is None


def test_a_policy_target_changed_reaches_the_next_create(api, unit, org_a):
    first = _create(api, unit)
    _create(api, unit)
    clock = first.sla_clocks.get(metric=Metric.RESOLUTION)
    target = SlaTarget.objects.get(policy=clock.policy, metric=Metric.RESOLUTION)
    target.minutes = clock.target_minutes * 2
    target.save()
    assert (
        _create(api, unit).sla_clocks.get(metric=Metric.RESOLUTION).target_minutes == clock.target_minutes * 2
    )
    # a policy switched off: repairs fall to the next one that takes every kind
    policy = SlaPolicy.objects.get(pk=clock.policy_id)
    policy.is_active = False
    policy.save()
    assert _create(api, unit).sla_clocks.get(metric=Metric.FIRST_RESPONSE).policy_id != clock.policy_id


def test_a_calendar_change_replaces_the_stamp(org_a, unit, api):
    _create(api, unit)  # the first create makes the default calendar
    calendar = ServiceCalendar.objects.get(organization=org_a, station__isnull=True)
    before = Organization.objects.get(pk=org_a.pk).config_stamp
    calendar_day_set(calendar=calendar, day=date(2031, 5, 20), kind="holiday", name="店庆")
    after = Organization.objects.get(pk=org_a.pk).config_stamp
    assert after != before
    calendar.name = "改名"
    calendar.save()
    assert Organization.objects.get(pk=org_a.pk).config_stamp not in (before, after)


def test_only_an_organization_read_in_this_request_answers_from_the_cache(org_a):
    loads: list[int] = []

    def load() -> tuple[int, bool]:
        loads.append(1)
        return len(loads), True

    # an Organization held for a while (a page, a job, this test) always reads the database
    assert [config.cached(org_a, "t", load) for _ in range(2)] == [1, 2]
    # one the token lookup just read answers from the cache while its stamp stands
    fresh = config.mark_fresh(Organization.objects.get(pk=org_a.pk))
    assert [config.cached(fresh, "t", load) for _ in range(2)] == [3, 3]
    config.config_touch(org_a.pk)
    fresh = config.mark_fresh(Organization.objects.get(pk=org_a.pk))
    assert config.cached(fresh, "t", load) == 4
    # a value whose load wrote something (kept False) is not kept
    assert [
        config.cached(fresh, "w", lambda: (object(), False))
        is config.cached(fresh, "w", lambda: (object(), False))
    ] == [False]


def test_a_rolled_back_change_never_brings_back_a_cached_stamp(org_a):
    fresh = config.mark_fresh(Organization.objects.get(pk=org_a.pk))
    config.cached(fresh, "t", lambda: ("old", True))
    stamps = {fresh.config_stamp}
    for _ in range(20):
        with pytest.raises(RuntimeError), transaction.atomic():
            config.config_touch(org_a.pk)
            stamps.add(Organization.objects.get(pk=org_a.pk).config_stamp)
            raise RuntimeError
    assert len(stamps) == 21  # random, never a counter that a rollback winds back
    assert Organization.objects.get(pk=org_a.pk).config_stamp == fresh.config_stamp
