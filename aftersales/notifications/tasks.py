from datetime import timedelta

from aftersales.jobs.registry import job
from aftersales.notifications.outbox import deliver_due


@job("notifications.deliver", every=timedelta(seconds=5))
def deliver() -> int:
    return deliver_due()
