"""Background jobs for entitlements: thin, idempotent, calling services."""

from __future__ import annotations

from datetime import timedelta

from aftersales.entitlement import rma
from aftersales.jobs.registry import job


@job("entitlement.escalate_refunds", every=timedelta(minutes=15))
def escalate_refunds() -> int:
    """Refunds due tomorrow or overdue, escalated once per level; safe to run twice."""
    return rma.refunds_escalate()
