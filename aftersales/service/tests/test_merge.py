"""Merging is the lifecycle's ``merge`` transition, and it locks its two rows in primary-key order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from aftersales.core.errors import Conflict
from aftersales.service import lifecycle, services
from aftersales.service.lifecycle import Status
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.testing.factories import CustomerFactory

# The row lock's query, on any backend: "... FROM service_servicerequest WHERE ... id = %s ..."
LOCK = re.compile(r'^SELECT .* FROM "service_servicerequest" WHERE "service_servicerequest"\."id" = ', re.S)


@pytest.fixture
def twins(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol)

    def make(description: str) -> ServiceRequest:
        return services.request_create(
            organization=org_a,
            customer=customer,
            by=None,
            kind="consultation",
            channel="web",
            description=description,
        )

    return make("先来的"), make("后来的")


def _locked_pks(run: Callable[[], Any]) -> list[int]:
    """The primary keys of the request rows selected by id, in the order the database was asked."""
    seen: list[int] = []

    def record(execute, sql, params, many, context):
        if LOCK.match(sql):
            seen.append(int(params[0]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen


@pytest.mark.parametrize("low_into_high", [True, False], ids=["low-into-high", "high-into-low"])
def test_merge_locks_both_rows_in_primary_key_order_whichever_way_round(twins, alice, low_into_high):
    # given two requests of one customer
    low, high = sorted(twins, key=lambda r: r.pk)
    source, target = (low, high) if low_into_high else (high, low)
    # when one is merged into the other
    pks = _locked_pks(lambda: services.request_merge(source=source, target=target, by=alice))
    # then the lower key is locked first both ways round, so two crossing merges cannot deadlock
    assert pks[:2] == [low.pk, high.pk]
    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == (Status.CLOSED, target.pk)


def test_merge_is_the_lifecycle_transition_and_writes_its_event(twins, alice):
    source, target = twins
    services.request_merge(source=source, target=target, by=alice)
    source.refresh_from_db()
    event = RequestEvent.objects.get(request=source, kind=RequestEvent.Kind.MERGE)
    assert (event.from_status, event.to_status) == ("new", lifecycle.MERGE.target)
    assert source.closed_at is not None
    # merge is nobody's status button: it is not in any kind's own table
    assert all(lifecycle.find(kind, "merge") is None for kind in lifecycle.FLOWS)


def test_merge_refuses_a_source_that_closed_after_it_was_read(twins, alice):
    # given a source read while open, then closed by someone else before the merge locks it
    source, target = twins
    ServiceRequest.objects.filter(pk=source.pk).update(status=Status.CANCELLED)
    # when / then the transition is checked again under the lock
    with pytest.raises(Conflict, match="只能合并未完成的服务单"):
        services.request_merge(source=source, target=target, by=alice)
    assert Status.CANCELLED not in lifecycle.MERGE.sources
    assert not RequestEvent.objects.filter(kind=RequestEvent.Kind.MERGE).exists()
