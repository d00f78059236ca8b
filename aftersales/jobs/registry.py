"""One way to declare and queue background work for the whole project.

``@job("name")`` registers a function; ``enqueue("name", **kwargs)`` queues it after the current
transaction commits. Where it runs depends on configuration only:

* no ``CELERY_BROKER_URL``: a ``Job`` row, picked up by the embedded runner that
  ``aftersales serve`` starts (or ``aftersales runjobs``);
* with a broker (Redis or RabbitMQ): a Celery message, run by ``aftersales worker`` processes,
  with ``aftersales scheduler`` (Celery beat) for the periodic ones.

``jobs.backends`` holds the two ways of sending. Job functions take JSON-serialisable keyword
arguments and must be safe to run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import apps

from aftersales.jobs import backends
from aftersales.jobs.spec import JobSpec

REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str, *, every: timedelta | None = None, max_attempts: int = 5
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY and REGISTRY[name].func is not func:
            raise ValueError(f"job {name!r} is registered twice")
        REGISTRY[name] = JobSpec(name=name, func=func, every=every, max_attempts=max_attempts)
        return func

    return register


def enqueue(name: str, *, delay: timedelta | None = None, **kwargs: Any) -> None:
    """Queue ``name`` to run after the surrounding transaction commits (now, if none)."""
    if name not in REGISTRY:
        # Jobs are registered when the jobs app is ready (``JobsConfig.ready``); one whose module
        # was unloaded since (tests) is registered again here.
        load_all()
    if name not in REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    backends.backend().send(REGISTRY[name], kwargs, delay)


def load_all() -> None:
    """Import every app's ``tasks`` module so their jobs are registered."""
    for config in apps.get_app_configs():
        if config.name.startswith("aftersales."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
