"""Where a queued job goes: a ``Job`` row for the embedded runner, or a Celery message.

``registry.enqueue`` hands every job to ``backend()``; which one is decided by configuration
only (``CELERY_BROKER_URL``), read at each call so that tests and embedding code may change it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aftersales.celery import configured_app
from aftersales.jobs.models import Job
from aftersales.jobs.spec import JobSpec

if TYPE_CHECKING:
    from celery import Celery


class Backend(Protocol):
    def send(self, spec: JobSpec, kwargs: dict[str, Any], delay: timedelta | None) -> None: ...


class DatabaseBackend:
    """A ``Job`` row, picked up by the embedded runner (``aftersales serve`` or ``runjobs``)."""

    def send(self, spec: JobSpec, kwargs: dict[str, Any], delay: timedelta | None) -> None:
        # Written in the caller's transaction: if the caller rolls back, so does the job, and a
        # committed job survives a restart.
        Job.objects.create(
            name=spec.name,
            kwargs=kwargs,
            run_after=timezone.now() + (delay or timedelta(0)),
            max_attempts=spec.max_attempts,
        )


class CeleryBackend:
    """A Celery message, sent once the caller's transaction commits."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def send(self, spec: JobSpec, kwargs: dict[str, Any], delay: timedelta | None) -> None:
        countdown = delay.total_seconds() if delay else None
        transaction.on_commit(lambda: self.app.send_task(spec.name, kwargs=kwargs, countdown=countdown))


def uses_celery() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def backend() -> Backend:
    return CeleryBackend(configured_app()) if uses_celery() else DatabaseBackend()


def celery_register(app: Celery, specs: Iterable[JobSpec]) -> None:
    """Make each job a Celery task of the same name, and each periodic one a beat entry."""
    specs = list(specs)
    for spec in specs:
        app.task(name=spec.name, bind=False)(spec.func)
    app.conf.beat_schedule = {
        spec.name: {"task": spec.name, "schedule": spec.every.total_seconds()}
        for spec in specs
        if spec.every is not None
    }
