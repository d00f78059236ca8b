"""Housekeeping jobs that every deployment runs."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.utils import timezone

from aftersales.jobs.models import Heartbeat, Job
from aftersales.jobs.registry import job


@job("jobs.purge_finished", every=timedelta(hours=6))
def purge_finished(days: int = 14) -> int:
    """Forget finished jobs after two weeks so the table stays small."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Job.objects.filter(status=Job.Status.DONE, finished_at__lt=cutoff).delete()
    return deleted


@job("jobs.ping")
def ping(marker: str) -> None:
    """Records that a worker ran it; used to check that workers are alive."""
    Heartbeat.objects.update_or_create(
        marker=marker, defaults={"seen_at": timezone.now(), "worker": f"{socket.gethostname()}:{os.getpid()}"}
    )
