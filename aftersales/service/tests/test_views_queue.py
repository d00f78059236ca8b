"""The agent console's request queue and its bulk actions, through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.service import services
from aftersales.service.models import ServiceRequest
from aftersales.service.tests.support import HTMX, flash, open_request
from aftersales.testing.factories import ProductModelFactory, UnitFactory

pytestmark = pytest.mark.django_db


# --- queue -----------------------------------------------------------------------------------


def test_queue_returns_only_the_rows_partial_for_htmx(client_for, alice, sr):
    client = client_for(alice)

    partial = client.get("/console/requests/?q=SN-CAROL-1", **HTMX).content.decode()
    full = client.get("/console/requests/?q=SN-CAROL-1").content.decode()

    assert sr.number in partial and "<html" not in partial and 'id="filters"' not in partial
    assert "<html" in full and 'id="filters"' in full and sr.number in full


def test_queue_filters_come_from_the_url(client_for, alice, tina, org_a, carols_unit):
    urgent = open_request(carols_unit, priority="urgent", description="冒烟")
    phone = open_request(carols_unit, kind="maintenance", channel="phone", description="年度保养")
    mine = open_request(UnitFactory(organization=org_a, serial_number="SN-OTHER-9"), description="异响")
    services.request_assign(request=mine, assignee=alice, by=alice)
    done = open_request(carols_unit, description="已修好")
    for name in ("accept", "assign", "start", "resolve", "close"):
        services.request_transition(request=done, name=name, by=alice, notify=False)
    client = client_for(alice)

    def numbers(query: str) -> set[str]:
        body = client.get("/console/requests/?" + query, **HTMX).content.decode()
        return {r.number for r in (urgent, phone, mine, done) if r.number in body}

    assert numbers("priority=urgent") == {urgent.number}
    assert numbers("kind=maintenance") == {phone.number}
    assert numbers("channel=phone") == {phone.number}
    assert numbers("queue=mine") == {mine.number}
    assert numbers("queue=unassigned") == {urgent.number, phone.number}
    assert numbers("queue=open") == {urgent.number, phone.number, mine.number}
    assert numbers("queue=all") == {urgent.number, phone.number, mine.number, done.number}
    assert numbers("queue=all&status=closed") == {done.number}
    assert numbers("queue=all&q=SN-OTHER-9") == {mine.number}
    assert numbers("queue=all&q=13812345678") == {urgent.number, phone.number, done.number}
    assert numbers(f"queue=all&q={done.number}") == {done.number}
    assert numbers(f"queue=all&q={done.number.lower()}") == {done.number}  # typed in lower case
    # a value the URL should not have is ignored, not an error page
    assert numbers("priority=bogus&queue=nope") == {urgent.number, phone.number, mine.number}


def test_queue_keeps_filters_in_the_page_and_pager(client_for, alice, carols_unit):
    for i in range(27):
        open_request(carols_unit, priority="high", description=f"问题 {i}")
    body = client_for(alice).get("/console/requests/?priority=high&q=问题").content.decode()

    assert '<option value="high" selected>' in body
    assert 'value="问题"' in body
    assert 'href="?priority=high&q=%E9%97%AE%E9%A2%98&page=2"' in body


def _rows(client, n: int, unit) -> int:
    for _ in range(n):
        open_request(unit)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/console/requests/?queue=all")
    assert response.status_code == 200
    assert response.content.decode().count('name="numbers"') == min(ServiceRequest.objects.count(), 25)
    return len(ctx.captured_queries)


def test_queue_pages_come_in_their_sort_order(client_for, alice, org_a):
    # The page's ids are picked first and its rows read by id: they must come back in the queue's
    # order (newest first here), page after page, with nothing repeated or skipped.
    unit = UnitFactory(organization=org_a)
    made = [open_request(unit) for _ in range(30)]
    client = client_for(alice)
    seen: list[str] = []
    for page in (1, 2):
        body = client.get(f"/console/requests/?queue=all&sort=newest&page={page}").content.decode()
        seen += re.findall(r'name="numbers" value="([^"]+)"', body)
    expected = [sr.number for sr in sorted(made, key=lambda sr: (sr.created_at, sr.pk), reverse=True)]
    assert seen == expected


def test_queue_query_count_does_not_grow_with_rows(client_for, alice, org_a):
    client = client_for(alice)
    models = [ProductModelFactory(organization=org_a) for _ in range(3)]
    units = [UnitFactory(organization=org_a, product_model=models[i % 3]) for i in range(6)]

    few = _rows(client, 5, units[0])
    for unit in units[1:]:
        _rows(client, 5, unit)
    many = _rows(client, 0, units[0])

    assert ServiceRequest.objects.count() == 30
    assert many == few
    # session, user, the user's organization (menu), count, staff for the bulk select, the page's ids
    # (sorted on the request table alone), the rows for those ids, and their SLA clocks in one prefetch
    assert many <= 8


# --- bulk actions ----------------------------------------------------------------------------


def test_bulk_assign_changes_only_the_ticked_rows(client_for, alice, tina, carols_unit):
    a, b, c = (open_request(carols_unit, description=d) for d in ("一", "二", "三"))

    response = client_for(alice).post(
        "/console/requests/bulk/",
        {
            "numbers": [a.number, b.number],
            "action": "assign",
            "assignee": tina.pk,
            "querystring": "queue=open",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/console/requests/?queue=open"
    assert {r.number: r.assignee_id for r in ServiceRequest.objects.all()} == {
        a.number: tina.pk,
        b.number: tina.pk,
        c.number: None,
    }
    assert any("已处理 2 张" in m for m in flash(response))


def test_bulk_transition_reports_which_failed_and_why(client_for, alice, bob, carols_unit, org_b):
    fresh = open_request(carols_unit, description="新单")
    taken = open_request(carols_unit, description="已受理")
    services.request_transition(request=taken, name="accept", by=alice, notify=False)
    elsewhere = open_request(UnitFactory(organization=org_b), description="别家")

    response = client_for(alice).post(
        "/console/requests/bulk/",
        {
            "numbers": [fresh.number, taken.number, elsewhere.number],
            "action": "transition",
            "transition": "accept",
        },
    )

    fresh.refresh_from_db(), taken.refresh_from_db(), elsewhere.refresh_from_db()
    assert (fresh.status, taken.status, elsewhere.status) == ("accepted", "accepted", "new")
    notes = flash(response)
    assert any("已处理 1 张" in m and fresh.number in m for m in notes)
    assert any(m.startswith(taken.number) and "不能执行" in m for m in notes)
    assert any(m.startswith(elsewhere.number) and "没有这张服务单" in m for m in notes)


def test_bulk_priority_and_cancel_needing_a_reason(client_for, alice, carols_unit):
    a, b = open_request(carols_unit), open_request(carols_unit)
    client = client_for(alice)

    client.post(
        "/console/requests/bulk/", {"numbers": [a.number], "action": "priority", "priority": "urgent"}
    )
    refused = client.post(
        "/console/requests/bulk/", {"numbers": [b.number], "action": "transition", "transition": "cancel"}
    )

    a.refresh_from_db(), b.refresh_from_db()
    assert (a.priority, b.priority, b.status) == ("urgent", "normal", "new")
    assert any("请填写原因" in m for m in flash(refused))


def test_bulk_without_ticked_rows_changes_nothing(client_for, alice, tina, sr):
    response = client_for(alice).post("/console/requests/bulk/", {"action": "assign", "assignee": tina.pk})

    sr.refresh_from_db()
    assert sr.assignee is None
    assert any("请先勾选服务单" in m for m in flash(response))
