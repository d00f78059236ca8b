"""The sla.check job where it runs (embedded runner, Celery), and one property: the periodic
bulk recompute and the per-request recompute of the services agree on every clock."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.celery import app
from aftersales.jobs.models import Job
from aftersales.jobs.registry import load_all
from aftersales.jobs.runner import run_pending, schedule_periodic
from aftersales.sla.clocks import recompute_request
from aftersales.sla.models import RequestSla, SlaClock
from aftersales.sla.policies import sla_setup_all
from aftersales.sla.recompute import recompute_open_clocks
from aftersales.sla.tasks import check

from .conftest import sh, walk


def test_the_embedded_runner_runs_the_check_once_per_minute(make_request):
    sr = make_request("consultation", timezone.now() - timedelta(days=3))
    load_all()
    now = timezone.now()
    schedule_periodic(now)
    schedule_periodic(now)  # a second runner in the same minute
    assert Job.objects.filter(name="sla.check").count() == 1
    run_pending()
    assert Job.objects.get(name="sla.check").status == Job.Status.DONE
    first = SlaClock.objects.get(request=sr, metric="first_response")
    assert first.state == SlaClock.State.BREACHED and first.breached_at is not None


def test_celery_runs_the_same_function_on_the_same_schedule() -> None:
    assert app.tasks["sla.check"].run is check
    assert app.conf.beat_schedule["sla.check"]["schedule"] == 60.0


def test_organizations_created_without_the_engine_get_defaults_from_the_job(org_a, org_b):
    assert sla_setup_all() == 2
    assert org_a.sla_policies.count() == 5 and org_b.sla_calendars.count() == 1
    assert sla_setup_all() == 0
    # deleting the defaults on purpose does not bring them back
    org_a.sla_policies.all().delete()
    sla_setup_all()
    assert org_a.sla_policies.count() == 0


minutes = st.integers(min_value=0, max_value=10 * 24 * 60)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    created=minutes,
    pause_at=minutes,
    pause_for=st.none() | minutes,
    job_at=minutes,
    kind=st.sampled_from(["repair", "complaint", "return", "consultation"]),
)
def test_the_bulk_recompute_agrees_with_the_per_request_one(
    make_request, alice, created, pause_at, pause_for, job_at, kind
):
    base = sh(2025, 9, 22, 0)  # a Monday; the range reaches over National Day 2025
    sr = make_request(kind, base + timedelta(minutes=created))
    steps = ("accept", "assign", "start") if kind == "repair" else ("accept", "start")
    sr = walk(sr, alice, sr.created_at + timedelta(minutes=2), *steps)
    start_wait = sr.created_at + timedelta(minutes=3 + pause_at)
    sr = walk(sr, alice, start_wait, "wait_for_customer")
    if pause_for is not None:
        sr = walk(sr, alice, start_wait + timedelta(minutes=pause_for), "resume")
    now = start_wait + timedelta(minutes=job_at)
    # when the periodic job recomputes at ``now``
    recompute_open_clocks(now=now, escalations=False)
    bulk = {
        c.pk: (c.state, c.due_at, c.breached_by_minutes, c.fraction_used, c.confirmed)
        for c in SlaClock.objects.filter(request=sr, active=True)
    }
    # then recomputing the request through the services at ``now`` changes nothing
    state = RequestSla.objects.select_related("policy", "calendar").get(request=sr)
    single = {
        c.pk: (c.state, c.due_at, c.breached_by_minutes, c.fraction_used, c.confirmed)
        for c in recompute_request(request=sr, state=state, at=now)
    }
    assert bulk == single
