"""Finding a request the way a caller describes it: one search over requests, customers and
units, and the same reading in the request queue's and the customer list's own boxes.

Everything through HTTP with the Django test client, as the console and the API are used.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.core.crypto import phone_tail_hash, tail_hash
from aftersales.customers import importing
from aftersales.customers.lookup import parse
from aftersales.customers.models import Customer
from aftersales.customers.selectors import customer_search, customers_for_user, unit_search
from aftersales.service import services
from aftersales.service.models import ServiceRequest
from aftersales.service.selectors import QueueFilter, request_queue
from aftersales.testing.factories import CustomerFactory, ProductModelFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _request(unit, description: str, subject: str = "") -> ServiceRequest:
    return services.request_create(
        organization=unit.organization,
        customer=unit.customer,
        by=None,
        kind="repair",
        channel="phone",
        description=description,
        subject=subject,
        unit=unit,
        allow_duplicate=True,
        notify=False,
    )


@pytest.fixture
def callers(org_a, org_b):
    """Two org A customers whose phones end in 1234 (one 138…, one 139…), one other, and an org
    B customer whose phone also ends in 1234."""
    model = ProductModelFactory(organization=org_a, model_number="BCD-470WDPG")
    wang = CustomerFactory(organization=org_a, name="王芳", phone="13812341234", email="wang@example.com")
    li = CustomerFactory(organization=org_a, name="李雷", phone="13955551234")
    zhang = CustomerFactory(organization=org_a, name="张伟", phone="13700009999")
    fridge = UnitFactory(
        organization=org_a,
        customer=wang,
        product_model=model,
        serial_number="SN-WF-0001",
        invoice_number="INV-2026-0077",
        order_number="JD-88001",
    )
    washer = UnitFactory(organization=org_a, customer=li, serial_number="SN-LL-0002")
    tv = UnitFactory(organization=org_a, customer=zhang, serial_number="SN-ZW-0003")
    other = CustomerFactory(organization=org_b, name="王芳", phone="13612341234")
    other_unit = UnitFactory(organization=org_b, customer=other, serial_number="SN-B-0001")
    return {
        "wang": wang,
        "li": li,
        "zhang": zhang,
        "other": other,
        "wang_sr": _request(fridge, "冷藏室温度偏高，压缩机一直响", subject="冰箱不制冷"),
        "li_sr": _request(washer, "脱水时噪音很大", subject="洗衣机噪音"),
        "zhang_sr": _request(tv, "开机黑屏", subject="电视黑屏"),
        "other_sr": _request(other_unit, "冷藏室温度偏高", subject="冰箱不制冷"),
    }


def _search(client, q: str):
    response = client.get("/console/search/", {"q": q})
    assert response.status_code == 200, response.content[:500]
    return response


def _group(response, key: str) -> str:
    html = response.content.decode()
    found = re.search(rf'<section[^>]*id="group-{key}"[^>]*data-count="(\d+)".*?</section>', html, re.S)
    assert found, f"no {key} group"
    return found.group(0)


def _count(response, key: str) -> int:
    return int(re.search(r'data-count="(\d+)"', _group(response, key)).group(1))


# --- the reading of a search term ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tail", "prefix", "free"),
    [
        ("1234", "1234", "", False),
        ("尾号1234", "1234", "", False),
        ("尾号 1234", "1234", "", False),
        ("138****1234", "1234", "138", False),
        ("138＊＊＊＊1234", "1234", "138", False),
        ("****1234", "1234", "", False),
        ("王女士", None, "", True),
        ("冰箱不制冷", None, "", True),
    ],
)
def test_how_a_caller_gives_a_number_is_read(text, tail, prefix, free):
    term = parse(text)
    assert term.tail_hash == (tail_hash(tail) if tail else "")
    assert term.masked_prefix == prefix
    assert term.free_text is free


def test_a_request_number_is_read_in_the_ways_it_is_said():
    assert "SR-2026-000123" in parse("sr-2026-000123").codes + parse("sr-2026-000123").numbers
    assert parse("2026-123").numbers == ("SR-2026-000123",)
    assert parse("SR2026000123").numbers == ("SR-2026-000123",)
    assert parse("+86 138-1234-1234").phone_hash and not parse("+86 138-1234-1234").free_text


# --- the console search page --------------------------------------------------------------


def test_by_request_number(client_for, alice, callers):
    number = callers["wang_sr"].number
    response = _search(client_for(alice), number.lower())
    assert number in _group(response, "requests")
    assert _count(response, "requests") == 1


def test_by_full_phone_in_any_spelling(client_for, alice, callers):
    response = _search(client_for(alice), "+86 138 1234 1234")
    assert _count(response, "customers") == 1 and "王芳" in _group(response, "customers")
    assert callers["wang_sr"].number in _group(response, "requests")
    assert callers["li_sr"].number not in _group(response, "requests")
    assert "SN-WF-0001" in _group(response, "units")


def test_by_last_four_digits(client_for, alice, callers):
    for q in ("1234", "尾号1234"):
        response = _search(client_for(alice), q)
        customers, requests = _group(response, "customers"), _group(response, "requests")
        assert "王芳" in customers and "李雷" in customers and "张伟" not in customers
        assert callers["wang_sr"].number in requests and callers["li_sr"].number in requests
        assert callers["zhang_sr"].number not in requests
        assert (_count(response, "customers"), _count(response, "requests"), _count(response, "units")) == (
            2,
            2,
            2,
        )
        # Shown masked, as everywhere in the console.
        assert "138****1234" in customers and "13812341234" not in response.content.decode()


def test_by_masked_number_as_the_console_shows_it(client_for, alice, callers):
    response = _search(client_for(alice), "138****1234")
    assert _count(response, "customers") == 1 and "王芳" in _group(response, "customers")
    assert "李雷" not in _group(response, "customers")  # same tail, other prefix
    assert callers["wang_sr"].number in _group(response, "requests")
    assert callers["li_sr"].number not in _group(response, "requests")


def test_by_name_and_by_surname_with_an_honorific(client_for, alice, callers):
    response = _search(client_for(alice), "王芳")
    assert _count(response, "customers") == 1
    assert callers["wang_sr"].number in _group(response, "requests")
    assert "SN-WF-0001" in _group(response, "units")
    by_surname = _search(client_for(alice), "王女士")
    assert "王芳" in _group(by_surname, "customers") and "李雷" not in _group(by_surname, "customers")


def test_by_serial_invoice_and_order_number(client_for, alice, callers):
    for q in ("SN-WF-0001", "sn-wf-0001", "INV-2026-0077", "JD-88001"):
        response = _search(client_for(alice), q)
        assert _count(response, "units") == 1, q
        assert "SN-WF-0001" in _group(response, "units")
        assert "王芳" in _group(response, "customers")
        assert callers["wang_sr"].number in _group(response, "requests")


def test_an_invoice_number_of_digits_only_is_found_as_well_as_a_phone(client_for, alice, callers):
    # Chinese e-invoice numbers are 20 digits: read as a phone too, and still found as an invoice.
    UnitFactory(
        organization=callers["zhang"].organization,
        customer=callers["zhang"],
        serial_number="SN-ZW-0009",
        invoice_number="48800202325843031588",
    )
    for q in ("48800202325843031588", "4880 0202 3258 4303 1588"):
        response = _search(client_for(alice), q)
        assert "SN-ZW-0009" in _group(response, "units"), q
        assert "张伟" in _group(response, "customers"), q


def test_by_free_text_of_the_request(client_for, alice, callers):
    response = _search(client_for(alice), "压缩机")
    assert _count(response, "requests") == 1 and callers["wang_sr"].number in _group(response, "requests")
    response = _search(client_for(alice), "噪音")
    assert callers["li_sr"].number in _group(response, "requests")


def test_organization_b_never_appears_for_organization_a(client_for, alice, bob, callers):
    for q in (
        "1234",
        "王芳",
        "冰箱不制冷",
        "13612341234",
        "136****1234",
        "SN-B-0001",
        callers["other_sr"].number,
    ):
        response = _search(client_for(alice), q)
        found = "".join(_group(response, key) for key in ("requests", "customers", "units"))
        assert callers["other_sr"].number not in found, q
        assert "SN-B-0001" not in found and f"/console/customers/{callers['other'].pk}/" not in found, q
        assert response.content.decode().count("search-hit") == 0 or q in ("1234", "王芳", "冰箱不制冷"), q
    # and the other way round
    html = _search(client_for(bob), "1234").content.decode()
    assert callers["other_sr"].number in html and callers["wang_sr"].number not in html


def test_a_customer_gets_404_on_the_staff_search(client_for, carol, callers):
    assert client_for(carol).get("/console/search/", {"q": "1234"}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, callers):
    response = client.get("/console/search/", {"q": "1234"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_technician_finds_what_the_queue_shows_them(client_for, tina, callers):
    response = _search(client_for(tina), "1234")
    assert callers["wang_sr"].number in _group(response, "requests")
    assert "李雷" in _group(response, "customers")


def test_empty_and_odd_input_is_a_page_not_an_error(client_for, alice, callers):
    agent = client_for(alice)
    assert 'id="search-help"' in agent.get("/console/search/").content.decode()
    for q in ("   ", "*" * 300, "%", "_", "'; drop table", "＊＊＊＊", "1" * 200):
        assert agent.get("/console/search/", {"q": q}).status_code == 200, q


def test_groups_are_bounded_and_link_to_their_lists(client_for, alice, org_a):
    for n in range(14):
        CustomerFactory(organization=org_a, name=f"赵{n}", phone=f"1370000{n:04d}"[:11])
    response = _search(client_for(alice), "赵")
    customers = _group(response, "customers")
    assert customers.count("search-hit") == 10 and _count(response, "customers") == 14
    assert "/console/customers/?q=%E8%B5%B5" in customers


def test_the_top_bar_offers_the_search_with_its_shortcut(client_for, alice, carol):
    html = client_for(alice).get("/console/customers/").content.decode()
    assert 'id="topsearch-q"' in html and 'aria-keyshortcuts="/ Control+K"' in html and "<kbd>/</kbd>" in html
    assert 'id="topsearch-q"' not in client_for(carol).get("/portal/").content.decode()


# --- the same reading in the queue's and the customer list's own boxes ---------------------


def test_the_request_queue_box_finds_by_name_last_four_and_masked_number(client_for, alice, callers):
    agent = client_for(alice)
    for q, found, not_found in [
        ("王芳", "wang_sr", "li_sr"),
        ("1234", "li_sr", "zhang_sr"),
        ("138****1234", "wang_sr", "li_sr"),
        ("尾号1234", "wang_sr", "zhang_sr"),
    ]:
        html = agent.get("/console/requests/", {"q": q, "queue": "all"}).content.decode()
        assert callers[found].number in html and callers[not_found].number not in html, q


def test_the_customer_list_box_takes_the_last_four_and_masked_number(client_for, alice, callers):
    agent = client_for(alice)
    html = agent.get("/console/customers/", {"q": "1234"}).content.decode()
    assert "王芳" in html and "李雷" in html and "张伟" not in html
    html = agent.get("/console/customers/", {"q": "139****1234"}).content.decode()
    assert "李雷" in html and "王芳" not in html


def test_the_api_lists_take_the_same_reading(client_for, alice, callers):
    agent = client_for(alice)
    items = agent.get("/api/v1/customers", {"q": "1234"}).json()["items"]
    assert {c["name"] for c in items} == {"王芳", "李雷"}


# --- the stored tail: every write path keeps it, the search reads it through its index ---


def test_the_api_create_paths_set_the_tail(client_for, alice, org_a):
    agent = client_for(alice)
    r = agent.post(
        "/api/v1/customers",
        data=json.dumps({"name": "周杰", "phone": "139-8765-4321"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert Customer.objects.get(pk=r.json()["id"]).phone_tail_hash == phone_tail_hash("13987654321")
    r = agent.post(
        "/api/v1/requests",
        data=json.dumps(
            {
                "kind": "consultation",
                "description": "来电咨询",
                "channel": "phone",
                "contact": {"name": "吴敏", "phone": "13766661111"},
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert Customer.objects.get(pk=r.json()["customer_id"]).phone_tail_hash == tail_hash("1111")
    # and the console finds both by their tails
    assert "周杰" in _group(_search(agent, "4321"), "customers")
    assert "吴敏" in _group(_search(agent, "1111"), "customers")


def test_a_changed_phone_changes_the_tail(client_for, alice, callers):
    agent = client_for(alice)
    r = agent.patch(
        f"/api/v1/customers/{callers['zhang'].pk}",
        data=json.dumps({"phone": "13700005678"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert "张伟" in _group(_search(agent, "5678"), "customers")
    assert "张伟" not in _group(_search(agent, "9999"), "customers")


def test_the_sales_import_sets_the_tail(client_for, alice, org_a):
    ProductModelFactory(organization=org_a, model_number="KFR-35GW")
    source = io.BytesIO(
        (
            "customer_name,phone,model_number,serial_number,purchase_date\n"
            "孙丽,13822224321,KFR-35GW,SN-IMP-1,2026-01-05\n"
        ).encode()
    )
    result = importing.import_sales(
        organization=org_a, source=source, filename="sales.csv", mode="all_or_nothing"
    )
    assert result.committed, result.errors
    assert Customer.objects.get(name="孙丽").phone_tail_hash == tail_hash("4321")
    assert "孙丽" in _group(_search(client_for(alice), "138****4321"), "customers")


def test_the_tail_is_a_keyed_hash_not_the_digits(callers):
    stored = Customer.objects.filter(pk=callers["wang"].pk).values_list("phone_tail_hash", flat=True).get()
    assert len(stored) == 64 and "1234" not in stored


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # tables of a few rows are scanned anyway
        cursor.execute(f"EXPLAIN {sql}", params)
        return " | ".join(row[0] for row in cursor.fetchall())


def _scans(plan: str, table: str) -> bool:
    """Whether the plan reads ``table`` whole (SQLite: or all of one organization's rows)."""
    steps = plan.split(" | ")
    whole = [s for s in steps if table in s and ("Seq Scan" in s or ("SCAN" in s and "USING" not in s))]
    by_org = [
        s for s in steps if table in s and re.search(r"organization_id[^ ]* \(organization_id=\?\)$", s)
    ]
    return bool(whole or by_org)


def test_a_last_four_search_reads_customers_through_the_tail_index(alice, callers):
    # The one read of the tail: the (organization, tail hash) index ...
    tail = customers_for_user(alice).filter(phone_tail_hash=tail_hash("1234")).values_list("pk", flat=True)
    assert "customer_org_phone_tail" in _plan(tail)
    # ... then the list reads its rows by key, not the organization's customers one by one.
    plan = _plan(customer_search(user=alice, q="1234"))
    assert not _scans(plan, "customers_customer"), plan


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite plans without statistics: an OR of key "
    "lists loses to the organization's index there however few rows match",
)
def test_a_last_four_search_reads_units_and_requests_by_key(alice, callers):
    # benchmarks/search.py shows the same plans on 100,000 customers, units and requests.

    for qs, table in [
        (unit_search(user=alice, q="1234"), "customers_unit"),
        (request_queue(user=alice, f=QueueFilter(q="1234")), "service_servicerequest"),
    ]:
        plan = _plan(qs)
        assert not _scans(plan, table), plan


def test_the_search_page_costs_a_bounded_number_of_queries(client_for, alice, callers):
    agent = client_for(alice)
    _search(agent, "138****1234")
    with CaptureQueriesContext(connection) as queries:
        _search(agent, "138****1234")
    assert len(queries) <= 20, [q["sql"] for q in queries]
