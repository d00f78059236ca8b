"""Console pages of the SLA report: compliance by group and week, the breaches behind each
number, and exports. No logic here: the numbers come from ``aftersales.sla.reports``."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap
from aftersales.core.exports import csv_stream, xlsx_bytes
from aftersales.core.htmx import render_htmx
from aftersales.service.models import Kind
from aftersales.sla import reports
from aftersales.sla.models import Metric


def _group(request: AuthedRequest, default: str = "kind") -> str:
    group = request.GET.get("group", default)
    return group if group in reports.DIMENSIONS else default


def _breaches_url(f: reports.ReportFilter, group: str = "", key: str = "") -> str:
    params = f.as_params()
    if group:
        params.update(group=group, key=key)
    return f"{reverse('sla:breaches')}?{urlencode(params)}"


@require(Cap.VIEW_SLA_REPORTS)
def report(request: AuthedRequest) -> HttpResponse:
    f = reports.ReportFilter.from_params(request.GET)
    group = _group(request)
    rows = reports.compliance(user=request.user, f=f, dim=group)
    weeks = reports.weekly(user=request.user, f=f)
    chart = {
        "weeks": [w.key[5:] for w in weeks],
        "met": [w.met for w in weeks],
        "breached": [w.breached for w in weeks],
        "percent": [w.percent for w in weeks],
        "links": [_breaches_url(f, "week", w.key) for w in weeks],
        "labels": {"met": _("达成"), "breached": _("超时"), "percent": _("达成率（%）"), "count": _("数量")},
    }
    context = {
        "f": f,
        "group": group,
        "groups": list(reports.DIMENSIONS.items()),
        "metrics": Metric.choices,
        "kinds": Kind.choices,
        "rows": [(r, _breaches_url(f, group, r.key)) for r in rows],
        "total": reports.totals(user=request.user, f=f),
        "all_breaches": _breaches_url(f),
        "chart": chart,
        "query": urlencode({**f.as_params(), "group": group}),
    }
    return render_htmx(request, page="sla/report.html", partial="sla/partials/_report.html", context=context)


@require(Cap.VIEW_SLA_REPORTS)
def breach_list(request: AuthedRequest) -> HttpResponse:
    f = reports.ReportFilter.from_params(request.GET)
    group, key = _group(request, ""), request.GET.get("key", "")
    qs = reports.breaches(user=request.user, f=f, dim=group if key else "", key=key)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "f": f,
        "page": page,
        "group": group,
        "key": key,
        "group_label": reports.DIMENSIONS.get(group, ""),
        "key_label": reports.label_for(group, key) if key else "",
        "metric_label": Metric(f.metric).label if f.metric else "",
        "kind_label": Kind(f.kind).label if f.kind else "",
        "query": urlencode({**f.as_params(), **({"group": group, "key": key} if key else {})}),
        "back": f"{reverse('sla:report')}?{urlencode({**f.as_params(), 'group': group or 'kind'})}",
    }
    return render_htmx(
        request, page="sla/breaches.html", partial="sla/partials/_breach_rows.html", context=context
    )


@require(Cap.VIEW_SLA_REPORTS)
def export(request: AuthedRequest, what: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if what not in ("summary", "breaches") or fmt not in ("csv", "xlsx"):
        raise Http404
    f = reports.ReportFilter.from_params(request.GET)
    if what == "summary":
        group = _group(request)
        header = reports.summary_header(group)
        rows: Any = reports.summary_rows(reports.compliance(user=request.user, f=f, dim=group))
    else:
        group, key = _group(request, ""), request.GET.get("key", "")
        header = reports.breach_header()
        rows = reports.breach_rows(
            reports.breaches(user=request.user, f=f, dim=group if key else "", key=key)
        )
    name = f"sla-{what}-{f.start:%Y%m%d}-{f.end:%Y%m%d}-{timezone.localtime():%H%M%S}.{fmt}"
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            xlsx_bytes(header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
