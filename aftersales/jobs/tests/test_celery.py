"""The Celery path against a real Redis: enqueue sends a message, a worker runs the job."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from aftersales.celery import app
from aftersales.jobs.models import Heartbeat, Job
from aftersales.jobs.registry import enqueue

REDIS_URL = os.environ.get("AFTERSALES_TEST_REDIS_URL", "")


@pytest.mark.redis
@pytest.mark.skipif(
    not REDIS_URL, reason="set AFTERSALES_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run"
)
def test_ping_job_runs_on_a_celery_worker_through_redis(transactional_db, settings):
    # given: the broker is configured after aftersales.celery was imported, as in a test run
    settings.CELERY_BROKER_URL = REDIS_URL
    queue = app.conf.task_default_queue
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete(queue)  # leftovers of an earlier, interrupted run
    marker = f"redis-{uuid.uuid4().hex}"

    # when: the job is queued with no worker running, the message waits in Redis
    enqueue("jobs.ping", marker=marker)
    assert broker.llen(queue) == 1
    assert Job.objects.count() == 0, "with a broker the database queue is not used"

    # then: a Celery worker, not this thread, takes it and writes the heartbeat
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=20):
        deadline = time.monotonic() + 20
        while not Heartbeat.objects.filter(marker=marker).exists():
            assert time.monotonic() < deadline, "no worker ran jobs.ping within 20 s"
            time.sleep(0.05)

    assert broker.llen(queue) == 0
    assert Heartbeat.objects.get(marker=marker).worker
