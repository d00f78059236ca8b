"""REST endpoints of the SLA engine: a request's clocks, the policies, and the compliance report."""

from datetime import date, datetime
from typing import Any, Literal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.access import scope
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import PermissionDenied
from aftersales.sla import reports, selectors
from aftersales.sla.models import EscalationRule, Metric, SlaClock, SlaPolicy

router = Router(tags=["sla"])

Dimension = Literal["kind", "metric", "week", "month", "agent", "role", "station", "organization"]


class ClockOut(Schema):
    metric: str
    metric_label: str
    cycle: int
    state: str
    active: bool
    basis: str = Field(description="working (business hours of the calendar) or calendar (24x7)")
    target_minutes: int
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    breached_at: datetime | None
    breached_by_minutes: int
    fraction_used: float
    confirmed: bool = Field(
        description="False when the due time depends on a year whose holiday schedule is not published yet"
    )

    @staticmethod
    def resolve_metric_label(obj: SlaClock) -> str:
        return str(Metric(obj.metric).label)

    # Times in the calendar's own zone, so "due 18:00" reads as the station's 18:00.
    @staticmethod
    def resolve_started_at(obj: SlaClock) -> datetime:
        return obj.started_at.astimezone(selectors.zone_of(obj))

    @staticmethod
    def resolve_due_at(obj: SlaClock) -> datetime:
        return obj.due_at.astimezone(selectors.zone_of(obj))

    @staticmethod
    def resolve_met_at(obj: SlaClock) -> datetime | None:
        return obj.met_at.astimezone(selectors.zone_of(obj)) if obj.met_at else None

    @staticmethod
    def resolve_breached_at(obj: SlaClock) -> datetime | None:
        return obj.breached_at.astimezone(selectors.zone_of(obj)) if obj.breached_at else None


class EscalationOut(Schema):
    rule: str = Field(alias="rule_name")
    level: int
    actions: dict[str, Any]
    created_at: datetime


class RequestSlaOut(Schema):
    number: str
    policy: str | None
    station: str | None
    calendar: str | None
    timezone: str | None
    escalation_level: int
    clocks: list[ClockOut]
    escalations: list[EscalationOut]


@router.get("/requests/{number}/sla", response=RequestSlaOut)
def request_sla(request: AuthedRequest, number: str) -> dict[str, Any]:
    """The request's SLA clocks (customers see their own requests' clocks, without escalations)."""
    view = selectors.sla_for_user(user=request.user, number=number)
    state = view.state
    return {
        "number": view.request.number,
        "policy": state.policy.name if state and state.policy else None,
        "station": state.station.name if state and state.station else None,
        "calendar": state.calendar.name if state and state.calendar else None,
        "timezone": state.calendar.timezone if state and state.calendar else None,
        # Escalation is internal: customers see 0 and no escalations (the selector drops those).
        "escalation_level": state.escalation_level
        if state and getattr(request.user, "role", "") != "customer"
        else 0,
        "clocks": view.clocks,
        "escalations": view.escalations,
    }


class TargetOut(Schema):
    metric: str
    minutes: int
    basis: str


class RuleOut(Schema):
    name: str
    metric: str
    threshold_percent: int | None
    after_minutes: int | None
    level: int
    notify_assignee: bool
    notify_roles: list[str]
    raise_priority: bool
    reassign_to: str | None = None

    @staticmethod
    def resolve_reassign_to(obj: EscalationRule) -> str | None:
        return obj.reassign_to.username if obj.reassign_to_id and obj.reassign_to else None


class PolicyOut(Schema):
    id: int
    organization: str = Field(alias="organization.slug")
    name: str
    position: int
    is_active: bool
    kinds: list[str]
    priorities: list[str]
    channels: list[str]
    customer_tiers: list[str]
    product_categories: list[str]
    pause_statuses: list[str]
    targets: list[TargetOut]
    escalation_rules: list[RuleOut]

    @staticmethod
    def resolve_product_categories(obj: SlaPolicy) -> list[str]:
        return [c.code for c in obj.product_categories.all()]

    @staticmethod
    def resolve_targets(obj: SlaPolicy) -> list[Any]:
        return list(obj.targets.all())

    @staticmethod
    def resolve_escalation_rules(obj: SlaPolicy) -> list[Any]:
        return list(obj.escalation_rules.all())


def _staff(request: AuthedRequest) -> None:
    if getattr(request.user, "role", None) == "customer":
        raise PermissionDenied(_("只有员工可以查看服务时效政策。"))


@router.get("/sla-policies", response=list[PolicyOut])
@paginate(LimitOffsetPagination)
def list_policies(request: AuthedRequest) -> Any:
    """Policies in matching order: the first active one whose conditions hold applies."""
    _staff(request)
    return (
        scope(SlaPolicy.objects.all(), request.user)
        .select_related("organization")
        .prefetch_related("product_categories", "targets", "escalation_rules__reassign_to")
        .order_by("organization__slug", "position", "id")
    )


class ReportIn(Schema):
    group_by: Dimension = "kind"
    start: date | None = Field(None, description="First day (default: 12 weeks before end)")
    end: date | None = Field(None, description="Last day, inclusive (default: today)")
    metric: Literal[
        "", "first_response", "next_response", "resolution", "onsite_arrival", "return_processing"
    ] = ""
    kind: Literal[
        "",
        "installation",
        "repair",
        "maintenance",
        "return",
        "exchange",
        "refund",
        "extended_warranty",
        "complaint",
        "consultation",
    ] = ""


class RowOut(Schema):
    key: str
    label: str
    met: int
    breached: int
    total: int
    percent: float | None = Field(description="Share met, in percent; null without any outcome")
    breaches: str = Field(description="API URL of the breaches behind this row")


class ComplianceOut(Schema):
    start: date
    end: date
    group_by: str
    total: RowOut
    rows: list[RowOut]


def _report_filter(request: AuthedRequest, params: ReportIn) -> reports.ReportFilter:
    if not can(request.user, Cap.VIEW_SLA_REPORTS):
        raise PermissionDenied(_("您的角色不能查看服务时效报表。"))
    data = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.dict().items() if v}
    return reports.ReportFilter.from_params(data)


def _row(row: reports.Row, f: reports.ReportFilter, dim: str) -> dict[str, Any]:
    query = {**f.as_params(), **({"group_by": dim, "key": row.key} if dim else {})}
    return {
        "key": row.key,
        "label": row.label,
        "met": row.met,
        "breached": row.breached,
        "total": row.total,
        "percent": row.percent,
        "breaches": f"{reverse('api-v1:sla_breaches')}?{urlencode(query)}",
    }


@router.get("/sla/compliance", response=ComplianceOut)
def compliance(request: AuthedRequest, params: Query[ReportIn]) -> dict[str, Any]:
    """Met against breached targets per group, over the outcomes decided in the period."""
    f = _report_filter(request, params)
    rows = reports.compliance(user=request.user, f=f, dim=params.group_by)
    return {
        "start": f.start,
        "end": f.end,
        "group_by": params.group_by,
        "total": _row(reports.totals(user=request.user, f=f), f, ""),
        "rows": [_row(r, f, params.group_by) for r in rows],
    }


class BreachIn(ReportIn):
    key: str = Field("", description="A row key from /sla/compliance for the same group_by; empty for all")


class BreachOut(Schema):
    number: str = Field(alias="request.number")
    organization: str = Field(alias="organization.slug")
    kind: str = Field(alias="request.kind")
    metric: str
    cycle: int
    started_at: datetime
    due_at: datetime
    breached_at: datetime | None
    breached_by_minutes: int
    owner: str | None = None
    confirmed: bool

    @staticmethod
    def resolve_owner(obj: SlaClock) -> str | None:
        return obj.owner.username if obj.owner_id and obj.owner else None


@router.get("/sla/breaches", response=list[BreachOut], url_name="sla_breaches")
@paginate(LimitOffsetPagination)
def breaches(request: AuthedRequest, params: Query[BreachIn]) -> Any:
    """The breached targets behind a compliance row; a key outside your reach is 404."""
    f = _report_filter(request, params)
    return reports.breaches(user=request.user, f=f, dim=params.group_by if params.key else "", key=params.key)
