"""Celery app for deployments with a broker (``CELERY_BROKER_URL``: Redis or RabbitMQ).

Importing this module only configures the app: it neither sets Django up nor imports any job.
The jobs app registers every job declared with ``aftersales.jobs.registry.job`` here, under the
same name and with its schedule as a beat entry, from ``JobsConfig.ready()``; a worker started
with ``celery -A aftersales.celery`` gets there through Celery's Django fixup, which sets Django
up before the worker takes its first task.
"""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

app = Celery("aftersales", broker=settings.CELERY_BROKER_URL or "memory://")
app.conf.update(
    task_acks_late=True,  # a worker that dies mid-job leaves it for another worker
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="aftersales",
    timezone=settings.TIME_ZONE,
    broker_connection_retry_on_startup=True,
)


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
