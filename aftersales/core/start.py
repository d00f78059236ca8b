"""Where each role starts, and the figures its 工作台 shows: its own work, each linked to the list behind it.

The figures are counted in a fixed number of queries (one conditional aggregate over the
requests the user may see, one for visits or returns where the role has them), whatever the
size of the organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can
from aftersales.dispatch.models import Appointment
from aftersales.entitlement.models import ReturnAuthorization
from aftersales.entitlement.selectors import rmas_for_user
from aftersales.service.lifecycle import FIELD_KINDS
from aftersales.service.models import Kind, Status
from aftersales.service.selectors import requests_for_user
from aftersales.sla.selectors import clock_q

CLOSED = (Status.CLOSED, Status.CANCELLED)


def start_url(user: Any) -> str:
    """The page a role's work is on: where login lands when no other page was asked for."""
    role = getattr(user, "role", None)
    if role == Role.CUSTOMER:
        return reverse("portal:home")
    if role == Role.TECHNICIAN:
        return reverse("dispatch:tech-today")
    if role == Role.DISPATCHER:
        return reverse("dispatch:board")
    if role == Role.AGENT:
        return _queue(queue="mine")
    if role == Role.QUALITY_MANAGER and can(user, Cap.VIEW_SLA_REPORTS):
        return reverse("sla:report")
    return reverse("home")


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    value: int
    url: str
    icon: str
    tone: str = "primary"  # bootstrap colour of the figure when it is not zero


def _queue(**params: str) -> str:
    return reverse("service:queue") + "?" + urlencode(params)


def _request_counts(user: Any, now: datetime) -> dict[str, int]:
    """Every request figure in one query: conditional counts over the open requests the user may see."""
    mine = Q(assignee_id=user.pk)
    aggregates = {
        "open": Count("pk"),
        "mine": Count("pk", filter=mine),
        "unassigned": Count("pk", filter=Q(assignee__isnull=True)),
        "unassigned_field": Count("pk", filter=Q(assignee__isnull=True, kind__in=FIELD_KINDS)),
        "due_soon": Count("pk", filter=clock_q("due_soon", now)),
        "breached": Count("pk", filter=clock_q("breached", now)),
        "mine_due_soon": Count("pk", filter=mine & clock_q("due_soon", now)),
        "mine_breached": Count("pk", filter=mine & clock_q("breached", now)),
        "awaiting_parts": Count("pk", filter=Q(status=Status.AWAITING_PARTS)),
        "complaints": Count("pk", filter=Q(kind=Kind.COMPLAINT)),
        "reopened": Count("pk", filter=Q(status=Status.REOPENED)),
    }
    return requests_for_user(user).exclude(status__in=CLOSED).aggregate(**aggregates)


def _visits_today(user: Any, now: datetime) -> int:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    qs = Appointment.objects.live().filter(
        window_start__gte=start, window_start__lt=start + timedelta(days=1)
    )
    if user.role == Role.TECHNICIAN:
        return qs.filter(technician__user=user).count()
    return qs.filter(organization_id=user.organization_id).count()


def _returns_waiting(user: Any) -> dict[str, int]:
    S = ReturnAuthorization.Status
    return rmas_for_user(user).aggregate(
        to_decide=Count("pk", filter=Q(status__in=[S.REQUESTED, S.INSPECTED])),
        to_receive=Count("pk", filter=Q(status__in=[S.SHIPPED, S.RECEIVED])),
        refunds=Count("pk", filter=Q(status=S.REFUND_PENDING)),
    )


def _rma_list(status: str) -> str:
    return reverse("entitlement:rma-list") + "?" + urlencode({"status": status})


def figures_for(user: Any, now: datetime | None = None) -> list[Figure]:
    """The role's own figures; only links it may open (the queue for staff who see requests)."""
    now = now or timezone.now()
    if not can(user, Cap.VIEW_CUSTOMERS):
        return []
    c = _request_counts(user, now)
    role = user.role
    mine = [
        Figure("mine", _("我的未完成服务单"), c["mine"], _queue(queue="mine"), "bi-person-check"),
        Figure(
            "mine-due-soon",
            _("即将超时"),
            c["mine_due_soon"],
            _queue(queue="mine", sla="due_soon"),
            "bi-hourglass-split",
            "warning",
        ),
        Figure(
            "mine-breached",
            _("已超时"),
            c["mine_breached"],
            _queue(queue="mine", sla="breached"),
            "bi-exclamation-octagon",
            "danger",
        ),
    ]
    team = [
        Figure(
            "due-soon",
            _("全部即将超时"),
            c["due_soon"],
            _queue(queue="open", sla="due_soon"),
            "bi-hourglass-split",
            "warning",
        ),
        Figure(
            "breached",
            _("全部已超时"),
            c["breached"],
            _queue(queue="open", sla="breached"),
            "bi-exclamation-octagon",
            "danger",
        ),
    ]
    if role == Role.TECHNICIAN:
        today = Figure(
            "visits-today",
            _("今日上门"),
            _visits_today(user, now),
            reverse("dispatch:tech-today"),
            "bi-signpost-2",
        )
        return [today, *mine]
    if role == Role.DISPATCHER:
        waiting = Figure(
            "unassigned-field",
            _("待派单（上门服务）"),
            c["unassigned_field"],
            _queue(queue="unassigned"),
            "bi-inbox",
            "warning",
        )
        today = Figure(
            "visits-today", _("今日上门"), _visits_today(user, now), reverse("dispatch:board"), "bi-kanban"
        )
        return [waiting, today, *team]
    if role == Role.AGENT:
        r = _returns_waiting(user)
        pending = [
            Figure(
                "unassigned", _("待分派"), c["unassigned"], _queue(queue="unassigned"), "bi-inbox", "warning"
            ),
            Figure(
                "returns-to-decide",
                _("待审核/待处理退换货"),
                r["to_decide"],
                _rma_list("open"),
                "bi-arrow-left-right",
                "warning",
            ),
        ]
        return [*mine, *pending]
    if role == Role.PARTS_MANAGER:
        r = _returns_waiting(user)
        return [
            Figure(
                "awaiting-parts",
                _("等待备件"),
                c["awaiting_parts"],
                _queue(queue="open", status="awaiting_parts"),
                "bi-box-seam",
                "warning",
            ),
            Figure(
                "returns-to-receive",
                _("待签收/待检测退货"),
                r["to_receive"],
                _rma_list("open"),
                "bi-box-arrow-in-down",
                "warning",
            ),
            *mine,
        ]
    if role == Role.QUALITY_MANAGER:
        complaints = Figure(
            "complaints",
            _("未完成投诉"),
            c["complaints"],
            _queue(queue="open", kind="complaint"),
            "bi-megaphone",
            "warning",
        )
        reopened = Figure(
            "reopened",
            _("返修（客户拒绝验收）"),
            c["reopened"],
            _queue(queue="open", status="reopened"),
            "bi-arrow-repeat",
            "danger",
        )
        return [*team, complaints, reopened, mine[0]]
    # organization (and platform) admins: the whole organization
    return [
        Figure("open", _("未完成服务单"), c["open"], _queue(queue="open"), "bi-card-checklist"),
        Figure("unassigned", _("待分派"), c["unassigned"], _queue(queue="unassigned"), "bi-inbox", "warning"),
        *team,
    ]
