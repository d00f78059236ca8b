"""Celery app for deployments with a broker (``CELERY_BROKER_URL``: Redis or RabbitMQ).

The same job functions registered with ``aftersales.jobs.registry.job`` become Celery tasks
with the same names, and their schedules become beat entries.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from aftersales.jobs.registry import REGISTRY, load_all  # noqa: E402

app = Celery("aftersales", broker=settings.CELERY_BROKER_URL or "memory://")
app.conf.update(
    task_acks_late=True,  # a worker that dies mid-job leaves it for another worker
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="aftersales",
    timezone=settings.TIME_ZONE,
    broker_connection_retry_on_startup=True,
)

load_all()
for _spec in REGISTRY.values():
    app.task(name=_spec.name, bind=False)(_spec.func)


def configured_app() -> Celery:
    """The app, aimed at the broker that ``settings.CELERY_BROKER_URL`` names now.

    The URL is read again at use, not only at import, so code that configures the broker after
    this module was first imported (tests, embedding code) still reaches that broker.
    """
    url = settings.CELERY_BROKER_URL or "memory://"
    if app.conf.broker_url != url:
        app.conf.update(broker_url=url)
        # Pooled connections were opened for the old URL; let Celery open new ones lazily.
        app._pool = None
        app.amqp._producer_pool = None
    return app


app.conf.beat_schedule = {
    spec.name: {"task": spec.name, "schedule": spec.every.total_seconds()}
    for spec in REGISTRY.values()
    if spec.every is not None
}
