"""SLA compliance: met against breached targets, grouped, with the breaches behind each number.

A clock counts in the period its outcome was decided: when it was met, or when its breach was
recorded. Every read goes through ``scope``, and a drill-down key outside the user's reach (an
agent or station of another organization) is a 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.access import scope
from aftersales.accounts.models import Organization, Role, User
from aftersales.service.models import Kind
from aftersales.sla.models import Metric, SlaClock
from aftersales.stations.models import ServiceStation
from aftersales.stations.selectors import stations_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser

State = SlaClock.State
NONE = "none"

DIMENSIONS: dict[str, Any] = {
    "kind": gettext_lazy("服务类型"),
    "metric": gettext_lazy("指标"),
    "week": gettext_lazy("周"),
    "month": gettext_lazy("月"),
    "agent": gettext_lazy("处理人"),
    "role": gettext_lazy("团队（角色）"),
    "station": gettext_lazy("团队（网点）"),
    "organization": gettext_lazy("组织"),
}


@dataclass(frozen=True)
class ReportFilter:
    start: date
    end: date  # inclusive
    metric: str = ""
    kind: str = ""
    organization_id: int | None = None

    @classmethod
    def from_params(cls, params: Any, *, default_weeks: int = 12) -> ReportFilter:
        """From query parameters; anything unreadable falls back to the default, so a hand-typed
        URL shows a report rather than an error."""
        today = timezone.localdate()
        end = _parse_date(params.get("end")) or today
        start = _parse_date(params.get("start")) or end - timedelta(weeks=default_weeks) + timedelta(days=1)
        if start > end:
            start, end = end, start
        metric = params.get("metric") or ""
        kind = params.get("kind") or ""
        org = params.get("organization") or ""
        return cls(
            start=start,
            end=end,
            metric=metric if metric in Metric.values else "",
            kind=kind if kind in Kind.values else "",
            organization_id=int(org) if str(org).isdigit() else None,
        )

    def as_params(self) -> dict[str, str]:
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.metric:
            params["metric"] = self.metric
        if self.kind:
            params["kind"] = self.kind
        if self.organization_id:
            params["organization"] = str(self.organization_id)
        return params


def _parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _bounds(start: date, end_exclusive: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return datetime.combine(start, time(0), tzinfo=zone), datetime.combine(
        end_exclusive, time(0), tzinfo=zone
    )


def decided_clocks(*, user: AnyUser, f: ReportFilter) -> QuerySet[SlaClock]:
    """Clocks met or breached in the period, within the user's reach."""
    low, high = _bounds(f.start, f.end + timedelta(days=1))
    qs = scope(SlaClock.objects.all(), user).filter(
        outcome_at__gte=low, outcome_at__lt=high, state__in=[State.MET, State.BREACHED]
    )
    if f.metric:
        qs = qs.filter(metric=f.metric)
    if f.kind:
        qs = qs.filter(request__kind=f.kind)
    if f.organization_id:
        qs = qs.filter(organization_id=f.organization_id)
    return qs


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


def _group_expr(dim: str) -> Any:
    return {
        "kind": F("request__kind"),
        "metric": F("metric"),
        "agent": F("owner_id"),
        "role": F("owner__role"),
        "station": F("request__sla__station_id"),
        "organization": F("organization_id"),
        "week": TruncWeek("outcome_at"),
        "month": TruncMonth("outcome_at"),
    }[dim]


def _key(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, datetime):
        return timezone.localtime(value).date().isoformat()
    return str(value)


def _labels(dim: str, keys: list[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    if dim == "kind":
        return {k: str(Kind(k).label) for k in keys if k in Kind.values}
    if dim == "metric":
        return {k: str(Metric(k).label) for k in keys if k in Metric.values}
    if dim == "role":
        return {k: str(Role(k).label) for k in keys if k in Role.values}
    if dim == "agent":
        return {str(u.pk): u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}
    if dim == "station":
        return {str(s.pk): s.name for s in ServiceStation.objects.filter(pk__in=ids)}
    if dim == "organization":
        return {str(o.pk): o.name for o in Organization.objects.filter(pk__in=ids)}
    if dim == "week":
        return {k: _("%(start)s 起一周") % {"start": k} for k in keys}
    if dim == "month":
        return {k: k[:7] for k in keys}
    return {}


def label_for(dim: str, key: str) -> str:
    if key == NONE:
        return _("未分配")
    return _labels(dim, [key]).get(key, key)


def compliance(*, user: AnyUser, f: ReportFilter, dim: str) -> list[Row]:
    """Met and breached counts per value of ``dim`` (one query, plus one for the labels)."""
    if dim not in DIMENSIONS:
        raise Http404
    rows = (
        decided_clocks(user=user, f=f)
        .values(k=_group_expr(dim))
        .annotate(
            met=Count("id", filter=Q(state=State.MET)), breached=Count("id", filter=Q(state=State.BREACHED))
        )
        .order_by("k")
    )
    found = [(_key(r["k"]), r["met"], r["breached"]) for r in rows]
    labels = _labels(dim, [k for k, _met, _breached in found])
    unassigned = _("未分配")
    return [
        Row(key=k, label=labels.get(k, unassigned if k == NONE else k), met=m, breached=b)
        for k, m, b in found
    ]


def totals(*, user: AnyUser, f: ReportFilter) -> Row:
    counts = decided_clocks(user=user, f=f).aggregate(
        met=Count("id", filter=Q(state=State.MET)), breached=Count("id", filter=Q(state=State.BREACHED))
    )
    return Row(key="all", label=_("合计"), met=counts["met"], breached=counts["breached"])


def weekly(*, user: AnyUser, f: ReportFilter) -> list[Row]:
    """Compliance by week, every week of the period present (empty ones with no data)."""
    found = {r.key: r for r in compliance(user=user, f=f, dim="week")}
    monday = f.start - timedelta(days=f.start.weekday())
    weeks = []
    while monday <= f.end:
        key = monday.isoformat()
        weeks.append(found.get(key, Row(key=key, label=key, met=0, breached=0)))
        monday += timedelta(weeks=1)
    return weeks


def _drill(qs: QuerySet[SlaClock], user: AnyUser, dim: str, key: str) -> QuerySet[SlaClock]:
    if dim not in DIMENSIONS:
        raise Http404
    if dim in ("week", "month"):
        start = _parse_date(key)
        if start is None:
            raise Http404
        if dim == "week":
            end = start + timedelta(weeks=1)
        else:
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        low, high = _bounds(start, end)
        return qs.filter(outcome_at__gte=low, outcome_at__lt=high)
    if dim == "kind":
        if key not in Kind.values:
            raise Http404
        return qs.filter(request__kind=key)
    if dim == "metric":
        if key not in Metric.values:
            raise Http404
        return qs.filter(metric=key)
    if dim == "role":
        if key == NONE:
            return qs.filter(owner__isnull=True)
        if key not in Role.values:
            raise Http404
        return qs.filter(owner__role=key)
    if key == NONE and dim in ("agent", "station"):
        return (
            qs.filter(owner__isnull=True) if dim == "agent" else qs.filter(request__sla__station__isnull=True)
        )
    if not key.isdigit():
        raise Http404
    pk = int(key)
    if dim == "agent":
        if not scope(User.objects.filter(pk=pk), user, org_field="organization").exists():
            raise Http404
        return qs.filter(owner_id=pk)
    if dim == "station":
        if not stations_for_user(user).filter(pk=pk).exists():
            raise Http404
        return qs.filter(request__sla__station_id=pk)
    # organization
    reachable = Organization.objects.filter(pk=pk)
    if getattr(user, "role", None) != Role.PLATFORM_ADMIN:
        reachable = reachable.filter(staff=user.pk)
    if not reachable.exists():
        raise Http404
    return qs.filter(organization_id=pk)


def breaches(*, user: AnyUser, f: ReportFilter, dim: str = "", key: str = "") -> QuerySet[SlaClock]:
    """The breached clocks behind a number of the report (all of them without ``dim``)."""
    qs = decided_clocks(user=user, f=f).filter(state=State.BREACHED)
    if dim:
        qs = _drill(qs, user, dim, key)
    return qs.select_related("request", "request__customer", "owner", "organization").order_by(
        "-breached_at", "-id"
    )


def breach_rows(qs: QuerySet[SlaClock]) -> list[list[Any]]:
    """The columns of a breach export (no personal data beyond the customer's name)."""
    rows = []
    for c in qs.iterator(chunk_size=2000):
        rows.append(
            [
                c.request.number,
                c.organization.name,
                str(Kind(c.request.kind).label),
                str(Metric(c.metric).label),
                c.cycle,
                timezone.localtime(c.started_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(c.breached_at).strftime("%Y-%m-%d %H:%M") if c.breached_at else "",
                c.breached_by_minutes,
                (c.owner.get_full_name() or c.owner.username) if c.owner else "",
                "" if c.confirmed else _("未确认"),
            ]
        )
    return rows


def breach_header() -> list[str]:
    return [
        _("单号"),
        _("组织"),
        _("服务类型"),
        _("指标"),
        _("轮次"),
        _("开始"),
        _("期限"),
        _("超时时间"),
        _("超时（分钟）"),
        _("负责人"),
        _("期限确认"),
    ]


def summary_header(dim: str) -> list[str]:
    return [str(DIMENSIONS[dim]), _("达成"), _("超时"), _("合计"), _("达成率（%）")]


def summary_rows(rows: list[Row]) -> list[list[Any]]:
    return [[r.label, r.met, r.breached, r.total, "" if r.percent is None else r.percent] for r in rows]
