"""Refund deadlines: refunds due soon or overdue are raised once per level."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import notify
from aftersales.entitlement.rma.base import RMA, org_language
from aftersales.entitlement.rma.table import S
from aftersales.service.event_text import text as ev
from aftersales.service.events import event_add
from aftersales.service.models import RequestEvent


def refunds_escalate(*, now: Any = None) -> int:
    """Raise refunds due tomorrow (level 1) and overdue ones (level 2); each level happens once.

    A level is claimed with a conditional update before anything is written, so two runners (or a
    retried job) escalate each refund once.
    """
    now = now or timezone.now()
    horizon = timezone.localdate(now) + timedelta(days=2)
    candidates = (
        RMA.objects.filter(status=S.REFUND_PENDING, refund_due_on__lte=horizon, escalation_level__lt=2)
        .select_related(
            "organization",
            "request",
            "request__customer",
            "request__organization",
            "request__assignee",
            "unit",
            "replacement_unit",
        )
        .order_by("refund_due_on", "id")
    )
    raised = 0
    for rma in candidates:
        assert rma.refund_due_on is not None
        today = build.local_date(now, rma.organization)
        level = (
            2 if today > rma.refund_due_on else (1 if today >= rma.refund_due_on - timedelta(days=1) else 0)
        )
        if level <= rma.escalation_level:
            continue
        with transaction.atomic():
            claimed = RMA.objects.filter(
                pk=rma.pk, status=S.REFUND_PENDING, escalation_level__lt=level
            ).update(escalation_level=level, escalated_at=now)
            if not claimed:
                continue
            rma.escalation_level = level
            with org_language():
                said = ev(
                    codes.RMA_REFUND_OVERDUE if level == 2 else codes.RMA_REFUND_DUE_SOON,
                    n=rma.number,
                    d=str(rma.refund_due_on),
                    a=str(rma.refund_amount),
                )
                event_add(
                    request=rma.request,
                    kind=RequestEvent.Kind.SLA,
                    by=None,
                    public=False,
                    reason=said,
                    data={"rma": rma.number, "refund_due_on": rma.refund_due_on.isoformat(), "level": level},
                    at=now,
                )
                notify.rma_escalation(rma, level, str(said))
        raised += 1
    return raised
