"""The embedded job runner: polls the ``Job`` table and runs periodic jobs on schedule.

Several runners may work the same database: a job is claimed with a conditional UPDATE, so only
one of them runs it, and periodic slots are deduplicated by a unique key.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from aftersales.jobs.models import Job
from aftersales.jobs.registry import REGISTRY, load_all

log = logging.getLogger(__name__)

# A job whose runner died mid-run is taken up again after this long.
STALE_AFTER = timedelta(minutes=15)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(attempts - 1, 0)))


def schedule_periodic(now: datetime) -> int:
    """Queue each periodic job's current slot once; returns how many were queued."""
    queued = 0
    for spec in REGISTRY.values():
        if spec.every is None:
            continue
        period = int(spec.every.total_seconds())
        slot = int(now.timestamp()) // period
        try:
            with transaction.atomic():
                Job.objects.create(
                    name=spec.name,
                    run_after=now,
                    dedupe_key=f"{spec.name}@{slot}",
                    max_attempts=1,
                )
            queued += 1
        except IntegrityError:
            pass  # this slot is already queued by us or another runner
    return queued


def claim_next(worker: str) -> Job | None:
    now = timezone.now()
    candidates = Job.objects.filter(status=Job.Status.QUEUED, run_after__lte=now).order_by("run_after", "id")
    stale = Job.objects.filter(status=Job.Status.RUNNING, locked_at__lt=now - STALE_AFTER)
    for job in list(candidates[:5]) + list(stale[:1]):
        claimed = Job.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts).update(
            status=Job.Status.RUNNING, locked_by=worker, locked_at=now, attempts=job.attempts + 1
        )
        if claimed:
            job.refresh_from_db()
            return job
    return None


def run_job(job: Job) -> None:
    spec = REGISTRY.get(job.name)
    try:
        if spec is None:
            raise LookupError(f"no job named {job.name!r} is registered")
        spec.func(**job.kwargs)
    except Exception:
        error = traceback.format_exc()
        log.exception("job failed", extra={"job": job.name, "job_id": job.pk, "attempt": job.attempts})
        if job.attempts >= job.max_attempts:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.FAILED, last_error=error, finished_at=timezone.now()
            )
        else:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.QUEUED, last_error=error, run_after=timezone.now() + _backoff(job.attempts)
            )
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=timezone.now(), last_error="")


def run_pending(limit: int = 100) -> int:
    """Run due jobs until none is left (or ``limit``); returns how many ran."""
    load_all()
    worker = _worker_id()
    ran = 0
    while ran < limit:
        job = claim_next(worker)
        if job is None:
            break
        run_job(job)
        ran += 1
    return ran


def run_forever(stop: threading.Event, poll_seconds: float | None = None) -> None:
    load_all()
    poll = poll_seconds if poll_seconds is not None else settings.JOBS_POLL_SECONDS
    log.info("job runner started", extra={"jobs": ",".join(sorted(REGISTRY))})
    while not stop.is_set():
        close_old_connections()
        try:
            schedule_periodic(timezone.now())
            ran = run_pending()
        except Exception:
            log.exception("job runner loop failed; retrying")
            ran = 0
        if ran == 0:
            stop.wait(poll)
    close_old_connections()


def schedule_periodic_now() -> int:
    load_all()
    return schedule_periodic(timezone.now())
