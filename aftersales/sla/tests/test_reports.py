"""Compliance reports, their drill-downs and exports, the API, the console page and the tags."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.template import Context, Template
from openpyxl import load_workbook

from aftersales.service import services
from aftersales.service.models import ServiceRequest
from aftersales.sla import reports, selectors
from aftersales.sla.models import Metric, SlaClock
from aftersales.sla.recompute import sla_check
from aftersales.testing.factories import CustomerFactory, UnitFactory

from .conftest import clock_at, sh, walk

State = SlaClock.State
MARCH = {"start": "2025-03-01", "end": "2025-03-31"}


@pytest.fixture
def outcomes(make_request, alice, dave, tina, calendar_b, org_b, bob):
    """Org A in March 2025: a consultation answered in time (alice), one answered late (alice),
    a repair whose first response dave gave in time but whose on-site visit was late (tina).
    Org B: one late consultation (bob)."""
    on_time = make_request("consultation", sh(2025, 3, 10, 9))
    with clock_at(sh(2025, 3, 10, 9, 1)):
        services.request_assign(request=on_time, assignee=alice, by=alice)
    walk(on_time, alice, sh(2025, 3, 10, 10), "start")

    late = make_request("consultation", sh(2025, 3, 10, 9))
    with clock_at(sh(2025, 3, 10, 9, 1)):
        services.request_assign(request=late, assignee=alice, by=alice)
    walk(late, alice, sh(2025, 3, 10, 15), "start")  # due 11:00

    repair = make_request("repair", sh(2025, 3, 11, 9))
    walk(repair, dave, sh(2025, 3, 11, 9, 30), "accept")
    with clock_at(sh(2025, 3, 11, 9, 31)):
        services.request_assign(request=repair, assignee=tina, by=dave)
    sla_check(now=sh(2025, 3, 14, 10))  # on-site (16 working hours) was due Wed 18:00

    customer_b = CustomerFactory(organization=org_b)
    other = services.request_create(
        organization=org_b,
        customer=customer_b,
        by=None,
        kind="consultation",
        channel="web",
        description="?",
        created_at=sh(2025, 3, 10, 9),
        notify=False,
    )
    walk(other, bob, sh(2025, 3, 12, 9), "start")
    return {"on_time": on_time, "late": late, "repair": repair, "other": other}


def test_compliance_counts_met_and_breached_per_kind(outcomes, quinn):
    f = reports.ReportFilter(start=date(2025, 3, 1), end=date(2025, 3, 31))
    rows = {r.key: (r.met, r.breached) for r in reports.compliance(user=quinn, f=f, dim="kind")}
    # consultations: on time met; late breached. repair: first response met, on-site breached
    assert rows == {"consultation": (1, 1), "repair": (1, 1)}
    total = reports.totals(user=quinn, f=f)
    assert (total.met, total.breached, total.percent) == (2, 2, 50.0)


def test_compliance_per_agent_credits_the_holder_at_the_outcome(outcomes, quinn, alice, tina, dave):
    f = reports.ReportFilter(start=date(2025, 3, 1), end=date(2025, 3, 31))
    rows = {r.label: (r.met, r.breached) for r in reports.compliance(user=quinn, f=f, dim="agent")}
    # the repair's first response was met before anyone held it: unassigned
    assert rows == {"alice": (1, 1), "tina": (0, 1), "未分配": (1, 0)}
    by_role = {r.key: (r.met, r.breached) for r in reports.compliance(user=quinn, f=f, dim="role")}
    assert by_role == {"agent": (1, 1), "technician": (0, 1), "none": (1, 0)}


def test_the_breach_list_behind_every_number_matches_it(outcomes, quinn):
    f = reports.ReportFilter(start=date(2025, 3, 1), end=date(2025, 3, 31))
    for dim in ("kind", "metric", "agent", "role", "week", "month", "organization", "station"):
        for row in reports.compliance(user=quinn, f=f, dim=dim):
            listed = reports.breaches(user=quinn, f=f, dim=dim, key=row.key)
            assert listed.count() == row.breached, (dim, row)
    numbers = set(reports.breaches(user=quinn, f=f).values_list("request__number", flat=True))
    assert numbers == {outcomes["late"].number, outcomes["repair"].number}


def test_a_period_without_outcomes_counts_nothing(outcomes, quinn):
    f = reports.ReportFilter(start=date(2025, 4, 1), end=date(2025, 4, 30))
    assert reports.compliance(user=quinn, f=f, dim="kind") == []
    weeks = reports.weekly(user=quinn, f=f)
    assert len(weeks) == 5 and all(w.total == 0 and w.percent is None for w in weeks)


def test_console_report_page_and_drill_down(outcomes, client_for, quinn):
    client = client_for(quinn)
    page = client.get("/console/sla/", {**MARCH, "group": "kind"})
    html = page.content.decode()
    assert page.status_code == 200 and "sla-weekly-chart" in html and "echarts.min.js" in html
    assert 'id="total-breached"' in html and "50.0%" in html
    rows = client.get("/console/sla/", {**MARCH, "group": "agent"}, HTTP_HX_REQUEST="true")
    assert (
        rows.status_code == 200 and "<html" not in rows.content.decode() and "tina" in rows.content.decode()
    )
    drill = client.get("/console/sla/breaches/", {**MARCH, "group": "kind", "key": "repair"})
    body = drill.content.decode()
    assert (
        drill.status_code == 200 and outcomes["repair"].number in body and outcomes["late"].number not in body
    )


def test_another_organizations_staff_get_404_on_drill_downs(outcomes, client_for, bob, alice, tina):
    client = client_for(bob)
    for group, key in (("agent", alice.pk), ("agent", tina.pk), ("organization", alice.organization_id)):
        assert client.get("/console/sla/breaches/", {**MARCH, "group": group, "key": key}).status_code == 404
        api = client.get("/api/v1/sla/breaches", {**MARCH, "group_by": group, "key": key})
        assert api.status_code == 404
    # and their own report shows only their organization
    mine = client.get("/console/sla/breaches/", MARCH).content.decode()
    assert outcomes["other"].number in mine and outcomes["late"].number not in mine


def test_roles_without_reports_do_not_see_the_page(outcomes, client_for, tina, pam, carol):
    for user in (tina, pam, carol):
        assert client_for(user).get("/console/sla/").status_code == 404
    assert client_for(tina).get("/api/v1/sla/compliance").status_code == 403


def test_menu_offers_the_report_to_agents_quality_and_admins(client_for, alice, quinn, olga, tina):
    for user, shown in ((alice, True), (quinn, True), (olga, True), (tina, False)):
        html = client_for(user).get("/").content.decode()
        assert ('href="/console/sla/"' in html) is shown, user


def test_exports_in_csv_and_xlsx(outcomes, client_for, quinn):
    client = client_for(quinn)
    summary = client.get("/console/sla/export/summary.csv", {**MARCH, "group": "kind"})
    text = b"".join(summary.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["服务类型", "达成", "超时", "合计", "达成率（%）"]
    assert sorted(table[1:]) == [["咨询", "1", "1", "2", "50.0"], ["维修", "1", "1", "2", "50.0"]]
    xlsx = client.get("/console/sla/export/breaches.xlsx", MARCH)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    numbers = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert numbers == sorted([outcomes["late"].number, outcomes["repair"].number])
    assert client.get("/console/sla/export/everything.csv").status_code == 404


def test_api_compliance_and_breaches(outcomes, client_for, quinn):
    client = client_for(quinn)
    data = client.get("/api/v1/sla/compliance", {**MARCH, "group_by": "metric"}).json()
    assert data["total"]["met"] == 2 and data["total"]["breached"] == 2
    rows = {r["key"]: r for r in data["rows"]}
    assert rows["onsite_arrival"]["breached"] == 1
    listed = client.get(rows["onsite_arrival"]["breaches"]).json()
    assert [b["number"] for b in listed["items"]] == [outcomes["repair"].number]
    bad = client.get("/api/v1/sla/compliance", {"group_by": "planet"})
    assert bad.status_code == 422


def test_api_shows_a_requests_clocks(make_request, client_for, alice, carol, bob):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    data = client_for(alice).get(f"/api/v1/requests/{sr.number}/sla").json()
    assert data["policy"].startswith("上门服务") and data["timezone"] == "Asia/Shanghai"
    clocks = {c["metric"]: c for c in data["clocks"]}
    assert set(clocks) == {"first_response", "onsite_arrival", "resolution"}
    assert clocks["resolution"]["due_at"] == "2025-03-14T18:00:00+08:00"
    assert clocks["resolution"]["basis"] == "working" and clocks["resolution"]["confirmed"] is True
    # the customer sees their own request's clocks; other organizations do not find it
    mine = client_for(carol).get(f"/api/v1/requests/{sr.number}/sla")
    assert mine.status_code == 200 and mine.json()["escalations"] == [] and len(mine.json()["clocks"]) == 3
    assert client_for(bob).get(f"/api/v1/requests/{sr.number}/sla").status_code == 404


def test_api_lists_the_policies_in_matching_order(calendar_a, client_for, alice, carol):
    items = client_for(alice).get("/api/v1/sla-policies").json()["items"]
    assert [p["position"] for p in items] == sorted(p["position"] for p in items)
    complaint = next(p for p in items if p["kinds"] == ["complaint"])
    assert {"metric": "resolution", "minutes": 1440, "basis": "calendar"} in complaint["targets"]
    assert [r["level"] for r in complaint["escalation_rules"]] == [0, 0, 1, 2]
    assert client_for(carol).get("/api/v1/sla-policies").status_code == 403


# --- template tags -------------------------------------------------------------------------------


def _render(source: str, **context) -> str:
    return Template("{% load sla_tags %}" + source).render(Context(context))


def test_badge_goes_from_green_to_amber_to_red(make_request):
    sr = make_request("consultation", sh(2025, 3, 10, 9))  # 2 working hours
    assert "text-bg-success" in _render("{% sla_badge r %}", r=sr) and "剩余 2小时" in _render(
        "{% sla_badge r %}", r=sr
    )
    sla_check(now=sh(2025, 3, 10, 10, 40))
    assert "text-bg-warning" in _render("{% sla_badge r %}", r=sr)
    sla_check(now=sh(2025, 3, 10, 14, 30))
    html = _render("{% sla_badge r %}", r=sr)
    # 11:00 to 12:00 and 13:00 to 14:30: two and a half working hours late
    assert "text-bg-danger" in html and "超时 2小时30分" in html


def test_portal_promise_sentence(make_request, alice):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    assert "我们将在 3月10日 14:00 前回复您" in _render("{% sla_promise r %}", r=sr)
    walk(sr, alice, sh(2025, 3, 10, 9, 30), "accept", "assign")
    sr.refresh_from_db()
    assert "工程师将在 3月11日 18:00 前上门" in _render("{% sla_promise r %}", r=sr)
    late = make_request("consultation", sh(2027, 3, 1, 10))
    assert "时间可能调整" in _render("{% sla_promise r %}", r=late)


def test_panel_lists_every_clock(make_request):
    sr = make_request("repair", sh(2025, 3, 10, 9))
    html = _render("{% sla_panel r %}", r=sr)
    assert "首次响应" in html and "上门到达" in html and "解决" in html and "上门服务" in html


def test_queue_by_urgency_and_one_query_for_the_badges(make_request, alice, django_assert_num_queries):
    relaxed = make_request("repair", sh(2025, 3, 10, 9))  # first response due 14:00
    urgent = make_request("consultation", sh(2025, 3, 10, 9))  # due 11:00
    done = make_request("consultation", sh(2025, 3, 10, 8))
    walk(done, alice, sh(2025, 3, 10, 8, 30), "start", "resolve")
    ordered = list(
        selectors.by_urgency(ServiceRequest.objects.filter(pk__in=[relaxed.pk, urgent.pk, done.pk]))
    )
    assert ordered[:2] == [urgent, relaxed] and ordered[-1] == done
    qs = selectors.with_sla(ServiceRequest.objects.order_by("pk"))
    with django_assert_num_queries(2):
        html = "".join(_render("{% sla_badge r %}", r=r) for r in qs)
    assert html.count("sla-badge") == 3


def test_unit_requests_of_another_customer_stay_apart(make_request, org_a):
    # a second customer's request gets its own clocks
    other = CustomerFactory(organization=org_a)
    sr = make_request(
        "repair", sh(2025, 3, 10, 9), customer=other, unit=UnitFactory(organization=org_a, customer=other)
    )
    assert SlaClock.objects.filter(request=sr, metric=Metric.FIRST_RESPONSE).count() == 1
