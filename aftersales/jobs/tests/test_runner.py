"""The embedded job queue: enqueue on commit, claim once, retry with backoff, periodic slots once."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from aftersales import celery as celery_module
from aftersales.jobs import registry, runner
from aftersales.jobs.models import Heartbeat, Job
from aftersales.jobs.registry import REGISTRY, enqueue, job
from aftersales.jobs.spec import JobSpec


@pytest.fixture
def test_jobs():
    """Register jobs for one test; ``ran`` counts the calls of each by its ``key`` argument."""
    ran: Counter[str] = Counter()
    lock = threading.Lock()
    names: list[str] = []

    def register(name: str, func=None, **options):
        def default(key: str) -> None:
            with lock:
                ran[key] += 1

        job(name, **options)(func or default)
        names.append(name)

    register.ran = ran
    yield register
    for name in names:
        REGISTRY.pop(name, None)


def _backdate_all() -> None:
    Job.objects.update(run_after=timezone.now() - timedelta(seconds=1))


def test_enqueue_outside_a_transaction_writes_a_due_job(db):
    enqueue("jobs.ping", marker="m1")

    queued = Job.objects.get()
    assert (queued.name, queued.kwargs, queued.status) == ("jobs.ping", {"marker": "m1"}, Job.Status.QUEUED)
    assert queued.run_after <= timezone.now()


def test_enqueue_in_a_rolled_back_transaction_leaves_no_job(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("jobs.ping", marker="never")
        raise RuntimeError("the caller fails after queueing")

    assert Job.objects.count() == 0


def test_enqueue_in_a_committed_transaction_keeps_the_job(db):
    with transaction.atomic():
        enqueue("jobs.ping", marker="kept")

    assert Job.objects.filter(kwargs__marker="kept").count() == 1


def test_enqueue_with_a_delay_is_not_run_before_its_time(db):
    enqueue("jobs.ping", delay=timedelta(minutes=5), marker="later")

    assert runner.run_pending() == 0
    assert not Heartbeat.objects.exists()

    _backdate_all()
    assert runner.run_pending() == 1
    assert Heartbeat.objects.filter(marker="later").exists()


def test_enqueue_of_an_unknown_job_fails_at_once(db):
    with pytest.raises(KeyError, match="no.such.job"):
        enqueue("no.such.job")
    assert Job.objects.count() == 0


def test_enqueue_finds_jobs_whose_tasks_module_is_not_imported_yet(db, monkeypatch):
    # A fresh web process has imported no app's tasks module; enqueue must still know the job.
    monkeypatch.delitem(REGISTRY, "customers.import_sales")
    monkeypatch.delitem(sys.modules, "aftersales.customers.tasks")

    enqueue("customers.import_sales", import_id=1)

    assert Job.objects.get().name == "customers.import_sales"


def test_with_a_broker_enqueue_sends_only_after_commit(
    settings, db, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "memory://"
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        celery_module.app, "send_task", lambda name, kwargs, countdown: sent.append((name, kwargs))
    )

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue("jobs.ping", marker="rolled-back")
            raise RuntimeError
        with transaction.atomic():
            enqueue("jobs.ping", marker="committed")
            assert sent == [], "nothing leaves before the commit"

    assert sent == [("jobs.ping", {"marker": "committed"})]
    assert Job.objects.count() == 0, "with a broker the database queue stays empty"


def test_run_pending_runs_each_job_once_even_when_called_twice(db, test_jobs):
    test_jobs("tests.count")
    for key in "abc":
        enqueue("tests.count", key=key)

    first = runner.run_pending()
    second = runner.run_pending()

    assert (first, second) == (3, 0)
    assert test_jobs.ran == {"a": 1, "b": 1, "c": 1}
    assert set(Job.objects.values_list("status", flat=True)) == {Job.Status.DONE}


def test_a_second_runner_started_while_a_job_runs_does_not_take_it_again(db, test_jobs):
    # given: the first job starts another runner while it is itself still running
    inner: list[int] = []
    test_jobs("tests.count")
    test_jobs(
        "tests.nested", func=lambda key: (test_jobs.ran.update([key]), inner.append(runner.run_pending()))
    )
    enqueue("tests.nested", key="outer")
    for key in "xyz":
        enqueue("tests.count", key=key)

    # when
    outer = runner.run_pending()

    # then: every job ran exactly once between the two runners
    assert test_jobs.ran == {"outer": 1, "x": 1, "y": 1, "z": 1}
    assert inner == [3]
    assert outer == 1
    assert Job.objects.filter(status=Job.Status.DONE).count() == 4


def test_a_job_claimed_by_another_runner_is_not_claimed_again(db, test_jobs):
    test_jobs("tests.count")
    enqueue("tests.count", key="k")

    claimed = runner.claim_next("runner-1")
    again = runner.claim_next("runner-2")

    assert claimed is not None and claimed.locked_by == "runner-1" and claimed.attempts == 1
    assert again is None


def test_a_job_stuck_in_running_is_taken_over_after_the_stale_limit(db, test_jobs):
    test_jobs("tests.count")
    enqueue("tests.count", key="k")
    runner.claim_next("runner-that-died")
    Job.objects.update(locked_at=timezone.now() - runner.STALE_AFTER - timedelta(seconds=1))

    assert runner.run_pending() == 1

    assert test_jobs.ran == {"k": 1}
    assert Job.objects.get().attempts == 2


@pytest.mark.skipif(
    "sqlite" in str(connection.settings_dict["ENGINE"]),
    reason="the in-memory SQLite test database locks whole tables across threads",
)
def test_runners_in_parallel_threads_run_each_job_once(transactional_db, test_jobs):
    test_jobs("tests.count")
    for i in range(40):
        enqueue("tests.count", key=str(i))
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            runner.run_pending()
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert failures == []
    assert test_jobs.ran == Counter({str(i): 1 for i in range(40)})
    assert Job.objects.filter(status=Job.Status.DONE, attempts=1).count() == 40


def test_a_failing_job_is_retried_with_growing_backoff_then_marked_failed(db, test_jobs):
    def explode(key: str) -> None:
        test_jobs.ran[key] += 1
        raise ValueError(f"boom {test_jobs.ran[key]}")

    test_jobs("tests.explode", func=explode, max_attempts=3)
    enqueue("tests.explode", key="k")

    delays = []
    for attempt in (1, 2):
        started = timezone.now()
        assert runner.run_pending() == 1
        failed = Job.objects.get()
        assert (failed.status, failed.attempts) == (Job.Status.QUEUED, attempt)
        assert f"ValueError: boom {attempt}" in failed.last_error
        delays.append((failed.run_after - started).total_seconds())
        # not due yet: a second call does nothing
        assert runner.run_pending() == 0
        _backdate_all()

    assert runner.run_pending() == 1
    dead = Job.objects.get()
    assert (dead.status, dead.attempts) == (Job.Status.FAILED, 3)
    assert "boom 3" in dead.last_error and dead.finished_at is not None
    assert 4 <= delays[0] <= 6 and 9 <= delays[1] <= 11, delays
    assert runner.run_pending() == 0 and test_jobs.ran["k"] == 3


def test_a_job_that_succeeds_on_retry_is_done_and_forgets_the_error(db, test_jobs):
    def flaky(key: str) -> None:
        test_jobs.ran[key] += 1
        if test_jobs.ran[key] == 1:
            raise ConnectionError("SMS gateway down")

    test_jobs("tests.flaky", func=flaky)
    enqueue("tests.flaky", key="k")
    runner.run_pending()
    _backdate_all()

    runner.run_pending()

    done = Job.objects.get()
    assert (done.status, done.attempts, done.last_error) == (Job.Status.DONE, 2, "")


def test_backoff_grows_and_is_capped():
    assert [runner._backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert runner._backoff(30) == timedelta(hours=1)


def test_a_job_whose_name_is_no_longer_registered_fails_without_crashing_the_runner(db, test_jobs):
    Job.objects.create(name="gone.away", run_after=timezone.now(), max_attempts=1)
    test_jobs("tests.count")
    enqueue("tests.count", key="after")

    assert runner.run_pending() == 2

    assert Job.objects.get(name="gone.away").status == Job.Status.FAILED
    assert test_jobs.ran == {"after": 1}


def test_periodic_jobs_are_queued_once_per_slot(db, monkeypatch):
    # Only these two periodic jobs, whatever other apps schedule.
    registry.load_all()
    specs = {
        "jobs.purge_finished": REGISTRY["jobs.purge_finished"],
        "tests.every_minute": JobSpec("tests.every_minute", lambda: None, timedelta(minutes=1), 1),
        "tests.one_off": JobSpec("tests.one_off", lambda: None, None, 1),
    }
    monkeypatch.setattr(runner, "REGISTRY", specs)
    now = datetime(2025, 3, 3, 9, 0, 10, tzinfo=timezone.get_current_timezone())

    first = runner.schedule_periodic(now)
    second = runner.schedule_periodic(now + timedelta(seconds=30))  # same minute, e.g. a second runner

    assert (first, second) == (2, 0)
    assert Job.objects.filter(name="tests.every_minute").count() == 1
    assert Job.objects.filter(name="jobs.purge_finished").count() == 1
    assert not Job.objects.filter(name="tests.one_off").exists()

    # the next minute is a new slot for the minutely job only
    assert runner.schedule_periodic(now + timedelta(minutes=1)) == 1
    assert Job.objects.filter(name="tests.every_minute").count() == 2
    assert Job.objects.filter(name="jobs.purge_finished").count() == 1
    # six hours on, the purge has a new slot too
    assert runner.schedule_periodic(now + timedelta(hours=6)) == 2


def test_purge_finished_forgets_old_done_jobs_only(db):
    old = timezone.now() - timedelta(days=30)
    Job.objects.create(name="a", run_after=old, status=Job.Status.DONE, finished_at=old)
    Job.objects.create(name="b", run_after=old, status=Job.Status.FAILED, finished_at=old)
    Job.objects.create(name="c", run_after=old, status=Job.Status.DONE, finished_at=timezone.now())

    enqueue("jobs.purge_finished")
    runner.run_pending()

    assert sorted(Job.objects.values_list("name", flat=True)) == ["b", "c", "jobs.purge_finished"]


def test_runjobs_once_command_runs_what_is_due(db):
    enqueue("jobs.ping", marker="from-cli")
    out = StringIO()

    call_command("runjobs", "--once", stdout=out)

    assert Heartbeat.objects.filter(marker="from-cli").exists()
    assert "ran" in out.getvalue()
